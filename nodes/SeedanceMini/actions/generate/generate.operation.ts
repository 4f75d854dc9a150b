import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { CREDENTIAL_TYPE, normalizeBaseUrl, submitTask } from '../../../apixo/transport';
import { Batch, type Job } from '../../helpers/batch';
import { checkBudget } from '../../helpers/budget';
import { finishTask } from '../../helpers/finish';
import { readWaitSettings, type WaitSettings } from '../../helpers/settings';
import { Throttle } from '../../helpers/throttle';
import { apiReach, prepareItem, type Prepared } from './prepare';
import { properties } from './properties';

export const description = updateDisplayOptions({ show: { operation: ['generate'] } }, properties);

/** Submit one prepared item when the throttle lets it, then wait for it (or not). */
function submitJob(this: IExecuteFunctions, batch: Batch, throttle: Throttle, item: Prepared): Job {
	const { itemIndex } = item;
	return {
		itemIndex,
		run: async (signal) => {
			const settings = readWaitSettings.call(this, itemIndex, item.body.input.mode);
			// A 429 created nothing: the throttle holds this and every other submit back, then
			// sends it again — until maxWait, after which the item fails with nothing paid.
			const { taskId } = await throttle.submit(
				async () =>
					await submitTask.call(this, item.body, {
						itemIndex,
						signal,
						retry: { maxAttempts: 8, retry429: false },
					}),
				signal,
				Date.now() + settings.poll.maxWaitMs,
			);
			try {
				batch.tasks.set(itemIndex, taskId);
				this.logger.info(`Seedance Mini: submitted task ${taskId} (item ${itemIndex})`, {
					taskId,
				});
				return await afterSubmit.call(this, item, taskId, settings, signal);
			} finally {
				throttle.finished();
			}
		},
	};
}

/** The item's output once its task exists: at once, or after waiting for the video. */
async function afterSubmit(
	this: IExecuteFunctions,
	item: Prepared,
	taskId: string,
	settings: WaitSettings,
	signal: AbortSignal,
): Promise<INodeExecutionData> {
	const { itemIndex } = item;
	const startedAt = Date.now();
	const extra: IDataObject = {
		estimatedCostUsd: item.estimatedCostUsd,
		...(item.costNote ? { estimatedCostNote: item.costNote } : {}),
		...(item.referenceMedia
			? { referenceMedia: item.referenceMedia as unknown as IDataObject[] }
			: {}),
	};
	const wait =
		item.body.request_type === 'async' &&
		(this.getNodeParameter('waitForCompletion', itemIndex, true) as boolean);
	if (!wait) {
		return {
			json: { taskId, requestType: item.body.request_type, ...extra },
			pairedItem: { item: itemIndex },
		};
	}
	return await finishTask.call(this, taskId, settings, {
		itemIndex,
		wait: true,
		startedAt,
		signal,
		extra,
	});
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const credentials = await this.getCredentials<{ baseUrl?: string }>(CREDENTIAL_TYPE);
	const reach = apiReach(normalizeBaseUrl(credentials.baseUrl));

	const batch = new Batch(this);
	const ready = new Map<number, INodeExecutionData>();
	const prepared: Prepared[] = [];
	// Every item is checked before the first request: a bad item never leaves half a batch paid.
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const item = await prepareItem.call(this, itemIndex, reach);
		if (item instanceof NodeOperationError) {
			if (!this.continueOnFail()) throw item;
			ready.set(itemIndex, batch.errorItem(item, itemIndex));
		} else {
			prepared.push(item);
		}
	}

	// The batch budget: one free balance read, then all or nothing.
	const budgetUsd = prepared.length
		? (this.getNodeParameter('options', prepared[0].itemIndex, {}) as IDataObject).budgetUsd
		: undefined;
	if (typeof budgetUsd === 'number') await checkBudget.call(this, prepared, budgetUsd);

	// Every job starts at once and waits for the throttle, which keeps the concurrency.
	const throttle = new Throttle(
		prepared.length ? readWaitSettings.call(this, prepared[0].itemIndex).concurrency : undefined,
	);
	const jobs = prepared.map((item) => submitJob.call(this, batch, throttle, item));
	return await batch.run(jobs, Math.max(1, jobs.length), ready);
}
