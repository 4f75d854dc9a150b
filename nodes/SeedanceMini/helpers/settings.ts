import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { POLLING, type Mode } from '../../apixo/contract';
import type { PollSettings } from './wait';

export interface WaitSettings {
	poll: PollSettings;
	downloadVideo: boolean;
	binaryPropertyName: string;
	download: DownloadLimits;
	/** The user's Concurrency, a hard cap; undefined when not set (Generate then adapts). */
	concurrency: number | undefined;
}

export interface DownloadLimits {
	maxBytes: number;
	/** Fail when the file host sends nothing for this long. */
	stallMs: number;
}

/** A positive finite number, else the fallback. */
const positive = (value: unknown, fallback: number) =>
	typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;

const ms = (seconds: unknown, fallback: number) =>
	Math.max(
		0,
		Math.round(
			(typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : fallback) * 1000,
		),
	);

/** The `options` collection of one item, in milliseconds; seconds may be fractional. */
export function readWaitSettings(
	this: IExecuteFunctions,
	itemIndex: number,
	mode: Mode = 'text-to-video',
): WaitSettings & { options: IDataObject } {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const concurrency = Number(options.concurrency);
	return {
		options,
		poll: {
			firstPollDelayMs: ms(options.firstPollDelay, POLLING.firstPollDelay[mode]),
			pollIntervalMs: Math.max(10, ms(options.pollInterval, POLLING.pollInterval)),
			maxWaitMs: ms(options.maxWait, 1800),
		},
		downloadVideo: options.downloadVideo === true,
		binaryPropertyName: String(options.binaryPropertyName || 'data'),
		download: {
			maxBytes: Math.round(positive(options.maxDownloadSize, 1024) * 1_000_000),
			stallMs: Math.max(10, ms(positive(options.downloadStallTimeout, 60), 60)),
		},
		concurrency:
			Number.isFinite(concurrency) && concurrency >= 1 ? Math.floor(concurrency) : undefined,
	};
}
