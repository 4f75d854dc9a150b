/**
 * Pause mode in n8n-core's engine, with n8n's waiting route emulated in process
 * (test/harness/waiting.ts) and the simulator calling back over real HTTP. The real n8n (status
 * waiting, restarts, queue mode, signed resume URLs) is in test/e2e and test/queue.
 */
import type { IDataObject } from 'n8n-workflow';

import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { runNode, type RunNodeOptions } from '../../tools/engine';
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
		sim.planNextTasks({ pendingMs: 0, processingMs: 0 });
		sim.inject({ endpoint: 'status', kind: 'hang', times: Infinity });
		const execution = await n8n.execute({ node, parameters: pauseParams(), items: items(1) });
		const [submit] = sim.requests.filter((r) => r.endpoint === 'submit');
		const started = Date.now();
		const answer = await fetch(String((submit.body as IDataObject).callback_url), {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: '{}',
		});
		expect(answer.status).toBe(503);
		expect(Date.now() - started).toBeLessThan(30_000);
		expect(execution.status).toBe('waiting');
	}, 60_000);
});

describe('refused before anything is submitted', () => {
	it("n8n's resume URL neither https nor loopback: says to set WEBHOOK_URL", async () => {
		const result = await runNode({
			node,
			parameters: pauseParams(),
			items: items(1),
			credentials: { apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
			additionalData: { webhookWaitingBaseUrl: 'http://n8n.internal.example:5678/webhook-waiting' },
		});
		expect(result.error!.message).toContain('public https address');
		expect(String((result.error as unknown as IDataObject).description)).toContain('WEBHOOK_URL');
		expect(sim.count()).toBe(0);
	});

	it('https resume URL: accepted, and the callback keeps its query (a signature on newer n8n)', async () => {
		const result = await runNode({
			node,
			parameters: pauseParams(),
			items: items(1),
			credentials: { apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
			additionalData: { webhookWaitingBaseUrl: 'https://n8n.example.com/webhook-waiting' },
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
