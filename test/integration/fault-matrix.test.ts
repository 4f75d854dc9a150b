/**
 * The fault matrix: every documented (and some undocumented) way APIXO can misbehave, on the
 * submit and on the status poll, run through the Seedance Mini node in n8n-core's engine
 * against the simulator. The matrix is data (SUBMIT_CELLS, STATUS_CELLS, TASK_CELLS); one body
 * checks every cell for:
 *  (a) the run ends in success (or `timedOut`) or in a clear error naming the taskId, when a
 *      task was created and its ID came back;
 *  (b) no duplicate paid task: 1 submit, or — after a 429, which creates nothing — exactly one
 *      task created however often the POST was repeated;
 *  (c) 0 lost tasks: every task the simulator holds is named in the output or in the error; when
 *      the submit's answer was lost (5xx, reset, hang, unreadable), the error says the outcome is
 *      unknown and to check before resubmitting;
 *  (d) Retry-After is honoured: the request after a 429 arrives no earlier than advertised, on the
 *      simulator's own clock;
 * and that the API key never shows up in an output or an error.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { DEFAULT_RETRY } from '../../nodes/apixo/retry';
import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { runNode, type RunNodeResult } from '../../tools/engine';
import { loggedLines } from '../harness/sweep';
import {
	startSimulator,
	type Fault,
	type RecordedRequest,
	type Simulator,
	type TaskPlan,
} from '../../tools/simulator/server';

const API_KEY = 'sk-fault-SECRET-0001';
/** Tasks take 0.3 s; polls are 0.05 s apart. */
const TASK_MS = { pendingMs: 100, processingMs: 200 };
const POLL = { firstPollDelay: 0.05, pollInterval: 0.05, maxWait: 10 };
/** Timer and clock granularity: a retry may land this much before the advertised time, no more. */
const SLACK_MS = 20;
/**
 * The node has no option for the per-request timeout (the transport's default is 30 s): the
 * "hang" cells lower that default for their own run only.
 */
const SHORT_TIMEOUT_MS = 300;

const UNKNOWN_OUTCOME = 'may have been created and billed';

interface Cell {
	name: string;
	fault?: Fault;
	plan?: TaskPlan;
	/** Overrides of the Generate options (maxWait, …). */
	options?: IDataObject;
	/** Per-request timeout of the transport during this cell (see SHORT_TIMEOUT_MS). */
	requestTimeoutMs?: number;
	/** `submitted`: Generate without waiting returned the taskId; `success`: it waited for the video. */
	outcome: 'submitted' | 'success' | 'timedOut' | 'error';
	/** Texts the error's message + description must contain. */
	says?: Array<string | RegExp>;
	/** The submit's answer was lost: the node cannot know the taskId and must say so. */
	outcomeUnknown?: boolean;
	/** POSTs the simulator must have seen, and tasks it must hold, after the run. */
	submits: number;
	tasks: number;
	/** `timedOut` cells: the state last read ('pending' when no read ever succeeded). */
	state?: string;
	/** maxWait cells: the run must end within this. */
	maxElapsedMs?: number;
	/** Consecutive requests to the faulty endpoint are at least this far apart (ms), in order. */
	minGapsMs?: number[];
	/** Input items (default 1): each submits a task. */
	items?: number;
}

// ---------------------------------------------------------------------------- the matrix
type FaultShape = Omit<Fault, 'endpoint'>;

/** The transport faults both endpoints share; `status` cells poll with a short maxWait for the hang. */
const TRANSPORT_FAULTS: Array<{ name: string; fault: FaultShape }> = [
	{
		name: '429 with Retry-After in seconds (1 s)',
		fault: { kind: 'http', status: 429, retryAfterSeconds: 1 },
	},
	{
		name: '429 with Retry-After as an HTTP-date (2 s)',
		fault: { kind: 'http', status: 429, retryAfterDate: 2 },
	},
	{ name: '429 without Retry-After', fault: { kind: 'http', status: 429 } },
	{ name: '500', fault: { kind: 'http', status: 500 } },
	{ name: '502', fault: { kind: 'http', status: 502 } },
	{ name: '504', fault: { kind: 'http', status: 504 } },
	{ name: 'connection reset', fault: { kind: 'reset' } },
	{ name: 'hang past the request timeout', fault: { kind: 'hang' } },
	{ name: 'non-JSON body', fault: { kind: 'malformedJson' } },
	{ name: 'JSON of the wrong shape', fault: { kind: 'wrongShape' } },
];

const AUTH_FAULTS: Array<{ status: number; meaning: string }> = [
	{ status: 401, meaning: 'API key rejected' },
	{ status: 402, meaning: 'Insufficient balance or quota' },
	{ status: 403, meaning: 'cannot access the model' },
];

/** What the submit of each transport fault must lead to. */
function submitExpectation(fault: FaultShape): Omit<Cell, 'name' | 'fault'> {
	if (fault.status === 429) return { outcome: 'submitted', submits: 2, tasks: 1 };
	const says: Record<string, Array<string | RegExp>> = {
		http: [`${fault.status}`],
		reset: ['ECONNRESET'],
		hang: [`no answer within ${SHORT_TIMEOUT_MS} ms`],
		malformedJson: ['not JSON'],
		wrongShape: ['did not have the documented shape'],
	};
	return {
		outcome: 'error',
		says: [...says[fault.kind], 'Do not resubmit blindly', UNKNOWN_OUTCOME],
		outcomeUnknown: true,
		submits: 1,
		// The task was made before the answer was lost: the case a retried POST would pay twice for.
		tasks: 1,
		requestTimeoutMs: fault.kind === 'hang' ? SHORT_TIMEOUT_MS : undefined,
	};
}

const SUBMIT_CELLS: Cell[] = [
	{
		// "Retry-After: 0" once removed the backoff: 8 POSTs in 111 ms.
		name: '429 with Retry-After: 0, twice (never faster than the backoff)',
		fault: { endpoint: 'submit', kind: 'http', status: 429, retryAfterSeconds: 0, times: 2 },
		outcome: 'submitted',
		submits: 3,
		tasks: 1,
		// The backoff floor: half of 1 s, then half of 2 s.
		minGapsMs: [500, 1000],
	},
	...TRANSPORT_FAULTS.map(({ name, fault }) => ({
		name,
		// A 5xx after the task was made is the case a retried POST would pay twice for.
		fault: {
			endpoint: 'submit' as const,
			...fault,
			...(fault.status !== 429 ? { createTask: true } : {}),
		},
		...submitExpectation(fault),
	})),
	...AUTH_FAULTS.map(({ status, meaning }) => ({
		name: `${status}`,
		fault: { endpoint: 'submit' as const, kind: 'http' as const, status },
		outcome: 'error' as const,
		says: [`${status}`, meaning],
		submits: 1,
		tasks: 0,
	})),
];

const STATUS_CELLS: Cell[] = [
	...TRANSPORT_FAULTS.map(({ name, fault }) => ({
		name,
		fault: { endpoint: 'status' as const, ...fault },
		requestTimeoutMs: fault.kind === 'hang' ? SHORT_TIMEOUT_MS : undefined,
		outcome: 'success' as const,
		submits: 1,
		tasks: 1,
	})),
	{
		name: 'resultJson that is not JSON',
		plan: { resultJson: 'not json' },
		outcome: 'error',
		says: ['could not be read', 'not valid JSON'],
		submits: 1,
		tasks: 1,
	},
	...[{ status: 404, meaning: 'Task not found' }, ...AUTH_FAULTS].map(({ status, meaning }) => ({
		name: `${status}`,
		fault: { endpoint: 'status' as const, kind: 'http' as const, status },
		outcome: 'error' as const,
		says: [`${status}`, meaning],
		submits: 1,
		tasks: 1,
	})),
	// An API error (a NodeApiError, unlike a failed task) stops a batch of three after a
	// realistic first-poll delay: the error names every task, the others' too (they are billed).
	...[401, 402, 404].map((status) => ({
		name: `three items, ${status} on every read after a 1 s first-poll delay`,
		fault: { endpoint: 'status' as const, kind: 'http' as const, status, times: Infinity },
		items: 3,
		options: { firstPollDelay: 1, pollInterval: 0.2 },
		outcome: 'error' as const,
		says: [`${status}`],
		submits: 3,
		tasks: 3,
	})),
];

/** The API page's failCode table, with a word of its meaning; plus a code it does not list. */
const FAIL_CODES: Array<{ failCode: string; meaning: RegExp }> = [
	{ failCode: 'SensitiveContent', meaning: /safety checks/i },
	{ failCode: 'PromptInvalid', meaning: /prompt/i },
	{ failCode: 'ImageFormatIncorrect', meaning: /image/i },
	{ failCode: 'RateLimited', meaning: /rate limit/i },
	{ failCode: 'Timeout', meaning: /timeout/i },
	{ failCode: 'StreamError', meaning: /500-class/i },
	{ failCode: 'Unknown error', meaning: /unmapped/i },
	// Spellings seen on APIXO's other pages: advice by family.
	{ failCode: 'SensitiveContentDetected', meaning: /safety checks/i },
	{ failCode: 'InputImageSensitiveContentDetected', meaning: /safety checks/i },
	{ failCode: 'CONTENT_VIOLATION', meaning: /safety checks/i },
	{ failCode: 'NSFW_DETECTED', meaning: /safety checks/i },
	{ failCode: 'PromptLengthExceeded', meaning: /prompt is too long/i },
	{ failCode: 'PROCESSING_TIMEOUT', meaning: /timed out/i },
	{ failCode: 'UPSTREAM_ERROR', meaning: /upstream generation error/i },
	{ failCode: 'INSUFFICIENT_CREDITS', meaning: /add balance/i },
	{ failCode: 'BrandNewFailCode', meaning: /contact APIXO support/i },
];

/** maxWait holds whatever the API does: no retry or Retry-After wait runs past it. */
const MAX_WAIT_CELLS: Cell[] = (
	[
		{
			name: '429 on every poll with Retry-After (4 s) longer than what is left of maxWait (1 s)',
			fault: {
				endpoint: 'status',
				kind: 'http',
				status: 429,
				retryAfterSeconds: 4,
				times: Infinity,
			},
			state: 'pending',
		},
		{
			// Was thrown as not retryable: the wait and the whole batch failed, losing the task.
			name: '429 with Retry-After (200 s) above the transport’s cap: kept to maxWait (1 s)',
			fault: { endpoint: 'status', kind: 'http', status: 429, retryAfterSeconds: 200 },
			state: 'pending',
		},
		{
			name: '500 on every poll past maxWait (1 s)',
			fault: { endpoint: 'status', kind: 'http', status: 500, times: Infinity },
			state: 'pending',
		},
		{
			name: 'hang on every poll past maxWait (1 s)',
			fault: { endpoint: 'status', kind: 'hang', times: Infinity },
			state: 'pending',
		},
	] as Array<Pick<Cell, 'name' | 'fault' | 'state'>>
).map((cell) => ({
	...cell,
	options: { maxWait: 1 },
	outcome: 'timedOut' as const,
	submits: 1,
	tasks: 1,
	maxElapsedMs: 2500,
}));

const TASK_CELLS: Cell[] = [
	{
		name: 'stuck in processing (ends by maxWait, taskId kept)',
		plan: { outcome: 'stuck' },
		options: { maxWait: 0.5 },
		outcome: 'timedOut',
		submits: 1,
		tasks: 1,
	},
	...FAIL_CODES.map(({ failCode, meaning }) => ({
		name: `failed with failCode ${JSON.stringify(failCode)}`,
		// A failure needs no waiting: these tasks fail after 0.05 s.
		plan: {
			outcome: 'failed' as const,
			failCode,
			failMsg: `simulated ${failCode}`,
			pendingMs: 20,
			processingMs: 30,
		},
		outcome: 'error' as const,
		says: [`failed: ${failCode} — simulated ${failCode}`, meaning, 'What to do:'],
		submits: 1,
		tasks: 1,
	})),
];

// ---------------------------------------------------------------------------- the harness
let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [API_KEY], timing: TASK_MS, resultBytes: 1024 });
});
afterAll(async () => await sim.close());
beforeEach(() => sim.reset());

const node = new SeedanceMini();

async function runCell(cell: Cell): Promise<RunNodeResult> {
	if (cell.fault) sim.inject(cell.fault);
	if (cell.plan) sim.planNextTasks(cell.plan);
	const defaultTimeout = DEFAULT_RETRY.timeoutMs;
	if (cell.requestTimeoutMs) DEFAULT_RETRY.timeoutMs = cell.requestTimeoutMs;
	const started = Date.now();
	try {
		const result = await runNode({
			node,
			parameters: {
				operation: 'generate',
				mode: 'text-to-video',
				prompt: 'a fox in the snow',
				resolution: '480p',
				duration: 4,
				// Submit cells stop at the taskId: the waiting is the status cells' business.
				waitForCompletion: cell.fault?.endpoint !== 'submit',
				options: { ...POLL, ...cell.options },
			},
			items: Array.from({ length: cell.items ?? 1 }, (_, i) => ({ json: { i } })),
			credentials: { apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
		});
		if (cell.maxElapsedMs) expect(Date.now() - started).toBeLessThan(cell.maxElapsedMs);
		return result;
	} finally {
		DEFAULT_RETRY.timeoutMs = defaultTimeout;
	}
}

type RunError = NonNullable<RunNodeResult['error']>;

/** What a user sees of an error: message, description and context. */
const shownText = (error: RunError) =>
	[error.message, String(error.description ?? ''), JSON.stringify(error.context ?? {})].join('\n');

/** Everything reachable from a value, own non-enumerable properties (message, stack) included. */
function deepText(value: unknown): string {
	const seen = new WeakSet<object>();
	return JSON.stringify(value, function (_key, v: unknown) {
		if (typeof v === 'bigint') return String(v);
		if (!v || typeof v !== 'object') return v;
		if (seen.has(v)) return '[cycle]';
		seen.add(v);
		return Object.fromEntries(
			Object.getOwnPropertyNames(v).map((name) => [name, (v as Record<string, unknown>)[name]]),
		);
	});
}

/** (d) Each 429 with Retry-After → the next request to that endpoint, and when it was allowed. */
function retryAfterGaps(requests: RecordedRequest[]) {
	return requests
		.filter((r) => r.status === 429 && r.responseHeaders?.['retry-after'] !== undefined)
		.map((limited) => {
			const header = limited.responseHeaders!['retry-after'];
			const notBefore = /^\d+$/.test(header)
				? limited.respondedAt! + Number(header) * 1000
				: Date.parse(header);
			const next = requests.find((r) => r.seq > limited.seq && r.endpoint === limited.endpoint);
			return { limited, next, notBefore };
		});
}

function checkCell(cell: Cell, { items, error }: RunNodeResult) {
	const output = JSON.stringify(items.map((item: INodeExecutionData) => item.json));
	const taskIds = [...sim.tasks.keys()];

	// (a) how the run ends
	if (cell.outcome === 'error') {
		expect(items).toEqual([]);
		expect(error).toBeDefined();
		const shown = shownText(error!);
		for (const text of cell.says ?? []) expect(shown).toEqual(expect.stringMatching(text));
		const headline = `${error!.message}\n${String(error!.description ?? '')}`;
		// The task IDs that came back to the node are named where a user reads.
		for (const taskId of cell.outcomeUnknown ? [] : taskIds) expect(headline).toContain(taskId);
	} else {
		expect(error).toBeUndefined();
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject(
			{
				submitted: { taskId: taskIds[0], requestType: 'async' },
				success: {
					taskId: taskIds[0],
					state: 'success',
					videoUrl: expect.stringContaining(taskIds[0]),
				},
				timedOut: { taskId: taskIds[0], state: cell.state ?? 'processing', timedOut: true },
			}[cell.outcome],
		);
		if (cell.outcome !== 'timedOut') expect(items[0].json.timedOut).toBeUndefined();
	}

	// No task is read before the first-poll delay (APIXO's advice: the first seconds are wasted).
	const firstPollDelayMs = Number(cell.options?.firstPollDelay ?? POLL.firstPollDelay) * 1000;
	for (const submit of sim.requests.filter((r) => r.endpoint === 'submit' && r.taskId)) {
		const firstRead = sim.requests.find(
			(r) => r.endpoint === 'status' && r.taskId === submit.taskId,
		);
		if (firstRead)
			expect(firstRead.receivedAt - submit.respondedAt!).toBeGreaterThanOrEqual(
				firstPollDelayMs - SLACK_MS,
			);
	}

	// (b) no duplicate paid task
	expect(sim.count('submit')).toBe(cell.submits);
	expect(sim.tasks.size).toBe(cell.tasks);

	// (c) no lost task
	const everything = `${output}\n${error ? shownText(error) : ''}`;
	if (cell.outcomeUnknown) {
		expect(error!.context?.outcomeUnknown).toBe(true);
		expect(String(error!.description)).toContain(
			'check your APIXO dashboard before submitting again',
		);
	} else {
		for (const taskId of taskIds) expect(everything).toContain(taskId);
		if (error) expect(error.context?.outcomeUnknown).toBeUndefined();
	}

	// (d) Retry-After honoured
	const gaps = retryAfterGaps(sim.requests);
	if (cell.fault?.retryAfterSeconds !== undefined || cell.fault?.retryAfterDate !== undefined) {
		const times = cell.fault.times ?? 1;
		if (Number.isFinite(times)) expect(gaps).toHaveLength(times);
		else expect(gaps.length).toBeGreaterThanOrEqual(1);
	}
	if (cell.minGapsMs) {
		const calls = sim.requests.filter((r) => r.endpoint === cell.fault!.endpoint);
		cell.minGapsMs.forEach((gap, n) =>
			expect(calls[n + 1].receivedAt - calls[n].respondedAt!).toBeGreaterThanOrEqual(
				gap - SLACK_MS,
			),
		);
	}
	for (const { limited, next, notBefore } of gaps) {
		// No call after the 429 at all is honouring it too, when the wait ran out (maxWait).
		if (!next && cell.outcome === 'timedOut') continue;
		expect(next).toBeDefined();
		expect(next!.receivedAt).toBeGreaterThanOrEqual(notBefore - SLACK_MS);
		// The HTTP-date has whole seconds: 2 s ahead is at least 1 s ahead.
		if (cell.fault?.retryAfterDate)
			expect(next!.receivedAt - limited.respondedAt!).toBeGreaterThanOrEqual(1000 - SLACK_MS);
	}

	// The fault was really met (and, when the run succeeded, got past).
	if (cell.fault) {
		expect(sim.count(cell.fault.endpoint as 'submit' | 'status')).toBeGreaterThanOrEqual(
			cell.outcome === 'success' || cell.outcome === 'submitted' ? 2 : 1,
		);
	}

	// The key never leaks (it was sent: the search below is not vacuous).
	expect(sim.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
	expect(`${output}${deepText(error)}`).not.toContain('SECRET');
	// Nor in a log line (retries, waits and errors are logged with their causes).
	expect(loggedLines().join('\n')).not.toContain('SECRET');
}

/** `npm run test:soak` plays the matrix several times (SOAK_ROUNDS): timing bugs show up there. */
const ROUNDS = Number(process.env.SOAK_ROUNDS ?? 1);
const GROUPS = [
	['submit', SUBMIT_CELLS],
	['status (Generate waiting for the task)', STATUS_CELLS],
	['maxWait under a failing API', MAX_WAIT_CELLS],
	['task outcome', TASK_CELLS],
] as const;

describe.each(
	Array.from({ length: ROUNDS }, (_, round) =>
		GROUPS.map(([group, cells]) => [ROUNDS > 1 ? `${group} (round ${round + 1})` : group, cells]),
	).flat(),
)('fault matrix: %s', (_group, cells) => {
	it.each(cells as Cell[])('$name', async (cell) => {
		checkCell(cell, await runCell(cell));
	});
});
