import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { SubmitBody } from '../../../apixo/contract';
import { CREDENTIAL_TYPE, normalizeBaseUrl, submitTask } from '../../../apixo/transport';
import { Batch, continuesOnFail, type Job } from '../../helpers/batch';
import { checkBudget } from '../../helpers/budget';
import { finishTask } from '../../helpers/finish';
import { park, parkedItem, pauseTarget, type PauseTarget } from '../../helpers/pause';
import { readWaitSettings, type WaitSettings } from '../../helpers/settings';
import { Throttle } from '../../helpers/throttle';
import { apiReach, prepareItem, type Prepared } from './prepare';
import { properties } from './properties';
import { operationError } from '../../helpers/operationError';

export const description = updateDisplayOptions({ show: { operation: ['generate'] } }, properties);

/** Everything one item's jobs need. */
interface Run {
	batch: Batch;
	throttle: Throttle;
	item: Prepared;
	settings: WaitSettings;
	signal: AbortSignal;
}

/**
 * Submit when the throttle lets it: a 429 created nothing, so the throttle holds this and every
 * other submit back and sends it again — until maxWait, after which the item fails, nothing paid.
 * The task then counts against the concurrency until `throttle.finished()`.
 */
async function submitThrottled(this: IExecuteFunctions, run: Run, body: SubmitBody) {
	const { itemIndex } = run.item;
	const { taskId } = await run.throttle.submit(
		async () =>
			await submitTask.call(this, body, {
				itemIndex,
				signal: run.signal,
				retry: { maxAttempts: 8, retry429: false },
			}),
		run.signal,
		Date.now() + run.settings.poll.maxWaitMs,
	);
	run.batch.tasks.set(itemIndex, taskId);
	this.logger.info(`Seedance Mini: submitted task ${taskId} (item ${itemIndex})`, { taskId });
	return taskId;
}

/** What the output adds to the task's fields: the estimate and the measured references. */
const estimateFields = (item: Prepared): IDataObject => ({
	estimatedCostUsd: item.estimatedCostUsd,
	...(item.costNote ? { estimatedCostNote: item.costNote } : {}),
	...(item.referenceMedia
		? { referenceMedia: item.referenceMedia as unknown as IDataObject[] }
		: {}),
});

/** Poll mode (and no waiting, and callback mode): submit, then wait here if asked. */
async function submitAndWait(this: IExecuteFunctions, run: Run): Promise<INodeExecutionData> {
	const { item, settings, signal } = run;
	const { itemIndex } = item;
	const taskId = await submitThrottled.call(this, run, item.body);
	try {
		const startedAt = Date.now();
		const wait =
			item.body.request_type === 'async' &&
			(this.getNodeParameter('waitForCompletion', itemIndex, true) as boolean);
		if (!wait) {
			return {
				json: { taskId, requestType: item.body.request_type, ...estimateFields(item) },
				pairedItem: { item: itemIndex },
			};
		}
		return await finishTask.call(this, taskId, settings, {
			itemIndex,
			wait: true,
			startedAt,
			signal,
			extra: estimateFields(item),
		});
	} finally {
		run.throttle.finished();
	}
}

/** Pause mode: submit with APIXO's callback on this execution's resume URL; wait elsewhere. */
async function submitForPause(
	this: IExecuteFunctions,
	run: Run,
	target: PauseTarget & { submitted: number[] },
): Promise<INodeExecutionData> {
	const body: SubmitBody = {
		...run.item.body,
		request_type: 'callback',
		callback_url: target.callbackUrl,
	};
	const taskId = await submitThrottled.call(this, run, body);
	run.throttle.finished();
	target.submitted.push(run.item.itemIndex);
	return parkedItem(run.item.itemIndex, taskId, estimateFields(run.item));
}

/** Wait Mode "pause" applies when the first item waits for completion in async mode. */
function pauses(this: IExecuteFunctions, item: Prepared): boolean {
	const { itemIndex } = item;
	return (
		item.body.request_type === 'async' &&
		(this.getNodeParameter('waitForCompletion', itemIndex, true) as boolean) &&
		this.getNodeParameter('waitMode', itemIndex, 'poll') === 'pause'
	);
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
			if (!continuesOnFail(this)) throw item;
			ready.set(itemIndex, batch.errorItem(item, itemIndex));
		} else {
			prepared.push(item);
		}
	}
	if (!prepared.length) return await batch.run([], 1, ready);
	const first = readWaitSettings.call(this, prepared[0].itemIndex);

	// The batch budget: one free balance read, then all or nothing.
	const { budgetUsd } = first.options;
	if (typeof budgetUsd === 'number') await checkBudget.call(this, prepared, budgetUsd);

	const pause = pauses.call(this, prepared[0]);
	if (pause && first.downloadVideo) {
		throw operationError(
			this.getNode(),
			'Download Video does not work with Wait Mode "Pause Until APIXO Calls Back"',
			{
				description:
					'A callback must be answered within 30 s, too short to download videos. Turn Download Video off and add a Seedance Mini "Get Status" node with Download Video (or an HTTP Request node on videoUrl) after this one, or use Wait Mode "Poll". Nothing was sent to APIXO.',
			},
		);
	}
	const target = pause
		? { ...pauseTarget.call(this, reach.allowLoopbackHttp), submitted: [] as number[] }
		: undefined;

	// Every job starts at once and waits for the throttle, which keeps the concurrency.
	const throttle = new Throttle(first.concurrency);
	const jobs: Job[] = prepared.map((item) => ({
		itemIndex: item.itemIndex,
		run: async (signal) => {
			const settings = readWaitSettings.call(this, item.itemIndex, item.body.input.mode);
			const run: Run = { batch, throttle, item, settings, signal };
			return target
				? await submitForPause.call(this, run, target)
				: await submitAndWait.call(this, run);
		},
	}));
	const output = await batch.run(jobs, jobs.length, ready);
	if (!target) return output;
	const { secret, submitted } = target;
	const until = new Date(Date.now() + first.poll.maxWaitMs);
	return await park.call(this, output, { secret, submitted }, until);
}
