/**
 * Reads a reference file's header with HTTP Range requests, for the pre-flight duration check.
 * Like download.ts, a plain request: no APIXO credential goes to a media host. A server that
 * ignores Range is read from the start and cut off, never downloaded whole.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import {
	HEAD_BYTES,
	MediaHeaderError,
	readMediaDuration,
	type MediaDuration,
	type RangeReader,
} from '../apixo/media';

/** The most bytes read from a server that ignores Range. */
const NO_RANGE_LIMIT = 4 * HEAD_BYTES;

type Body = AsyncIterable<Buffer> & { destroy?: () => void };

/** The first `limit` bytes of a response body; the rest is not read. */
async function firstBytes(body: Body, limit: number): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let length = 0;
	try {
		for await (const chunk of body) {
			chunks.push(chunk);
			length += chunk.length;
			if (length >= limit) break;
		}
	} finally {
		body.destroy?.();
	}
	return Buffer.concat(chunks).subarray(0, limit);
}

export async function measureReference(
	this: IExecuteFunctions,
	url: string,
): Promise<MediaDuration> {
	if (!/^https?:\/\//i.test(url)) throw new MediaHeaderError('only http(s) URLs are read');
	const read: RangeReader = async (start, end) => {
		const response = (await this.helpers
			.httpRequest({
				method: 'GET',
				url,
				headers: { Range: `bytes=${start}-${end}` },
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: 10_000,
				abortSignal: this.getExecutionCancelSignal(),
			})
			.catch((error: Error) => ({ failure: error.message.split('\n')[0] }))) as
			| { statusCode: number; headers: IDataObject; body: Body }
			| { failure: string };
		if ('failure' in response)
			throw new MediaHeaderError(`could not be fetched: ${response.failure}`);
		const { statusCode, headers, body } = response;
		if (statusCode === 206) {
			const total = /\/(\d+)\s*$/.exec(String(headers['content-range'] ?? ''))?.[1];
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
	return await readMediaDuration(read);
}
