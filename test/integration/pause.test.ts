/**
 * Pause mode in n8n-core's engine, with n8n's waiting route emulated in process
 * (test/harness/waiting.ts) and the simulator calling back over real HTTP. The real n8n (status
 * waiting, restarts, queue mode, signed resume URLs) is in test/e2e and test/queue.
 */
import { WebhookContext } from 'n8n-core';
import type { IDataObject } from 'n8n-workflow';

import * as transport from '../../nodes/apixo/transport';
import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { runNode, type RunNodeOptions } from '../../tools/engine';
import { observe } from '../../tools/observe';
import { startSimulator, type Simulator } from '../../tools/simulator/server';
import { queryOf, startWaitingN8n, type WaitingN8n } from '../harness/waiting';

const API_KEY = 'sk-pause-SECRET-8080808080';
const TASK_MS = { pendingMs: 200, processingMs: 400 };

let sim: Simulator;
let n8n: WaitingN8n;
beforeAll(async () => {
	sim = await startSimulator({
		apiKeys: [API_KEY],
		timing: TASK_MS,
		resultBytes: 1024,
		// APIXO retries a callback that got no 200, with increasing delays.
		callback: { retryDelaysMs: [300, 600, 1200] },
	});
});
beforeEach(async () => {
	sim.reset();
	n8n = await startWaitingN8n({ apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } });
});
afterEach(async () => await n8n.close());
afterAll(async () => await sim.close());

const node = new SeedanceMini();
const pauseParams = (options: IDataObject = {}): RunNodeOptions['parameters'] => ({
	operation: 'generate',
	mode: 'text-to-video',
	prompt: '={{ "a fox, take " + $json.i }}',
	resolution: '480p',
	duration: 4,
	waitForCompletion: true,
	waitMode: 'pause',
	options: { maxWait: 120, ...options },
});
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ json: { i } }));

async function until(check: () => boolean, ms = 20_000) {
	const end = Date.now() + ms;
	while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
	expect(check()).toBe(true);
}

/** Task IDs in the order they were submitted (the simulator keeps them as created). */
const submittedTasks = () => [...sim.tasks.keys()];
/**
 * A task made with `outcome: 'stuck'` ends now, without APIXO calling back (sim.setTaskPlan
 * would deliver): the test's own callbacks are then the only ones.
 */
const finishQuietly = (taskId: string) => {
	sim.tasks.get(taskId)!.plan = { pendingMs: 0, processingMs: 0 };
};
/** The callback URL the node gave APIXO (one per batch). */
const callbackUrl = () =>
	String((sim.requests.find((r) => r.endpoint === 'submit')!.body as IDataObject).callback_url);
/** A callback as APIXO posts it; the answer's status and JSON body. */
async function callBack(url = callbackUrl(), body: unknown = {}) {
	const answer = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	const text = await answer.text();
	return { status: answer.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}
const statusReads = () => sim.requests.filter((r) => r.endpoint === 'status');
/** APIXO's callback for one task, claiming `state` (the status shape, as APIXO posts it). */
const callBackFor = (taskId: string, state = 'success') =>
	callBack(callbackUrl(), { code: 200, message: 'success', data: { taskId, state } });

describe('parking', () => {
	it('submits every item with APIXO calling back on this execution, and parks until Max Wait', async () => {
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(3) });
		expect(execution.status).toBe('waiting');
		expect(execution.waitTill!.getTime()).toBeGreaterThan(Date.now() + 100_000);
		const bodies = sim.requests
			.filter((r) => r.endpoint === 'submit')
			.map((r) => r.body as IDataObject);
		expect(bodies).toHaveLength(3);
		for (const body of bodies) {
			expect(body.request_type).toBe('callback');
			const url = String(body.callback_url);
			expect(url.startsWith(`${n8n.waitingBaseUrl}/${execution.id}/node-under-test?`)).toBe(true);
			expect(String(queryOf(url).apixo_key)).toMatch(/^[\w-]{32}$/);
		}
		// One secret for the batch, another for the next one.
		expect(new Set(bodies.map((b) => queryOf(String(b.callback_url)).apixo_key)).size).toBe(1);
		expect(execution.parked.map((item) => item.json)).toEqual(
			[...sim.tasks.keys()].map((taskId) =>
				expect.objectContaining({
					taskId,
					state: 'pending',
					timedOut: true,
					estimatedCostUsd: 0.19,
				}),
			),
		);
		// Nothing read while parking: the callbacks will prompt the reads.
		expect(sim.count('status')).toBe(0);
	});

	it('a parked item has the fields poll mode gives, none of them known yet', async () => {
		sim.planNextTasks({ outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(1) });
		expect(execution.parked.map((item) => item.json)).toEqual([
			{
				taskId: submittedTasks()[0],
				state: 'pending',
				resultUrls: [],
				videoUrl: null,
				failCode: null,
				failMsg: null,
				createTime: null,
				completeTime: null,
				costTime: null,
				timedOut: true,
				estimatedCostUsd: 0.19,
			},
		]);
	});

	it('resumes once, when the last task is final, with the items poll mode gives', async () => {
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(3) });
		await execution.finished;
		expect(execution.status).toBe('success');
		expect(execution.output!.map((item) => item.json)).toEqual(
			[...sim.tasks.keys()].map((taskId) =>
				expect.objectContaining({
					taskId,
					state: 'success',
					videoUrl: `${sim.fileOrigin}/files/${taskId}.mp4`,
					estimatedCostUsd: 0.19,
					costTime: TASK_MS.pendingMs + TASK_MS.processingMs,
				}),
			),
		);
		expect(execution.output!.every((item) => item.json.timedOut === undefined)).toBe(true);
		expect(execution.output!.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
		// Every delivery was answered 200 once the execution waited; later ones got 409.
		expect(execution.calls.filter((c) => c.status >= 500)).toEqual([]);
	});

	it('a batch of 20 costs at most 2 status calls per task on average', async () => {
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(20) });
		await execution.finished;
		expect(execution.output!.filter((item) => item.json.state === 'success')).toHaveLength(20);
		expect(sim.count('status') / 20).toBeLessThanOrEqual(2);
	});

	it('Max Wait first: every taskId comes out with timedOut and the state it had when parked', async () => {
		sim.planNextTasks({ outcome: 'stuck' }, { outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(2) });
		await execution.timeResume();
		expect(execution.output!.map((item) => item.json)).toEqual(
			[...sim.tasks.keys()].map((taskId) =>
				expect.objectContaining({ taskId, state: 'pending', timedOut: true }),
			),
		);
		expect(execution.output!.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('a failed task is an item with error, failCode and its advice (the execution goes on)', async () => {
		sim.planNextTasks({}, { outcome: 'failed', failCode: 'NSFW_DETECTED', failMsg: 'nope' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(2) });
		await execution.finished;
		const [ok, failed] = execution.output!.map((item) => item.json);
		expect(ok.state).toBe('success');
		expect(failed).toMatchObject({ state: 'failed', failCode: 'NSFW_DETECTED', failMsg: 'nope' });
		expect(failed.error).toBe(`Task ${failed.taskId} failed: NSFW_DETECTED — nope`);
		expect(String(failed.errorDescription)).toContain('safety checks');
	});

	it('a task that finishes almost at once still resumes the execution (early callback: 409, then a retry)', async () => {
		sim.planNextTasks({ pendingMs: 0, processingMs: 0 });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(1) });
		await execution.finished;
		expect(execution.output![0].json.state).toBe('success');
	});
});

describe('callbacks are only prompts', () => {
	it('without the batch secret: acknowledged and ignored, no API call, still waiting', async () => {
		sim.planNextTasks({ outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(1) });
		const [taskId] = sim.tasks.keys();
		const url = `${n8n.waitingBaseUrl}/${execution.id}/node-under-test`;
		const forged = {
			code: 200,
			data: {
				taskId,
				state: 'success',
				resultJson: '{"resultUrls":["https://evil.example/x.mp4"]}',
			},
		};
		for (const query of ['', '?apixo_key=guess', `?apixo_key=`]) {
			const answer = await fetch(`${url}${query}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(forged),
			});
			expect(answer.status).toBe(200);
		}
		expect(sim.count('status')).toBe(0);
		expect(execution.status).toBe('waiting');
	});

	it('a forged body with the secret injects nothing: APIXO is asked, and says running', async () => {
		sim.planNextTasks({ outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(1) });
		const [submit] = sim.requests.filter((r) => r.endpoint === 'submit');
		const callbackUrl = String((submit.body as IDataObject).callback_url);
		const answer = await fetch(callbackUrl, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				code: 200,
				data: {
					taskId: 'x',
					state: 'success',
					resultJson: '{"resultUrls":["https://evil.example/x.mp4"]}',
				},
			}),
		});
		expect(answer.status).toBe(200);
		expect(sim.count('status')).toBe(1);
		expect(execution.status).toBe('waiting');
	});

	it('APIXO failing while a callback is handled: 503 (APIXO delivers again), never thrown, the execution waits on', async () => {
		sim.inject({ endpoint: 'status', kind: 'http', status: 500, times: Infinity });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(1) });
		await until(() => sim.deliveries.length >= 2);
		expect(sim.deliveries.slice(0, 2).map((d) => d.status)).toEqual([503, 503]);
		expect(execution.calls.every((c) => c.status === 503)).toBe(true);
		expect(execution.status).toBe('waiting');
	});

	it("APIXO hanging while a callback is handled: answered within APIXO's 30 s", async () => {
		// No callback of APIXO's own (the reads hang whatever the task's state): the three below
		// are the only ones.
		sim.planNextTasks({ outcome: 'stuck' });
		sim.inject({ endpoint: 'status', kind: 'hang', times: Infinity });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(1) });
		const [submit] = sim.requests.filter((r) => r.endpoint === 'submit');
		const started = Date.now();
		// Three at once, decided one after the other: the first reads until its read times out
		// twice (8 s each), the second reads in what is left of its 25 s, and the third's turn
		// comes too late to start a read at all.
		const answers = await Promise.all(
			[1, 2, 3].map(async () => await callBack(String((submit.body as IDataObject).callback_url))),
		);
		for (const answer of answers) {
			expect(answer.status).toBe(503);
			expect(answer.body).toEqual({ received: false, retry: true });
		}
		expect(Date.now() - started).toBeLessThan(30_000);
		expect(sim.count('status')).toBeGreaterThanOrEqual(2);
		expect(sim.count('status')).toBeLessThanOrEqual(3);
		expect(execution.status).toBe('waiting');
	}, 60_000);
});

describe('one decision at a time, each task read once', () => {
	it('a callback naming no task of the batch reads the oldest task; while it runs, nothing more', async () => {
		sim.planNextTasks({ outcome: 'stuck' }, { outcome: 'stuck' }, { outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(3) });
		expect(await callBack()).toEqual({ status: 200, body: { received: true } });
		expect(statusReads().map((r) => r.taskId)).toEqual([submittedTasks()[0]]);
		expect(execution.status).toBe('waiting');
	});

	it('a callback reads the task it names; when final, the others oldest first until one runs', async () => {
		sim.planNextTasks({ outcome: 'stuck' }, { outcome: 'stuck' }, { outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(3) });
		const [oldest, running, newest] = submittedTasks();
		finishQuietly(oldest);
		finishQuietly(newest);
		expect(await callBackFor(newest)).toEqual({ status: 200, body: { received: true } });
		// 1 read, then 2 at once: the round that found `running` read nothing else.
		expect(statusReads().map((r) => r.taskId)).toEqual([newest, oldest, running]);
		expect(execution.status).toBe('waiting');
		// Both final tasks are remembered: their callbacks cost no read, only `running`'s own.
		expect(await callBackFor(oldest)).toEqual({ status: 200, body: { received: true } });
		expect(await callBackFor(newest)).toEqual({ status: 200, body: { received: true } });
		expect(statusReads()).toHaveLength(3);
		finishQuietly(running);
		expect(await callBackFor(running)).toEqual({ status: 200, body: { received: true } });
		await execution.finished;
		expect(statusReads().map((r) => r.taskId)).toEqual([newest, oldest, running, running]);
		expect(execution.output!.map((item) => item.json.state)).toEqual([
			'success',
			'success',
			'success',
		]);
	});

	it('a callback calling its task final while APIXO says it runs: 503 (APIXO delivers it again)', async () => {
		sim.planNextTasks({ outcome: 'stuck' }, { outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(2) });
		const [first] = submittedTasks();
		expect(await callBackFor(first, 'success')).toEqual({
			status: 503,
			body: { received: false, retry: true },
		});
		// Without a claim of its own (a prompt), a running task is simply acknowledged.
		expect(await callBackFor(first, 'processing')).toEqual({
			status: 200,
			body: { received: true },
		});
		expect(statusReads().map((r) => r.taskId)).toEqual([first, first]);
		expect(execution.status).toBe('waiting');
	});

	it('every task final but an older one unreadable: 503, the execution waits on', async () => {
		sim.planNextTasks({ outcome: 'stuck' }, { outcome: 'stuck' }, { outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(3) });
		const [oldest] = submittedTasks();
		submittedTasks().forEach(finishQuietly);
		sim.inject({ endpoint: 'status', taskId: oldest, kind: 'http', status: 500, times: Infinity });
		expect(await callBack()).toEqual({ status: 503, body: { received: false, retry: true } });
		expect(execution.status).toBe('waiting');
	});

	it('a slow APIXO (2 s a read) is waited for', async () => {
		sim.planNextTasks({ outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(1) });
		submittedTasks().forEach(finishQuietly);
		sim.inject({ endpoint: 'status', kind: 'delay', delayMs: 2000, times: 2 });
		expect(await callBack()).toEqual({ status: 200, body: { received: true } });
		await execution.finished;
		expect(execution.output!.map((item) => item.json.state)).toEqual(['success']);
	});

	it('two callbacks at once when every task is final: one resume, the other acknowledged without a read', async () => {
		sim.planNextTasks({ outcome: 'stuck' }, { outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(2) });
		submittedTasks().forEach(finishQuietly);
		// The first decision's first read takes a while: the second callback surely arrives
		// while it runs, and waits its turn.
		sim.inject({ endpoint: 'status', kind: 'delay', delayMs: 1500, times: 1 });
		const answers = await Promise.all([callBack(), callBack()]);
		expect(answers).toEqual([
			{ status: 200, body: { received: true } },
			{ status: 200, body: { received: true } },
		]);
		await execution.finished;
		expect(execution.output!.map((item) => item.json.state)).toEqual(['success', 'success']);
		// One look at the batch (oldest first); the second callback found it decided.
		expect(statusReads().map((r) => r.taskId)).toEqual(submittedTasks());
		expect(execution.calls).toEqual([
			{ status: 200, body: { received: true } },
			{ status: 200, body: { received: true } },
		]);
	});

	it('a callback arriving while a queued one is decided waits for it too: never two reads at once', async () => {
		sim.planNextTasks({ outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(1) });
		sim.inject({ endpoint: 'status', kind: 'delay', delayMs: 1000, times: Infinity });
		const first = [callBack(), callBack()];
		// The first decision is over, the second reads: a third callback comes in now.
		await until(() => sim.count('status') === 2);
		const answers = await Promise.all([...first, callBack()]);
		expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
		const reads = statusReads();
		expect(reads).toHaveLength(3);
		for (let n = 1; n < reads.length; n++)
			expect(reads[n].receivedAt).toBeGreaterThanOrEqual(reads[n - 1].respondedAt!);
		expect(execution.status).toBe('waiting');
	});

	it('an unexpected error is logged and acknowledged, never thrown: the execution waits on', async () => {
		const warnings: string[] = [];
		observe({
			secret: () => undefined,
			otherHost: () => undefined,
			text: (source, value) => {
				if (source === 'log.warn') warnings.push(String(value));
			},
		});
		sim.planNextTasks({ outcome: 'stuck' });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(1) });
		submittedTasks().forEach(finishQuietly);
		const evaluate = WebhookContext.prototype.evaluateExpression;
		const spy = jest
			.spyOn(WebhookContext.prototype, 'evaluateExpression')
			.mockImplementation(function (this: WebhookContext, expression, itemIndex) {
				if (expression.includes('$input')) throw new Error('the parked items are gone');
				return evaluate.call(this, expression, itemIndex);
			});
		try {
			expect(await callBack()).toEqual({ status: 200, body: { received: true } });
		} finally {
			spy.mockRestore();
		}
		expect(execution.status).toBe('waiting');
		expect(warnings).toContain(
			`Seedance Mini: a callback could not be handled; the execution waits on ${JSON.stringify({
				executionId: execution.id,
				error: 'the parked items are gone',
			})}`,
		);
	});
});

describe('callbacks in any completion order: at most 2 status reads a task', () => {
	const N = 20;
	/** Task i of the batch finishes rank(i)-th; a fixed shuffle for "random". */
	const ranks: Record<string, (i: number) => number> = {
		'newest first': (i) => N - 1 - i,
		'oldest first': (i) => i,
		random: (i) => [7, 13, 2, 18, 0, 11, 5, 16, 9, 3, 19, 1, 14, 6, 10, 17, 4, 12, 8, 15][i],
	};
	it.each(Object.keys(ranks))('%s, 20 tasks called back by APIXO', async (order) => {
		// 150 ms apart: submits (a few ms each, even on a busy machine) cannot change the order.
		sim.planNextTasks(
			...Array.from({ length: N }, (_, i) => ({
				pendingMs: 0,
				processingMs: 600 + 150 * ranks[order](i),
			})),
		);
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(N) });
		await execution.finished;
		expect(execution.output!.map((item) => item.json.state)).toEqual(Array(N).fill('success'));
		const finished = [...sim.tasks.values()]
			.map((task) => ({ taskId: task.taskId, at: sim.taskData(task.taskId)!.completeTime! }))
			.sort((a, b) => a.at - b.at)
			.map((task) => task.taskId);
		const expected = submittedTasks();
		if (order === 'newest first') expected.reverse();
		if (order !== 'random') expect(finished).toEqual(expected);
		expect(sim.count('status')).toBeLessThanOrEqual(2 * N);
	});
});

describe('every park resumes', () => {
	it('the same execution parking again (a loop): the second batch resumes on its callbacks', async () => {
		const first = await n8n.execute({ node, parameters: pauseParams(), items: items(1) });
		await first.finished;
		expect(first.output!.map((item) => item.json.state)).toEqual(['success']);
		const second = await n8n.execute({
			node,
			parameters: pauseParams(),
			items: items(2),
			executionId: first.id,
		});
		expect(second.status).toBe('waiting');
		await second.finished;
		expect(second.output!.map((item) => item.json.state)).toEqual(['success', 'success']);
		expect(second.output!.map((item) => item.json.taskId)).toEqual(submittedTasks().slice(1));
	});

	it('nothing accepted (every submit refused, Continue On Fail): no park, the items come out at once', async () => {
		sim.inject({ endpoint: 'submit', kind: 'http', status: 402, times: Infinity });
		const execution = await n8n.execute({
			node,
			parameters: pauseParams(),
			items: items(2),
			continueOnFail: true,
		});
		expect(execution.status).toBe('success');
		expect(execution.waitTill).toBeUndefined();
		expect(execution.output!.map((item) => String(item.json.error))).toEqual([
			expect.stringContaining('402'),
			expect.stringContaining('402'),
		]);
		expect(sim.tasks.size).toBe(0);
	});
});

describe('refused before anything is submitted', () => {
	/** One item in pause mode, run outside the waiting stand-in, with n8n's waiting URL as given. */
	const runWith = (additionalData: RunNodeOptions['additionalData'], baseUrl = sim.baseUrl) =>
		runNode({
			node,
			parameters: pauseParams(),
			items: items(1),
			credentials: { apixoApi: { apiKey: API_KEY, baseUrl } },
			additionalData,
		});

	it("n8n's resume URL neither https nor loopback: says to set WEBHOOK_URL", async () => {
		const result = await runWith({
			webhookWaitingBaseUrl: 'http://n8n.internal.example:5678/webhook-waiting',
		});
		expect(result.error!.message).toContain('public https address');
		expect(String((result.error as unknown as IDataObject).description)).toContain('WEBHOOK_URL');
		expect(sim.count()).toBe(0);
	});

	it.each([
		['APIXO', 'https://api.apixo.ai/api/v1'],
		// A proxy in front of APIXO could never call this machine back either.
		['a proxy', 'https://apixo-proxy.example.com/api/v1'],
		['a stand-in on the private network', 'http://10.0.0.5/api/v1'],
	])('%s never gets a plain http resume URL, loopback or not', async (_, baseUrl) => {
		// Never the real APIXO, even when this check is broken; nor a balance read (Budget).
		const submit = jest.spyOn(transport, 'submitTask').mockRejectedValue(new Error('submitted'));
		const balance = jest.spyOn(transport, 'getBalance').mockRejectedValue(new Error('read'));
		try {
			const result = await runNode({
				node,
				parameters: pauseParams({ budgetUsd: 10 }),
				items: items(1),
				credentials: { apixoApi: { apiKey: API_KEY, baseUrl } },
				additionalData: { webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting' },
			});
			expect(result.error!.message).toBe(
				'Pause mode needs a public https address for n8n, not http://127.0.0.1:5678',
			);
			expect(submit).not.toHaveBeenCalled();
			expect(balance).not.toHaveBeenCalled();
		} finally {
			submit.mockRestore();
			balance.mockRestore();
		}
	});

	it('a resume URL n8n would swap for a generic text is named as it is (defect)', async () => {
		// n8n's errors read "eperm" anywhere as EPERM: "Operation not permitted ...".
		const result = await runWith({
			webhookWaitingBaseUrl: 'ftp://keeperm.example/webhook-waiting',
		});
		expect(result.error!.message).toBe(
			'Pause mode needs a public https address for n8n, not ftp://keeperm.example',
		);
		expect(sim.count()).toBe(0);
	});

	it('a loopback resume URL that is not http: refused, even with a local APIXO', async () => {
		const result = await runWith({ webhookWaitingBaseUrl: 'ftp://127.0.0.1/webhook-waiting' });
		expect(result.error!.message).toBe(
			'Pause mode needs a public https address for n8n, not ftp://127.0.0.1',
		);
		expect(sim.count()).toBe(0);
	});

	it('no resume URL from n8n: says to use Poll', async () => {
		// n8n builds $execution.resumeUrl as `${webhookWaitingBaseUrl}/${executionId}`.
		const result = await runWith({ webhookWaitingBaseUrl: '' });
		expect(result.error!.message).toBe('Pause mode needs n8n’s resume URL');
		expect(String((result.error as unknown as IDataObject).description)).toBe(
			'n8n gave no resume URL for this execution. Use Wait Mode "Poll" instead.',
		);
		expect(sim.count()).toBe(0);
	});

	it('a resume URL ending in slashes: the node id follows after one', async () => {
		// An empty execution id: the resume URL is `https://n8n.example.com/webhook-waiting//`.
		const result = await runWith({
			webhookWaitingBaseUrl: 'https://n8n.example.com/webhook-waiting/',
			executionId: '',
		});
		expect(result.error).toBeUndefined();
		const [submit] = sim.requests.filter((r) => r.endpoint === 'submit');
		expect(String((submit.body as IDataObject).callback_url)).toMatch(
			/^https:\/\/n8n\.example\.com\/webhook-waiting\/node-under-test\?apixo_key=[\w-]{32}$/,
		);
	});

	it('https resume URL: accepted, and the callback keeps its query (a signature on newer n8n)', async () => {
		const result = await runWith({
			webhookWaitingBaseUrl: 'https://n8n.example.com/webhook-waiting',
		});
		expect(result.error).toBeUndefined();
		const [submit] = sim.requests.filter((r) => r.endpoint === 'submit');
		expect(String((submit.body as IDataObject).callback_url)).toMatch(
			/^https:\/\/n8n\.example\.com\/webhook-waiting\/exec-1\/node-under-test\?apixo_key=/,
		);
	});

	it('Download Video with pause says what to do instead', async () => {
		const execution = await n8n.execute({
			node,
			parameters: pauseParams({ downloadVideo: true }),
			items: items(1),
		});
		expect(execution.error!.message).toContain('Download Video does not work with Wait Mode');
		expect(String((execution.error as unknown as IDataObject).description)).toContain('Get Status');
		expect(sim.count()).toBe(0);
	});
});
