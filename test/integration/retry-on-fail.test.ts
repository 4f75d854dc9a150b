/**
 * Never pay twice in the shapes users build: the node settings Retry On Fail (n8n runs execute()
 * again after a thrown error, and when the first output item carries `json.error`) and Continue
 * On Fail, in poll and pause mode; the Budget over every run of the node in one execution; items
 * held back by a 429 past Max Wait; a stopped execution naming its tasks.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { router } from '../../nodes/SeedanceMini/actions/router';
import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { runNode, type RunNodeOptions } from '../../tools/engine';
import { startSimulator, type Simulator } from '../../tools/simulator/server';
import { loopRuns } from '../harness/loop';
import { startWaitingN8n, type WaitingN8n } from '../harness/waiting';

const API_KEY = 'sk-retry-SECRET-3141592653';
/** The simulator's tasks take 0.3 s; the node's waits are scaled down alike. */
const FAST = { firstPollDelay: 0.05, pollInterval: 0.05, maxWait: 20 };
/** Retry On Fail as the editor saves it: 3 tries, 10 ms apart. */
const RETRY = { retryOnFail: true, maxTries: 3, waitBetweenTries: 10 };

let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator({
		apiKeys: [API_KEY],
		timing: { pendingMs: 100, processingMs: 200 },
		resultBytes: 1024,
		callback: { retryDelaysMs: [300, 600, 1200] },
	});
});
afterAll(async () => await sim.close());
beforeEach(() => sim.reset());

const node = new SeedanceMini();
const credentials = () => ({ apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } });
const prompts = (...list: string[]): INodeExecutionData[] =>
	list.map((prompt) => ({ json: { prompt } }));
const generate = (extra: IDataObject = {}, options: IDataObject = {}) =>
	({
		operation: 'generate',
		mode: 'text-to-video',
		prompt: '={{ $json.prompt }}',
		resolution: '480p',
		duration: 4,
		options: { ...FAST, ...options },
		...extra,
	}) as RunNodeOptions['parameters'];
const run = (options: Omit<RunNodeOptions, 'node' | 'credentials'>) =>
	runNode({ node, credentials: credentials(), ...options });

/** Submits the simulator received, by prompt. */
const submitsOf = (prompt: string) =>
	sim.requests.filter(
		(r) =>
			r.endpoint === 'submit' && (r.body as { input?: { prompt?: string } }).input?.prompt === prompt,
	).length;

describe('Retry On Fail, poll mode', () => {
	it('with Continue On Fail, items ["", "a fox"]: the valid task is submitted once', async () => {
		const { items, error } = await run({
			parameters: generate(),
			items: prompts('', 'a fox'),
			continueOnFail: true,
			settings: RETRY,
		});
		expect(error).toBeUndefined();
		expect(submitsOf('a fox')).toBe(1);
		expect(sim.count('submit')).toBe(1);
		expect(items[0].json.error).toEqual(expect.stringContaining('prompt'));
		expect(items[1].json).toMatchObject({ state: 'success', taskId: [...sim.tasks.keys()][0] });
	});

	it('no Continue On Fail, one task fails: the task that succeeded is never submitted again', async () => {
		sim.planNextTasks(
			{},
			{ outcome: 'failed', failCode: 'UPSTREAM_ERROR' },
			{ outcome: 'failed', failCode: 'UPSTREAM_ERROR' },
			{ outcome: 'failed', failCode: 'UPSTREAM_ERROR' },
		);
		const { error } = await run({
			parameters: generate(),
			items: prompts('a fox', 'a failing owl'),
			settings: RETRY,
		});
		expect(error?.message).toMatch(/failed: UPSTREAM_ERROR/);
		expect(submitsOf('a fox')).toBe(1);
		// A failed generation is what Retry On Fail is for: each try submits it afresh.
		expect(submitsOf('a failing owl')).toBe(3);
	});

	it('a failed task followed by a success: the retry outputs both, each paid once', async () => {
		sim.planNextTasks({}, { outcome: 'failed', failCode: 'UPSTREAM_ERROR' }, {});
		const { items, error } = await run({
			parameters: generate(),
			items: prompts('a fox', 'an owl'),
			settings: RETRY,
		});
		expect(error).toBeUndefined();
		expect(items.map((item) => item.json.state)).toEqual(['success', 'success']);
		expect([submitsOf('a fox'), submitsOf('an owl')]).toEqual([1, 2]);
		const [fox, failedOwl, owl] = [...sim.tasks.keys()];
		expect(items.map((item) => item.json.taskId)).toEqual([fox, owl]);
		expect(failedOwl).not.toBe(owl);
	});

	it('a submit whose outcome was unknown is not sent again by a retry', async () => {
		// The task is made, then the answer is a 500: the node cannot know it exists.
		sim.inject({ endpoint: 'submit', kind: 'http', status: 500, createTask: true });
		const { items, error } = await run({
			parameters: generate(),
			items: prompts('a fox'),
			continueOnFail: true,
			settings: RETRY,
		});
		expect(error).toBeUndefined();
		expect(sim.count('submit')).toBe(1);
		expect(items[0].json.error).toEqual(expect.stringContaining('500'));
		expect(String(items[0].json.errorDescription)).toContain('Retry On Fail does not send it again');
	});

	it('a changed item is a new task: the key is the body, not only the item index', async () => {
		const looping = new SeedanceMini();
		// The same run of the node executed twice with another prompt (as a retry would see it
		// after an upstream expression changed): the second is submitted.
		looping.execute = async function (this: IExecuteFunctions) {
			const first = await router.call(this);
			const [input] = this.getInputData();
			input.json.prompt = 'another fox';
			const second = await router.call(this);
			return [[...first[0], ...second[0]]];
		};
		const { items, error } = await runNode({
			node: looping,
			credentials: credentials(),
			parameters: generate({ waitForCompletion: false }),
			items: prompts('a fox'),
		});
		expect(error).toBeUndefined();
		expect([submitsOf('a fox'), submitsOf('another fox')]).toEqual([1, 1]);
		expect(new Set(items.map((item) => item.json.taskId)).size).toBe(2);
	});

	it('without waiting (or in callback mode), a retry returns the same task ID', async () => {
		const { items } = await run({
			parameters: generate({ waitForCompletion: false }),
			items: prompts('', 'a fox'),
			continueOnFail: true,
			settings: RETRY,
		});
		expect(sim.count('submit')).toBe(1);
		expect(items[1].json.taskId).toBe([...sim.tasks.keys()][0]);
	});
});

describe('Retry On Fail, pause mode', () => {
	let n8n: WaitingN8n;
	beforeEach(async () => (n8n = await startWaitingN8n(credentials())));
	afterEach(async () => await n8n.close());
	const pause = generate({ waitForCompletion: true, waitMode: 'pause' }, { maxWait: 120 });

	it('with Continue On Fail, items ["", "a fox"]: one submit, one park, resumed by its callback', async () => {
		const execution = await n8n.execute({
			node,
			parameters: pause,
			items: prompts('', 'a fox'),
			continueOnFail: true,
			settings: RETRY,
		});
		expect(execution.status).toBe('waiting');
		await execution.finished;
		expect(sim.count('submit')).toBe(1);
		expect(execution.output!.map((item) => item.json.state ?? item.json.error)).toEqual([
			expect.stringContaining('prompt'),
			'success',
		]);
	});

	it('a submit refused on the first try: the retry reuses the accepted task and its callback URL', async () => {
		// Balance for one task: the first item's submit is accepted, the second's refused (402,
		// nothing created) and the try fails; topped up before the retry, which sends only that one.
		sim.balanceUsd = 0.19;
		const topUp = setInterval(() => {
			if (sim.requests.some((r) => r.endpoint === 'submit' && r.status === 402))
				sim.balanceUsd = 10;
		}, 20);
		const execution = await n8n
			.execute({
				node,
				parameters: generate(
					{ waitForCompletion: true, waitMode: 'pause' },
					{ maxWait: 120, concurrency: 1 },
				),
				items: prompts('an owl', 'a fox'),
				settings: { ...RETRY, waitBetweenTries: 500 },
			})
			.finally(() => clearInterval(topUp));
		expect(execution.status).toBe('waiting');
		await execution.finished;
		expect([submitsOf('an owl'), submitsOf('a fox')]).toEqual([1, 2]);
		const urls = sim.requests
			.filter((r) => r.endpoint === 'submit' && r.status === 200)
			.map((r) => (r.body as IDataObject).callback_url);
		expect(urls).toHaveLength(2);
		expect(new Set(urls).size).toBe(1);
		expect(execution.output!.map((item) => item.json.state)).toEqual(['success', 'success']);
	});
});

describe('money in whole micro-dollars', () => {
	it('Budget $0.57 holds 3 × 4 s at 480p ($0.19 each; 0.19 × 3 is 0.5700000000000001 in floats)', async () => {
		const { items, error } = await run({
			parameters: generate({ waitForCompletion: false }, { budgetUsd: 0.57 }),
			items: prompts('a', 'b', 'c'),
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(3);
		expect(sim.count('submit')).toBe(3);
	});

	it('Max Cost $0.19 holds a $0.19 item', async () => {
		const { error } = await run({
			parameters: generate({ waitForCompletion: false }, { maxCost: 0.19 }),
			items: prompts('a'),
		});
		expect(error).toBeUndefined();
	});

	it('the Budget covers every run of the node in one execution (a loop of 5 runs spends at most it)', async () => {
		const looping = new SeedanceMini();
		looping.execute = async function (this: IExecuteFunctions) {
			const out: INodeExecutionData[] = [];
			const next = loopRuns(this);
			for (let runIndex = 0; runIndex < 5; runIndex++) {
				next(runIndex);
				const result = await router.call(this).then(
					(items) => items[0],
					(error: Error) => [{ json: { error: error.message }, pairedItem: { item: 0 } }],
				);
				out.push(...result);
			}
			return [out];
		};
		const { items } = await runNode({
			node: looping,
			credentials: credentials(),
			parameters: generate({ waitForCompletion: false }, { budgetUsd: 0.5 }),
			items: prompts('a fox'),
		});
		// $0.19 a run: two fit in $0.50, the third would make $0.57.
		expect(sim.count('submit')).toBe(2);
		expect(items.slice(0, 2).every((item) => item.json.taskId)).toBe(true);
		expect(items.slice(2).map((item) => item.json.error)).toEqual(
			Array(3).fill(
				'Estimated total $0.19 for 1 item is above the budget of $0.5 ($0.38 already submitted by this node in this execution)',
			),
		);
	});
});

describe('nothing waits past Max Wait, nothing is lost on Stop', () => {
	it('items queued behind a 429 whose Retry-After passes Max Wait fail at once, nothing paid', async () => {
		sim.inject({ endpoint: 'submit', kind: 'http', status: 429, retryAfterSeconds: 60 });
		const started = Date.now();
		const { items, error } = await run({
			parameters: generate({ waitForCompletion: false }, { maxWait: 5, concurrency: 1 }),
			items: prompts('a', 'b', 'c'),
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(Date.now() - started).toBeLessThan(4000);
		expect(sim.tasks.size).toBe(0);
		expect(items.map((item) => String(item.json.error))).toEqual([
			expect.stringContaining('429'),
			expect.stringMatching(/^Item 1 was not submitted: APIXO's rate limit holds submits for \d+ s, past Max Wait$/),
			expect.stringMatching(/^Item 2 was not submitted/),
		]);
		expect(String(items[1].json.errorDescription)).toContain('nothing is billed');
	});

	it('Stop in poll mode: the error lists every task already submitted', async () => {
		sim.planNextTasks({ outcome: 'stuck' }, { outcome: 'stuck' });
		const stop = new AbortController();
		const running = run({
			parameters: generate({}, { pollInterval: 0.2 }),
			items: prompts('a', 'b'),
			signal: stop.signal,
		});
		const end = Date.now() + 10_000;
		while (sim.count('status') < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
		stop.abort();
		const { error, run: stopped } = await running;
		const [first, second] = [...sim.tasks.keys()];
		// What n8n saves of an execution stopped mid-node: its custom data names the tasks.
		expect(stopped!.data.resultData.metadata).toEqual({
			apixo_task_ids: `2 tasks, newest first: ${second} ${first}`,
		});
		expect(error!.message).toBe('The execution was stopped');
		expect(error!.description).toBe(
			`Tasks of this run (still billed, check them with "Get Status"): item 0: ${first}, item 1: ${second}.`,
		);
		expect(error!.context!.otherTaskIds).toEqual([first, second]);
	});
});
