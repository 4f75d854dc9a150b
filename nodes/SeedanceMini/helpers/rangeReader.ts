/**
 * Reads a reference file's header with HTTP Range requests, for the pre-flight duration check.
 * Like download.ts, a plain request: no APIXO credential goes to a media host. A server that
 * ignores Range is read from the start and cut off, never downloaded whole; a slow one is cut
 * off by deadlines.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { withDeadline } from '../../apixo/otherHosts';
import {
	HEAD_BYTES,
	MediaHeaderError,
	readMediaDuration,
	type MediaDuration,
	type RangeReader,
} from '../../apixo/mediaDuration';
import { nonPublicHost } from '../../apixo/publicUrl';

/** The most bytes read from a server that ignores Range. */
const NO_RANGE_LIMIT = 4 * HEAD_BYTES;

type Body = AsyncIterable<Buffer> & { destroy?: () => void };

/** The first `limit` bytes of a response body; the rest is not read. */
async function firstBytes(body: Body, limit: number): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let length = 0;
	// Leaving the loop early ends the stream: a response body's iterator destroys it on return.
	for await (const chunk of body) {
		chunks.push(chunk);
		length += chunk.length;
		if (length >= limit) break;
	}
	return Buffer.concat(chunks).subarray(0, limit);
}

/** Time limits of the pre-flight (tests shorten them). */
export const mediaDeadlines = {
	/** One header read: the answer and all the bytes it needs, however slowly they come. */
	readMs: 10_000,
	/** All the reads of one file. */
	fileMs: 20_000,
};

const MAX_REDIRECTS = 5;

type Answer = { statusCode: number; headers: IDataObject; body: Body };

export interface MeasureOptions {
	/** Follow redirects to private/loopback hosts too: only with a local APIXO stand-in. */
	allowNonPublic?: boolean;
}

export async function measureReference(
	this: IExecuteFunctions,
	url: string,
	options: MeasureOptions = {},
): Promise<MediaDuration> {
	if (!/^https?:\/\//i.test(url)) throw new MediaHeaderError('only http(s) URLs are read');
	const { readMs, fileMs } = mediaDeadlines;
	const get = async (target: string, range: string, signal: AbortSignal): Promise<Answer> =>
		(await this.helpers
			.httpRequest({
				method: 'GET',
				url: target,
				headers: { Range: range },
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				// Redirects are followed below, each target checked like the URL itself.
				disableFollowRedirect: true,
				abortSignal: signal,
			})
			.catch((error: Error) => {
				throw new MediaHeaderError(`could not be fetched: ${error.message.split('\n')[0]}`);
			})) as Answer;

	// Where the file is: a redirect is followed once, then read there.
	let location = url;
	const follow = async (range: string, signal: AbortSignal): Promise<Answer> => {
		for (let hops = 0; ; hops++) {
			const answer = await get(location, range, signal);
			const next = answer.headers.location;
			if (answer.statusCode < 300 || answer.statusCode > 399 || !next) return answer;
			answer.body.destroy?.();
			if (hops === MAX_REDIRECTS) throw new MediaHeaderError('too many redirects');
			const target = URL.canParse(String(next), location)
				? new URL(String(next), location)
				: undefined;
			if (!target || !/^https?:$/.test(target.protocol))
				throw new MediaHeaderError('redirected to something that is not an http(s) URL');
			const why = options.allowNonPublic ? undefined : nonPublicHost(target.href);
			if (why) throw new MediaHeaderError(`redirected to a non-public address: ${why}`);
			location = target.href;
		}
	};

	const rangeRead = async (start: number, end: number, signal: AbortSignal) => {
		const { statusCode, headers, body } = await follow(`bytes=${start}-${end}`, signal);
		if (statusCode === 206) {
			const total = /\/(\d+)\s*$/.exec(String(headers['content-range']))?.[1];
			return {
				bytes: await firstBytes(body, end - start + 1),
				size: total ? Number(total) : undefined,
			};
		}
		if (statusCode === 200) {
			const length = Number(headers['content-length']);
			const size = Number.isFinite(length) ? length : undefined;
			if (end >= NO_RANGE_LIMIT && (size === undefined || size > NO_RANGE_LIMIT)) {
				body.destroy?.();
				throw new MediaHeaderError('the server ignores Range requests and the header is far in');
			}
			return { bytes: (await firstBytes(body, end + 1)).subarray(start), size };
		}
		body.destroy?.();
		throw new MediaHeaderError(`could not be fetched: HTTP ${statusCode}`);
	};

	// Each read has a total deadline (a trickling host is as bad as a silent one), and so has the
	// whole file: a slow host holds the batch, since nothing is submitted before all are measured.
	const tooSlow = (what: string) => new MediaHeaderError(`the host is too slow: ${what}`);
	return await withDeadline(
		fileMs,
		this.getExecutionCancelSignal(),
		async (fileSignal) => {
			const fetchRange: RangeReader = async (start, end) =>
				await withDeadline(
					readMs,
					fileSignal,
					async (signal) => await rangeRead(start, end, signal),
					() => tooSlow(`no complete answer within ${readMs / 1000} s`),
				);
			return await readMediaDuration(fetchRange);
		},
		() => tooSlow(`the header took over ${fileMs / 1000} s to read`),
	);
}
