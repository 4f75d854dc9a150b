/**
 * Pause mode: the execution sleeps in n8n's database until APIXO calls back.
 *
 * execute() submits every task with APIXO's callback pointing at this execution's resume URL
 * (plus this node's id as the path and a per-batch secret), stores one "timed out" item per
 * input item as the node's parked input, and parks the execution until Max Wait. n8n then holds
 * nothing in memory. A callback reaches webhook(): it is only a prompt — the task it names (and,
 * when that one is final, the others not known final yet) is re-read from the status endpoint —
 * and once every task is final the execution resumes with the same items poll mode gives. When Max Wait comes first, n8n passes the parked items on as they are:
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
/** A look at the batch reads at most this many tasks at a time. */
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
export function pauseTarget(
	this: IExecuteFunctions,
	allowLoopbackHttp: boolean,
	secretOf: (fresh: () => string) => string,
): PauseTarget {
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
	// A retry of this run (Retry On Fail) keeps the secret its first try gave APIXO.
	const secret = secretOf(newSecret);
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
 *
 * Returns no items: n8n drops what a parking node returns (a callback's resume replaces it, a
 * time-out passes the stored input on), and an error item first in it would make Retry On Fail
 * run execute() again on the replaced input.
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
	return [];
}

/** APIXO's claim in a callback: which task, and whether it says the task is final. */
interface Claim {
	taskId?: string;
	final: boolean;
}

function claimOf(body: unknown): Claim {
	const data = (body as { data?: { taskId?: unknown; state?: unknown } } | undefined)?.data;
	return {
		taskId: typeof data?.taskId === 'string' ? data.taskId : undefined,
		final: typeof data?.state === 'string' && isFinalState(data.state),
	};
}

/**
 * What this process learnt of one parked batch from its own status reads. A final task stays
 * final, so each is read once: callbacks in any order cost one read for the task they name,
 * plus at most one read of a task still running (reads that find tasks final are never wasted).
 * In process only: a webhook() cannot store anything with the waiting execution.
 */
interface BatchMemory {
	final: Map<string, TaskData>;
	/** A look at the batch was cut short by the answer's deadline: the next callback goes on. */
	unfinished: boolean;
	resumed: boolean;
	/** One decision at a time: callbacks that arrive together wait their turn. */
	turn: Promise<unknown>;
}

/** Per parked batch (execution id + batch secret: every park of a loop has its own). */
const memories = new Map<string, BatchMemory>();
/** Bounded: forgetting a batch only costs reads again. */
const MAX_BATCHES = 200;

function memoryOf(key: string): BatchMemory {
	let memory = memories.get(key);
	if (memory) {
		memories.delete(key);
	} else {
		memory = { final: new Map(), unfinished: false, resumed: false, turn: Promise.resolve() };
		if (memories.size >= MAX_BATCHES) memories.delete(memories.keys().next().value as string);
	}
	memories.set(key, memory);
	return memory;
}

/** What one look at the batch found: resume with these items, keep waiting, or ask again (503). */
type Decision = { items: INodeExecutionData[] } | 'running' | 'retry';

/**
 * A callback for a parked batch. Never throws (n8n would resume the execution with empty
 * data): anything unexpected is logged and acknowledged, and the execution keeps waiting.
 * When APIXO could not be read in time, or says a task still runs that the callback calls
 * final, the answer is 503, so that APIXO delivers again later.
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
		const memory = memoryOf(`${executionId}\n${batch.secret}`);
		const claim = claimOf(this.getBodyData());
		const turn = memory.turn.then(
			async (): Promise<Decision> =>
				await decide.call(this, memory, batch.submitted, claim, answerBy),
		);
		memory.turn = turn.catch(() => undefined);
		const decision = await turn;
		if (decision === 'retry') return tryAgain();
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

/** The parked batch, when the callback carries its secret (checked before anything is done). */
function storedBatch(this: IWebhookFunctions): { secret: string; submitted: number[] } | undefined {
	const name = JSON.stringify(this.getNode().name);
	const stored = this.evaluateExpression(
		`{{ $node[${name}].context[${JSON.stringify(CONTEXT_KEY)}] }}`,
		0,
	) as { secret?: unknown; submitted: number[] } | undefined;
	const given = (this.getQueryData() as IDataObject)[SECRET_PARAM];
	if (typeof stored?.secret !== 'string' || !tokenMatches(stored.secret, given)) return undefined;
	// The secret matched: park() wrote this batch, `submitted` with it (item indexes, no check).
	return { secret: stored.secret, submitted: stored.submitted };
}

/**
 * One callback's turn: read the task it names (unless already known final), then — when that
 * brought news — the tasks not known final yet, a few more at a time, stopping at the first
 * that still runs. Resume once every task is known final.
 */
async function decide(
	this: IWebhookFunctions,
	memory: BatchMemory,
	submitted: number[],
	claim: Claim,
	answerBy: number,
): Promise<Decision> {
	if (memory.resumed) return 'running';
	if (Date.now() > answerBy - MIN_CHECK_MS) return 'retry';
	const parked = JSON.parse(
		JSON.stringify(this.evaluateExpression('{{ $input.all() }}', 0)),
	) as INodeExecutionData[];
	// Every submitted index has its parked item, with the taskId its submit returned.
	const tasks = submitted.map((at) => ({ at, taskId: parked[at].json.taskId as string }));
	const read = async (taskId: string) =>
		await getTaskStatus
			.call(this, taskId, {
				// The deadline also cuts each request, the retry's too.
				retry: { maxAttempts: 2, timeoutMs: READ_TIMEOUT_MS, deadline: answerBy - 1000 },
			})
			.catch(() => undefined);

	let news = memory.unfinished;
	const named = tasks.find((task) => task.taskId === claim.taskId);
	if (!named) {
		// A prompt that names no task of this batch: look at the batch.
		news = true;
	} else if (!memory.final.has(named.taskId)) {
		const data = await read(named.taskId);
		if (!data) return 'retry';
		// APIXO calls it final, its status says running: APIXO's retry will find it final.
		if (!isFinalState(data.state)) return claim.final ? 'retry' : 'running';
		memory.final.set(named.taskId, data);
		news = true;
	}
	if (news) {
		const looked = await lookAtBatch(tasks, memory, read, answerBy);
		memory.unfinished = looked === 'cut';
		if (looked === 'cut' || looked === 'unreadable') return 'retry';
	}
	if (!tasks.every(({ taskId }) => memory.final.has(taskId))) return 'running';
	const known = new Map(tasks.map(({ at, taskId }) => [at, memory.final.get(taskId)!]));
	memory.resumed = true;
	memory.final.clear();
	return {
		items: parked.map((item, at) => {
			const data = known.get(at);
			return data ? finalItem(item, data) : item;
		}),
	};
}

/**
 * Read the tasks not known final, oldest first, 1, 2, 4… (at most READS_AT_ONCE) at a time, until
 * one still runs: a round that finds a running task wastes at most one read more than the final
 * tasks found before it, so the reads stay within two a task in any completion order.
 */
async function lookAtBatch(
	tasks: Array<{ taskId: string }>,
	memory: BatchMemory,
	read: (taskId: string) => Promise<TaskData | undefined>,
	answerBy: number,
): Promise<'final' | 'running' | 'unreadable' | 'cut'> {
	const unknown = tasks.filter(({ taskId }) => !memory.final.has(taskId));
	for (let next = 0, size = 1; next < unknown.length; size = Math.min(2 * size, READS_AT_ONCE)) {
		// A round whose turn comes too late to end before the answer is due is not started.
		if (Date.now() > answerBy - MIN_CHECK_MS) return 'cut';
		const round = unknown.slice(next, next + size);
		next += round.length;
		const reads = await Promise.all(round.map(async ({ taskId }) => await read(taskId)));
		round.forEach(({ taskId }, n) => {
			const data = reads[n];
			if (data && isFinalState(data.state)) memory.final.set(taskId, data);
		});
		// A task still running: its own callback, or Max Wait, ends the wait.
		if (reads.some((data) => data && !isFinalState(data.state))) return 'running';
		if (reads.some((data) => !data)) return 'unreadable';
	}
	return 'final';
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
