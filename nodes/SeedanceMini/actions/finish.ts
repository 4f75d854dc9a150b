/**
 * From a task ID to the output item: wait (optionally), read the result, fail clearly, download.
 * Shared by Generate (after submit) and Get Status.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { TaskData } from '../../apixo/contract';
import { failCodeAdvice } from '../../apixo/errors';
import { readTaskResult } from '../../apixo/result';
import { downloadVideo } from '../download';
import { waitForTask } from '../wait';
import type { WaitSettings } from './settings';

/** An error that still carries the task's fields, for continueOnFail output. */
export function taskError(
	ctx: IExecuteFunctions,
	message: string,
	details: { itemIndex: number; description: string; fields: IDataObject },
): NodeOperationError {
	const error = new NodeOperationError(ctx.getNode(), message, {
		itemIndex: details.itemIndex,
		description: details.description,
	});
	error.context.taskId = details.fields.taskId;
	error.context.fields = details.fields;
	return error;
}

export async function finishTask(
	this: IExecuteFunctions,
	taskId: string,
	settings: WaitSettings,
	job: {
		itemIndex: number;
		wait: boolean;
		startedAt: number;
		signal?: AbortSignal;
		known?: TaskData;
		extra?: IDataObject;
	},
): Promise<INodeExecutionData> {
	let data = job.known ?? { taskId, state: 'pending' };
	let timedOut = false;
	if (job.wait && !(job.known && ['success', 'failed'].includes(job.known.state))) {
		const outcome = await waitForTask.call(this, taskId, settings.poll, {
			startedAt: job.startedAt,
			itemIndex: job.itemIndex,
			signal: job.signal,
			known: job.known,
		});
		data = outcome.data;
		timedOut = outcome.timedOut;
	}

	const read = readTaskResult(data);
	const fields: IDataObject = {
		...read.result,
		...(timedOut ? { timedOut: true } : {}),
		...job.extra,
	};
	if (!read.ok) {
		throw taskError(
			this,
			`Task ${taskId} finished but its result could not be read: ${read.message}`,
			{
				itemIndex: job.itemIndex,
				description: `APIXO reported success, so the video may exist: run "Get Status" again later with this task ID, or contact APIXO support. Task ID: ${taskId}`,
				fields,
			},
		);
	}
	if (data.state === 'failed') {
		const advice = failCodeAdvice(data.failCode);
		throw taskError(
			this,
			`Task ${taskId} failed: ${data.failCode ?? 'no failCode'}${data.failMsg ? ` — ${data.failMsg}` : ''}`,
			{
				itemIndex: job.itemIndex,
				description: `${advice.meaning}. What to do: ${advice.action}. Task ID: ${taskId}`,
				fields,
			},
		);
	}
	if (timedOut) {
		this.logger.warn(`Seedance Mini: stopped waiting for ${taskId} (still ${data.state})`, {
			taskId,
		});
	}

	const item: INodeExecutionData = { json: fields, pairedItem: { item: job.itemIndex } };
	if (settings.downloadVideo && data.state === 'success' && read.result.videoUrl) {
		const binary = await downloadVideo.call(
			this,
			read.result.videoUrl,
			taskId,
			job.itemIndex,
			settings.download,
		);
		item.binary = { [settings.binaryPropertyName]: binary };
	}
	return item;
}
