/**
 * The pre-flight: each reference video and audio measured from its header before anything is
 * paid for, so its duration can be checked for free and the cost estimate made exact.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { SubmitInput } from '../../apixo/contract';
import { MediaHeaderError } from '../../apixo/mediaDuration';
import { oneLine } from '../../apixo/otherHosts';
import { measureReference, type MeasureOptions } from './rangeReader';

export interface ReferenceMedia {
	url: string;
	type: 'video' | 'audio';
	durationS?: number;
	format?: string;
	/** Why the header could not be read (APIXO checks the file itself then). */
	error?: string;
}

type OmniInput = Extract<SubmitInput, { mode: 'omni_reference' }>;

/** Whether an item's reference media are measured before submitting (the default). */
export const needsPreflight = (input: SubmitInput, enabled: unknown): input is OmniInput =>
	enabled !== false &&
	input.mode === 'omni_reference' &&
	((input.video_urls?.length ?? 0) > 0 || (input.audio_urls?.length ?? 0) > 0);

export async function measureReferences(
	this: IExecuteFunctions,
	input: OmniInput,
	options: MeasureOptions = {},
): Promise<ReferenceMedia[]> {
	const entries = [
		...(input.video_urls ?? []).map((url) => ({ url, type: 'video' as const })),
		...(input.audio_urls ?? []).map((url) => ({ url, type: 'audio' as const })),
	];
	return await Promise.all(
		entries.map(async (entry): Promise<ReferenceMedia> => {
			try {
				const { seconds, format } = await measureReference.call(this, entry.url, options);
				return { ...entry, durationS: seconds, format };
			} catch (error) {
				// Never block a request on this reader's limits: APIXO checks the file anyway.
				const why =
					error instanceof MediaHeaderError ? oneLine(error.message) : 'unexpected answer';
				return { ...entry, error: `header not read (${why}): APIXO checks this file` };
			}
		}),
	);
}

/** Total seconds of the reference videos, when every one of them was measured. */
export function referenceVideoSeconds(media: ReferenceMedia[]): number | undefined {
	const videos = media.filter((m) => m.type === 'video');
	if (!videos.length || videos.some((m) => m.durationS === undefined)) return undefined;
	return Math.round(videos.reduce((total, m) => total + m.durationS!, 0) * 1000) / 1000;
}
