import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	NodeApiError,
} from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { SubmitBody } from '../../../apixo/contract';
import { CREDENTIAL_TYPE, normalizeBaseUrl, submitTask } from '../../../apixo/transport';
import { Batch, continuesOnFail, type Job } from '../../helpers/batch';
import { checkBudget } from '../../helpers/budget';
import { finishTask } from '../../helpers/finish';
import { park, parkedItem, pauseTarget, type PauseTarget } from '../../helpers/pause';
import { Ledger, noteTaskInExecution } from '../../helpers/ledger';
import { readWaitSettings, type WaitSettings } from '../../helpers/settings';
import { Throttle, TurnPastDeadline } from '../../helpers/throttle';
import { apiReach, prepareItem, type Prepared } from './prepare';
import { properties } from './properties';
import { operationError } from '../../helpers/operationError';

export const description = updateDisplayOptions({ show: { operation: ['generate'] } }, properties);

/** Everything one item's jobs need. */
interface Run {
	batch: Batch;
	throttle: Throttle;
	ledger: Ledger;
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
	const { maxWaitMs } = run.settings.poll;
	const { taskId } = await run.throttle
		.submit(
			async () =>
				await submitTask.call(this, body, {
					itemIndex,
					signal: run.signal,
					retry: { maxAttempts: 8, retry429: false },
				}),
			run.signal,
			Date.now() + maxWaitMs,
		)
		.catch((error: unknown) => {
			if (!(error instanceof TurnPastDeadline)) throw error;
			const waitS = Math.ceil((error.notBefore - Date.now()) / 1000);
			throw operationError(
				this.getNode(),
				`Item ${itemIndex} was not submitted: APIXO's rate limit holds submits for ${waitS} s, past Max Wait`,
				{
					itemIndex,
					description: `APIXO answered 429 (rate or concurrency limit) and asked to wait ${waitS} s before the next submit, longer than this item's Max Wait (${maxWaitMs / 1000} s). Nothing was sent for this item and nothing is billed: raise Max Wait, set a lower Concurrency, or run it again later.`,
				},
			);
		});
	this.logger.info(`Seedance Mini: submitted task ${taskId} (item ${itemIndex})`, { taskId });
	return taskId;
}

/**
 * This item's task: the one an earlier try of this run created (n8n's Retry On Fail), unless it
 * failed, or else a new submit — written down at once, so that a retry never pays again.
 */
async function obtainTask(
	this: IExecuteFunctions,
	run: Run,
	body: SubmitBody,
): Promise<{ taskId: string; submittedAt: number; reused: boolean }> {
	const { item, ledger, batch } = run;
	const { itemIndex, key } = item;
	const earlier = ledger.reusable(key);
	if (earlier) {
		batch.tasks.set(itemIndex, earlier.taskId);
		this.logger.info(
			`Seedance Mini: task ${earlier.taskId} of an earlier try reused, not submitted again (item ${itemIndex})`,
			{ taskId: earlier.taskId },
		);
		return { taskId: earlier.taskId, submittedAt: earlier.at, reused: true };
	}
	const unknown = ledger.unknownOutcome(key);
	if (unknown !== undefined) {
		const error = operationError(this.getNode(), unknown, {
			itemIndex,
			description:
				'An earlier try of this node sent this submit and its outcome was unknown: it may have created a task that is billed, so Retry On Fail does not send it again. Look for the task in your APIXO dashboard before you resubmit.',
		});
		error.context.outcomeUnknown = true;
		throw error;
	}
	const taskId = await submitThrottled.call(this, run, body).catch((error: unknown) => {
		if ((error as NodeApiError).context?.outcomeUnknown === true) {
			ledger.outcomeUnknown(key, (error as Error).message, item.estimatedCostMicros);
		}
		throw error;
	});
	const submittedAt = Date.now();
	ledger.submitted(key, taskId, item.estimatedCostMicros, submittedAt);
	noteTaskInExecution(this, taskId);
	batch.tasks.set(itemIndex, taskId);
	return { taskId, submittedAt, reused: false };
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
	const { item, settings, signal, ledger } = run;
	const { itemIndex } = item;
	const task = await obtainTask.call(this, run, item.body);
	if (task.reused) run.throttle.adopt();
	try {
		const wait =
			item.body.request_type === 'async' &&
			(this.getNodeParameter('waitForCompletion', itemIndex, true) as boolean);
		if (!wait) {
			return {
				json: { taskId: task.taskId, requestType: item.body.request_type, ...estimateFields(item) },
				pairedItem: { item: itemIndex },
			};
		}
		const output = await finishTask
			.call(this, task.taskId, settings, {
				itemIndex,
				wait: true,
				startedAt: Date.now(),
				submittedAt: task.submittedAt,
				signal,
				extra: estimateFields(item),
			})
			.catch((error: unknown) => {
				// A failed generation may be submitted again by a retry; anything else is reused.
				const fields = (error as NodeOperationError).context?.fields as IDataObject | undefined;
				if (fields?.state === 'failed') ledger.settled(item.key, 'failed');
				throw error;
			});
		ledger.settled(item.key, String(output.json.state));
		return output;
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
	const task = await obtainTask.call(this, run, body);
	if (!task.reused) run.throttle.finished();
	target.submitted.push(run.item.itemIndex);
	return parkedItem(run.item.itemIndex, task.taskId, estimateFields(run.item));
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
	const ledger = Ledger.open(this);

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
		? {
				...pauseTarget.call(this, reach.allowLoopbackHttp, (fresh) => ledger.secret(fresh)),
				submitted: [] as number[],
			}
		: undefined;

	// The budget, over the items this try will submit (an earlier try's tasks are reused) and what
	// this node already submitted in the execution: one free balance read, then all or nothing.
	const { budgetUsd } = first.options;
	const toSubmit = prepared.filter(
		(item) => !ledger.reusable(item.key) && ledger.unknownOutcome(item.key) === undefined,
	);
	if (typeof budgetUsd === 'number' && toSubmit.length) {
		await checkBudget.call(this, toSubmit, budgetUsd, ledger.spentMicros());
	}

	// Every job starts at once and waits for the throttle, which keeps the concurrency.
	const throttle = new Throttle(first.concurrency);
	const jobs: Job[] = prepared.map((item) => ({
		itemIndex: item.itemIndex,
		run: async (signal) => {
			const settings = readWaitSettings.call(this, item.itemIndex, item.body.input.mode);
			const run: Run = { batch, throttle, ledger, item, settings, signal };
			return target
				? await submitForPause.call(this, run, target)
				: await submitAndWait.call(this, run);
		},
	}));
	const output = await batch.run(jobs, jobs.length, ready);
	// Nothing accepted (every submit refused, Continue On Fail): no callback can come.
	if (!target?.submitted.length) return output;
	const { secret, submitted } = target;
	const until = new Date(Date.now() + first.poll.maxWaitMs);
	return await park.call(this, output, { secret, submitted }, until);
}
