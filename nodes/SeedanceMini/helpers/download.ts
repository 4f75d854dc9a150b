/**
 * The only place that fetches result URLs. The video is streamed into n8n's binary data (to disk
 * in filesystem mode), never held whole in memory, and no APIXO credential goes to the result
 * host: this is a plain request, not an authenticated one. A host that stops sending, or sends
 * more than the size limit, ends the download with an error that keeps the task ID.
 */
import type { IBinaryData, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { childController, oneLine, watchStalls } from '../../apixo/otherHosts';
import { operationError } from './operationError';
import type { DownloadLimits } from './settings';

type BinarySource = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];
type Readable = Exclude<BinarySource, Buffer>;
/** Node code may not import node:stream, but a response body's class is a Readable: it has `from`. */
type ReadableClass = { from(source: AsyncIterable<Buffer>): Readable };

const megabytes = (bytes: number) => `${Math.round(bytes / 100_000) / 10} MB`;
export async function downloadVideo(
	this: IExecuteFunctions,
	url: string,
	taskId: string,
	itemIndex: number,
	limits: DownloadLimits,
): Promise<IBinaryData> {
	if (!/^https?:\/\//i.test(url)) {
		throw operationError(this.getNode(), `Task ${taskId}: result URL is not http(s): ${url}`, {
			itemIndex,
		});
	}
	// Stopping the execution stops a download too (plain httpRequest is not tied to it); so do
	// the stall watchdog and the size limit, which say why first.
	const { controller, release } = childController(this.getExecutionCancelSignal());
	let cutOff: { why: string; tooLarge?: boolean } | undefined;
	const stop = (why: string, tooLarge?: boolean) => {
		cutOff ??= { why, tooLarge };
		controller.abort();
		return new Error(why);
	};
	/** Since when the file host owes bytes (headers, then each chunk); unset while n8n writes. */
	let waitingSince: number | undefined = Date.now();
	const watchdogStop = new AbortController();
	const watchdog = watchStalls(
		limits.stallMs,
		() => waitingSince,
		() => stop(`the file host sent nothing for ${limits.stallMs / 1000} s`),
		watchdogStop.signal,
	);
	const tooLarge = (size?: number) =>
		stop(
			`the video is ${size ? `${megabytes(size)}, ` : ''}above the Max Download Size of ${megabytes(limits.maxBytes)}`,
			true,
		);
	try {
		const response = (await this.helpers.httpRequest({
			method: 'GET',
			url,
			encoding: 'stream',
			returnFullResponse: true,
			abortSignal: controller.signal,
		})) as { headers: IDataObject; body: Readable };
		waitingSince = Date.now();
		const length = Number(response.headers['content-length']);
		if (length > limits.maxBytes) throw tooLarge(length);
		const body = response.body as Readable & AsyncIterable<Buffer>;
		async function* guarded() {
			let bytes = 0;
			for await (const chunk of body) {
				waitingSince = undefined;
				bytes += chunk.length;
				if (bytes > limits.maxBytes) throw tooLarge();
				yield chunk;
				waitingSince = Date.now();
			}
			waitingSince = undefined;
		}
		const source = (body.constructor as unknown as ReadableClass).from(guarded());
		return await this.helpers.prepareBinaryData(source, `${taskId}.mp4`, 'video/mp4');
	} catch (error) {
		const reason = cutOff?.why ?? oneLine(String((error as Error).message).split('\n')[0]);
		const fix = cutOff?.tooLarge
			? 'raise "Max Download Size" and run "Get Status" with this task ID and "Download Video"'
			: 'run "Get Status" with this task ID and "Download Video" later';
		const message = `Task ${taskId} succeeded but its video could not be downloaded: ${reason}`;
		// The reason may name ECONNREFUSED & co.
		const failure = operationError(this.getNode(), message, {
			itemIndex,
			description: `The result URL is temporary (about 24 hours): download it from ${url} soon, or ${fix}. Task ID: ${taskId}`,
		});
		failure.context.taskId = taskId;
		throw failure;
	} finally {
		watchdogStop.abort();
		// Closes the connection when n8n stopped reading early (nothing to close after a success).
		controller.abort();
		release();
		await watchdog;
	}
}
