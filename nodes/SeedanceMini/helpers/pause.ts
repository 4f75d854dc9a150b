/**
 * Pause mode: the execution sleeps in n8n's database until APIXO calls back.
 *
 * execute() submits every task with APIXO's callback pointing at this execution's resume URL
 * (plus this node's id as the path and a per-batch secret), stores one "timed out" item per
 * input item as the node's parked input, and parks the execution until Max Wait. n8n then holds
 * nothing in memory. A callback reaches webhook(): it is only a prompt — the tasks are re-read
 * from the status endpoint — and once every task is final the execution resumes with the same
 * items poll mode gives. When Max Wait comes first, n8n passes the parked items on as they are:
 * every task ID with `timedOut: true` and the state it had when the execution parked.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { isLoopbackUrl, isFinalState, type TaskData } from '../../apixo/contract';
import { taskProblem, toTaskResult } from '../../apixo/result';
import { newSecret, tokenMatches } from '../../apixo/secrets';
import { getTaskStatus } from '../../apixo/transport';
import { operationError } from './operationError';

/**
 * The webhook a callback reaches: n8n routes `<resume URL>/<node id>` to it while the execution
 * waits (`restartWebhook`), like its own "send and wait" nodes. Nothing to register anywhere.
 */
export const PAUSE_WEBHOOKS: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		path: '={{ $nodeId }}',
		restartWebhook: true,
		isFullPath: true,
	},
];

/** Where the batch secret is kept: the node's context, saved with the waiting execution. */
const CONTEXT_KEY = 'apixoPause';
/** The query parameter that carries it in the callback URL. */
const SECRET_PARAM = 'apixo_key';
/** APIXO waits 30 s for an answer: every callback is answered within this. */
const ANSWER_WITHIN_MS = 25_000;
/** A decision whose turn comes later than this before the answer is due is not started. */
const MIN_CHECK_MS = 5_000;
/** One status read's timeout (it is also cut to what is left of the answer's time). */
const READ_TIMEOUT_MS = 8_000;
/** After the newest task, the rest are read this many at a time. */
const READS_AT_ONCE = 8;

/** The fields poll mode outputs for a task, before anything is known of it. */
const UNKNOWN_TASK = {
	resultUrls: [],
	videoUrl: null,
	failCode: null,
	failMsg: null,
	createTime: null,
	completeTime: null,
	costTime: null,
};

export interface PauseTarget {
	/** The callback URL given to APIXO: resume URL + node id + batch secret. */
	callbackUrl: string;
	secret: string;
}

/**
 * The URL APIXO will call, or a NodeOperationError saying why n8n's resume URL cannot be used:
 * APIXO needs a public https URL; plain http only for loopback with a local APIXO (simulator).
 */
export function pauseTarget(this: IExecuteFunctions, allowLoopbackHttp: boolean): PauseTarget {
	const resumeUrl = String(this.evaluateExpression('{{ $execution.resumeUrl }}', 0) ?? '');
	let url: URL;
	try {
		url = new URL(resumeUrl);
	} catch {
		throw operationError(this.getNode(), 'Pause mode needs n8n’s resume URL', {
			description: 'n8n gave no resume URL for this execution. Use Wait Mode "Poll" instead.',
		});
	}
	const usable =
		url.protocol === 'https:' ||
		(url.protocol === 'http:' && allowLoopbackHttp && isLoopbackUrl(resumeUrl));
	if (!usable) {
		throw operationError(
			this.getNode(),
			`Pause mode needs a public https address for n8n, not ${url.origin}`,
			{
				description:
					'APIXO calls this execution back on its resume URL, which n8n builds from WEBHOOK_URL. Set WEBHOOK_URL to the public https address of this n8n (behind a reverse proxy or a tunnel), or use Wait Mode "Poll". Nothing was sent to APIXO.',
			},
		);
	}
	// The path suffix picks this node's webhook (its path is the node id); n8n's own query
	// parameters (a signature on newer lines) stay as they are.
	url.pathname = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(this.getNode().id)}`;
	const secret = newSecret();
	url.searchParams.set(SECRET_PARAM, secret);
	return { callbackUrl: url.toString(), secret };
}

/** The item a task gets while the execution waits — and keeps if Max Wait ends it. */
export function parkedItem(
	itemIndex: number,
	taskId: string,
	extra: IDataObject,
): INodeExecutionData {
	return {
		json: { taskId, state: 'pending', ...UNKNOWN_TASK, timedOut: true, ...extra },
		pairedItem: { item: itemIndex },
	};
}

/**
 * Park the execution until `until`; `items` are what it continues with if nothing comes.
 * `submitted`: the item indexes in the order their tasks were submitted.
 */
export async function park(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	batch: { secret: string; submitted: number[] },
	until: Date,
): Promise<INodeExecutionData[]> {
	// n8n keeps the node's input with the waiting execution and passes it on as the node's
	// output when the wait times out: replace it (not the previous node's output array).
	this.getExecuteData().data.main[0] = items;
	this.getContext('node')[CONTEXT_KEY] = batch;
	await this.putExecutionToWait(until);
	return items;
}

/** Per execution, in this process: one decision at a time, and none after a resume. */
const deciding = new Map<string, Promise<unknown>>();
const resumed = new Set<string>();

/** What one look at the batch found. */
type Decision = { items: INodeExecutionData[] } | 'running' | 'unreadable';

/**
 * A callback for a parked batch. Never throws (n8n would resume the execution with empty
 * data): anything unexpected is logged and acknowledged, and the execution keeps waiting.
 * When APIXO could not be read in time, the answer is 503, so that APIXO delivers again later.
 */
export async function resumeOnCallback(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const acknowledge: IWebhookResponseData = { webhookResponse: { received: true } };
	const executionId = this.getExecutionId();
	const answerBy = Date.now() + ANSWER_WITHIN_MS;
	const tryAgain = (): IWebhookResponseData => {
		this.getResponseObject().status(503).json({ received: false, retry: true });
		return { noWebhookResponse: true };
	};
	try {
		const batch = storedBatch.call(this);
		if (!batch) return acknowledge;
		// One decision at a time: callbacks that arrive together wait their turn, so the batch
		// is read in full once, by the first that finds the newest task final.
		const turn = (deciding.get(executionId) ?? Promise.resolve()).then(
			async (): Promise<Decision> => {
				if (resumed.has(executionId)) return 'running';
				if (Date.now() > answerBy - MIN_CHECK_MS) return 'unreadable';
				const decision = await finishedBatch.call(this, batch.submitted, answerBy - 1000);
				// Marked before the next turn starts: the callbacks queued behind this one just ack.
				if (typeof decision === 'object') remember(executionId);
				return decision;
			},
		);
		const settled = turn.catch(() => undefined);
		deciding.set(executionId, settled);
		const decision = await turn.finally(() => {
			if (deciding.get(executionId) === settled) deciding.delete(executionId);
		});
		if (decision === 'unreadable') return tryAgain();
		if (decision === 'running') return acknowledge;
		return { ...acknowledge, workflowData: [decision.items] };
	} catch (error) {
		this.logger.warn('Seedance Mini: a callback could not be handled; the execution waits on', {
			executionId,
			error: (error as Error).message,
		});
		return acknowledge;
	}
}

function remember(executionId: string): void {
	resumed.add(executionId);
	// Bounded: only recent executions can still get late callbacks in this process.
	if (resumed.size > 1000) resumed.delete(resumed.values().next().value as string);
}

/** The parked batch, when the callback carries its secret (checked before anything is done). */
function storedBatch(this: IWebhookFunctions): { submitted: number[] } | undefined {
	const name = JSON.stringify(this.getNode().name);
	const stored = this.evaluateExpression(
		`{{ $node[${name}].context[${JSON.stringify(CONTEXT_KEY)}] }}`,
		0,
	) as { secret?: unknown; submitted: number[] } | undefined;
	const given = (this.getQueryData() as IDataObject)[SECRET_PARAM];
	if (typeof stored?.secret !== 'string' || !tokenMatches(stored.secret, given)) return undefined;
	// The secret matched: park() wrote this batch, `submitted` with it (item indexes, no check).
	return { submitted: stored.submitted };
}

/**
 * The batch's output items when every task is final, else undefined. The newest task is read
 * first and alone: while tasks run, a callback costs one status call; the last one reads all.
 */
async function finishedBatch(
	this: IWebhookFunctions,
	submitted: number[],
	deadline: number,
): Promise<Decision> {
	const parked = JSON.parse(
		JSON.stringify(this.evaluateExpression('{{ $input.all() }}', 0)),
	) as INodeExecutionData[];
	// Every submitted index has its parked item, with the taskId its submit returned.
	const tasks = [...submitted]
		.reverse()
		.map((at) => ({ at, taskId: parked[at].json.taskId as string }));
	const known = new Map<number, TaskData>();
	for (let next = 0; next < tasks.length; ) {
		const batch = tasks.slice(next, next === 0 ? 1 : next + READS_AT_ONCE);
		next += batch.length;
		const reads = await Promise.all(
			batch.map(
				async ({ taskId }) =>
					await getTaskStatus
						.call(this, taskId, {
							retry: {
								maxAttempts: 2,
								// The deadline also cuts each request, the retry's too.
								timeoutMs: READ_TIMEOUT_MS,
								deadline,
							},
						})
						.catch(() => undefined),
			),
		);
		// A task still running: a later callback, or Max Wait, ends the wait.
		if (reads.some((data) => data && !isFinalState(data.state))) return 'running';
		if (reads.some((data) => !data)) return 'unreadable';
		batch.forEach(({ at }, n) => known.set(at, reads[n]!));
	}
	return {
		items: parked.map((item, at) => {
			const data = known.get(at);
			return data ? finalItem(item, data) : item;
		}),
	};
}

/** A parked item, now that its task is final: what poll mode outputs (failures as error items). */
function finalItem(parked: INodeExecutionData, data: TaskData): INodeExecutionData {
	const extra: IDataObject = { ...parked.json };
	for (const key of ['taskId', 'state', 'timedOut', ...Object.keys(UNKNOWN_TASK)])
		delete extra[key];
	const parsed = toTaskResult(data);
	const json: IDataObject = { ...parsed.result, ...extra };
	// A resumed execution cannot stop on an error (n8n passes the webhook's data on): a failed
	// task is an item with `error`, as Continue On Fail gives it in poll mode.
	const problem = taskProblem(data, parsed);
	if (problem)
		Object.assign(json, { error: problem.message, errorDescription: problem.description });
	return { json, pairedItem: parked.pairedItem };
}
