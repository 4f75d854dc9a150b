/**
 * From a task ID to the output item: wait (optionally), read the result, fail clearly, download.
 * Shared by Generate (after submit) and Get Status.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeOperationError,
} from 'n8n-workflow';

import type { TaskData } from '../../apixo/contract';
import { taskProblem, toTaskResult } from '../../apixo/result';
import { downloadVideo } from './download';
import { operationError } from './operationError';
import { waitForTask } from './wait';
import type { WaitSettings } from './settings';

/** An error that still carries the task's fields, for continueOnFail output. */
export function taskError(
	this: IExecuteFunctions,
	message: string,
	details: { itemIndex: number; description: string; fields: IDataObject },
): NodeOperationError {
	// APIXO's failMsg may name ETIMEDOUT & co.
	const error = operationError(this.getNode(), message, {
		itemIndex: details.itemIndex,
		description: details.description,
	});
	error.context.taskId = details.fields.taskId;
	error.context.fields = details.fields;
	return error;
}

/** How to finish one task: whether to wait, what is already known, and what to add. */
export interface FinishOptions {
	itemIndex: number;
	wait: boolean;
	/** When the wait started (maxWait counts from here). */
	startedAt: number;
	/** When the task was submitted, if not at `startedAt` (a task an earlier try created). */
	submittedAt?: number;
	signal?: AbortSignal;
	/** The state already read (Get Status looks once first). */
	known?: TaskData;
	/** Fields added to the output item (estimated cost, reference media). */
	extra?: IDataObject;
}

export async function finishTask(
	this: IExecuteFunctions,
	taskId: string,
	settings: WaitSettings,
	options: FinishOptions,
): Promise<INodeExecutionData> {
	let data = options.known ?? { taskId, state: 'pending' };
	let timedOut = false;
	if (options.wait && !(options.known && ['success', 'failed'].includes(options.known.state))) {
		const outcome = await waitForTask.call(this, taskId, settings.poll, {
			startedAt: options.startedAt,
			submittedAt: options.submittedAt,
			itemIndex: options.itemIndex,
			signal: options.signal,
			known: options.known,
		});
		data = outcome.data;
		timedOut = outcome.timedOut;
	}

	const parsed = toTaskResult(data);
	const fields: IDataObject = {
		...parsed.result,
		...(timedOut ? { timedOut: true } : {}),
		...options.extra,
	};
	const problem = taskProblem(data, parsed);
	if (problem) {
		throw taskError.call(this, problem.message, {
			itemIndex: options.itemIndex,
			description: problem.description,
			fields,
		});
	}
	if (timedOut) {
		this.logger.warn(`Seedance Mini: stopped waiting for ${taskId} (still ${data.state})`, {
			taskId,
		});
	}

	const item: INodeExecutionData = { json: fields, pairedItem: { item: options.itemIndex } };
	if (settings.downloadVideo && data.state === 'success' && parsed.result.videoUrl) {
		const binary = await downloadVideo.call(
			this,
			parsed.result.videoUrl,
			taskId,
			options.itemIndex,
			settings.download,
		);
		item.binary = { [settings.binaryPropertyName]: binary };
	}
	return item;
}
