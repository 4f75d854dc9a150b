/**
 * The only place that fetches result URLs. The video is streamed into n8n's binary data (to disk
 * in filesystem mode), never held whole in memory, and no APIXO credential goes to the result
 * host: this is a plain request, not an authenticated one.
 */
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

type BinarySource = Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0];

export async function downloadVideo(
	this: IExecuteFunctions,
	url: string,
	taskId: string,
	itemIndex: number,
): Promise<IBinaryData> {
	if (!/^https?:\/\//i.test(url)) {
		throw new NodeOperationError(
			this.getNode(),
			`Task ${taskId}: result URL is not http(s): ${url}`,
			{
				itemIndex,
			},
		);
	}
	try {
		const response = (await this.helpers.httpRequest({
			method: 'GET',
			url,
			encoding: 'stream',
			returnFullResponse: true,
			timeout: 120_000,
			// Stopping the execution stops a download too (plain httpRequest is not tied to it).
			abortSignal: this.getExecutionCancelSignal(),
		})) as { body: BinarySource };
		return await this.helpers.prepareBinaryData(response.body, `${taskId}.mp4`, 'video/mp4');
	} catch (error) {
		const reason = (error as Error).message?.split('\n')[0] ?? 'unknown error';
		const failure = new NodeOperationError(
			this.getNode(),
			`Task ${taskId} succeeded but its video could not be downloaded: ${reason}`,
			{
				itemIndex,
				description: `The result URL is temporary (about 24 hours): download it from ${url} soon, or run "Get Status" with this task ID and "Download Video". Task ID: ${taskId}`,
			},
		);
		failure.context.taskId = taskId;
		throw failure;
	}
}
