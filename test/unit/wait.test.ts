/**
 * The poll scheduler and what a finished wait turns into, on a fake clock: when each status call
 * goes (first delay, interval, what Get Status already knows), when waiting stops (maxWait,
 * a Retry-After past it), what is logged. The status reads are stubbed here; the same paths
 * over HTTP against the simulator are in test/integration.
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { TaskData } from '../../nodes/apixo/contract';
import { getTaskStatus } from '../../nodes/apixo/transport';
import { finishTask } from '../../nodes/SeedanceMini/helpers/finish';
import { readWaitSettings, type WaitSettings } from '../../nodes/SeedanceMini/helpers/settings';
import { waitForTask, type PollSettings } from '../../nodes/SeedanceMini/helpers/wait';
import { SEEDANCE_NODE as NODE } from '../harness/node';

jest.mock('../../nodes/apixo/transport', () => ({
	...jest.requireActual('../../nodes/apixo/transport'),
	getTaskStatus: jest.fn(),
}));
const readStatus = jest.mocked(getTaskStatus);

const T0 = Date.parse('2026-11-26T08:00:00Z');
const TASK = 'task-1';

let logs: Array<[string, string, unknown]>;
/** Seconds after T0 of each status call. */
let calls: number[];

function fakeContext(options: Record<string, unknown> = {}) {
	const log = (level: string) => (message: string, meta: unknown) =>
		logs.push([level, message, meta]);
	return {
		logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
		getNode: () => NODE,
		getNodeParameter: (name: string) => (name === 'options' ? options : undefined),
	} as unknown as IExecuteFunctions;
}

/** Status answers in turn (the last one repeats); an Error is thrown instead. */
function answers(...states: Array<Partial<TaskData> | Error>) {
	readStatus.mockImplementation(async () => {
		calls.push((Date.now() - T0) / 1000);
		const next = states.length > 1 ? states.shift()! : states[0];
		if (next instanceof Error) throw next;
		return { taskId: TASK, state: 'pending', ...next } as TaskData;
	});
}

const transient = (retryAfterMs?: number) => {
	const error = new NodeApiError(
		NODE,
		{ message: 'APIXO status failed: 503' },
		{ httpCode: '503' },
	);
	error.context.retryable = true;
	error.context.retryAfterMs = retryAfterMs;
	return error;
};

async function settled<T>(promise: Promise<T>): Promise<T> {
	const outcome = promise.then(
		(value) => ({ value }),
		(error: unknown) => ({ error }),
	);
	await jest.runAllTimersAsync();
	const result = await outcome;
	if ('error' in result) throw result.error;
	return result.value;
}

const poll = (first: number, interval: number, maxWait: number): PollSettings => ({
	firstPollDelayMs: first * 1000,
	pollIntervalMs: interval * 1000,
	maxWaitMs: maxWait * 1000,
});

const wait = async (settings: PollSettings, known?: TaskData) =>
	await settled(
		waitForTask.call(fakeContext(), TASK, settings, { startedAt: T0, itemIndex: 0, known }),
	);

beforeEach(() => {
	jest.useFakeTimers({ now: T0 });
	readStatus.mockReset();
	logs = [];
	calls = [];
});
afterEach(() => jest.useRealTimers());

describe('waitForTask', () => {
	it('polls first after the first delay, then every interval, until the task is final', async () => {
		answers(
			{ state: 'pending' },
			{ state: 'processing' },
			{ state: 'processing' },
			{ state: 'success' },
		);
		const outcome = await wait(poll(30, 10, 600));
		expect(calls).toEqual([30, 40, 50, 60]);
		expect(outcome).toEqual({ data: { taskId: TASK, state: 'success' }, timedOut: false });
		// Every change at info, a repeated state at debug.
		expect(logs).toEqual([
			[
				'info',
				`Seedance Mini: task ${TASK} is pending after 30 s`,
				{ taskId: TASK, state: 'pending', elapsedS: 30 },
			],
			[
				'info',
				`Seedance Mini: task ${TASK} is processing after 40 s`,
				{ taskId: TASK, state: 'processing', elapsedS: 40 },
			],
			[
				'debug',
				`Seedance Mini: task ${TASK} is processing after 50 s`,
				{ taskId: TASK, state: 'processing', elapsedS: 50 },
			],
			[
				'info',
				`Seedance Mini: task ${TASK} is success after 60 s`,
				{ taskId: TASK, state: 'success', elapsedS: 60 },
			],
		]);
	});

	it('with a state already read, waits for the first delay from the task’s creation', async () => {
		answers({ state: 'success' });
		await wait(poll(30, 10, 600), { taskId: TASK, state: 'processing', createTime: T0 - 1000 });
		expect(calls).toEqual([29]);
	});

	it('with a state already read of an old task, waits one interval', async () => {
		answers({ state: 'success' });
		await wait(poll(30, 10, 600), { taskId: TASK, state: 'processing', createTime: T0 - 600_000 });
		expect(calls).toEqual([10]);
	});

	it('with a state already read but no creation time, counts the first delay from the start', async () => {
		answers({ state: 'success' });
		await wait(poll(30, 10, 600), { taskId: TASK, state: 'processing' });
		expect(calls).toEqual([30]);
	});

	it('takes a last look at maxWait when the next poll would land after it, then stops', async () => {
		answers({ state: 'processing' });
		const outcome = await wait(poll(2, 6, 10));
		expect(calls).toEqual([2, 8, 10]);
		expect(outcome).toEqual({ data: { taskId: TASK, state: 'processing' }, timedOut: true });
		expect(Date.now() - T0).toBe(10_000);
	});

	it('a maxWait of 0 reads nothing and times out with what is known', async () => {
		answers({ state: 'success' });
		expect(await wait(poll(2, 6, 0))).toEqual({
			data: { taskId: TASK, state: 'pending' },
			timedOut: true,
		});
		expect(calls).toEqual([]);
	});

	it('a maxWait of 0 with no first delay takes one look', async () => {
		answers({ state: 'processing' });
		expect(await wait(poll(0, 6, 0))).toEqual({
			data: { taskId: TASK, state: 'processing' },
			timedOut: true,
		});
		expect(calls).toEqual([0]);
	});

	it('a read that fails for a while is polled again, with a warning', async () => {
		const error = transient();
		answers(error, { state: 'success' });
		const outcome = await wait(poll(2, 6, 600));
		expect(calls).toEqual([2, 8]);
		expect(outcome.data.state).toBe('success');
		expect(logs[0]).toEqual([
			'warn',
			`Seedance Mini: status of ${TASK} unavailable, will poll again`,
			{ taskId: TASK, error: error.message },
		]);
	});

	it('polls again no sooner than a Retry-After', async () => {
		answers(transient(20_000), { state: 'success' });
		await wait(poll(2, 6, 600));
		expect(calls).toEqual([2, 22]);
	});

	it('stops at once, timed out, when a Retry-After ends past maxWait', async () => {
		answers(transient(60_000), { state: 'success' });
		const outcome = await wait(poll(2, 6, 10));
		expect(calls).toEqual([2]);
		expect(outcome).toEqual({ data: { taskId: TASK, state: 'pending' }, timedOut: true });
		expect(Date.now() - T0).toBe(2000);
	});

	it('a Retry-After ending exactly at maxWait still gets the last look', async () => {
		answers(transient(8000), { state: 'success' });
		expect((await wait(poll(2, 6, 10))).data.state).toBe('success');
		expect(calls).toEqual([2, 10]);
	});

	it('a read error that is not transient ends the wait with it', async () => {
		const error = new NodeApiError(
			NODE,
			{ message: 'APIXO status failed: 404' },
			{ httpCode: '404' },
		);
		answers(error);
		await expect(wait(poll(2, 6, 600))).rejects.toBe(error);
		expect(calls).toEqual([2]);
	});
});

describe('finishTask', () => {
	const settings = (maxWait: number): WaitSettings => ({
		poll: poll(2, 6, maxWait),
		downloadVideo: false,
		binaryPropertyName: 'data',
		download: { maxBytes: 1_000_000, stallMs: 60_000 },
		concurrency: undefined,
	});
	const finish = async (wait: boolean, maxWait: number, known?: TaskData) =>
		await settled(
			finishTask.call(fakeContext(), TASK, settings(maxWait), {
				itemIndex: 0,
				wait,
				startedAt: T0,
				known,
			}),
		);
	const fields = (state: string) => ({
		taskId: TASK,
		state,
		resultUrls: [],
		videoUrl: null,
		failCode: null,
		failMsg: null,
		createTime: null,
		completeTime: null,
		costTime: null,
	});

	it('without waiting, gives the task as it is: no status read, not timed out', async () => {
		const item = await finish(false, 600);
		expect(item).toEqual({ json: fields('pending'), pairedItem: { item: 0 } });
		expect(calls).toEqual([]);
		expect(logs).toEqual([]);
	});

	it('does not wait for a task already known to be final', async () => {
		answers({ state: 'processing' });
		const item = await finish(true, 600, {
			taskId: TASK,
			state: 'success',
			resultJson: '{"resultUrls":["https://cdn.example.com/v.mp4"]}',
		});
		expect(calls).toEqual([]);
		expect(item.json).toMatchObject({
			state: 'success',
			videoUrl: 'https://cdn.example.com/v.mp4',
		});
	});

	it('does not wait for a task already known to have failed: its error comes at once', async () => {
		answers({ state: 'processing' });
		await expect(
			finish(true, 600, { taskId: TASK, state: 'failed', failCode: 'Timeout' }),
		).rejects.toThrow(`Task ${TASK} failed: Timeout`);
		expect(calls).toEqual([]);
	});

	it("keeps its message when APIXO's failMsg names a connection error", async () => {
		await expect(
			finish(true, 600, {
				taskId: TASK,
				state: 'failed',
				failCode: 'StreamError',
				failMsg: 'upstream ECONNRESET',
			}),
		).rejects.toThrow(`Task ${TASK} failed: StreamError — upstream ECONNRESET`);
	});

	it('a wait that ends at maxWait says timedOut, keeps the task ID and warns', async () => {
		answers({ state: 'processing' });
		const item = await finish(true, 10);
		expect(item.json).toEqual({ ...fields('processing'), timedOut: true });
		expect(logs.filter(([level]) => level === 'warn')).toEqual([
			['warn', `Seedance Mini: stopped waiting for ${TASK} (still processing)`, { taskId: TASK }],
		]);
	});

	it('a wait that ends in success has no timedOut field and no warning', async () => {
		answers({ state: 'success', resultJson: '{"resultUrls":[]}' });
		const item = await finish(true, 600);
		expect(item.json).toEqual(fields('success'));
		expect(logs.filter(([level]) => level === 'warn')).toEqual([]);
	});
});

describe('readWaitSettings: Concurrency', () => {
	it.each([
		['not set', undefined, undefined],
		['1', 1, 1],
		['a fraction above 1, rounded down', 2.7, 2],
		['0', 0, undefined],
		['a fraction below 1', 0.5, undefined],
		['infinite', Infinity, undefined],
		['not a number', 'many', undefined],
		['a numeric text', '4', 4],
	])('%s', (_, concurrency, expected) => {
		const options = concurrency === undefined ? {} : { concurrency };
		expect(readWaitSettings.call(fakeContext(options), 0).concurrency).toBe(expected);
	});
});
