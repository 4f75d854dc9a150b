/**
 * The simulator over real HTTP: it must behave like the API page, or the node tests prove
 * nothing. The validation table is checked here against the simulator, as it is against the
 * client schema in test/unit/contract.test.ts: two independent readings that must agree.
 */
import http from 'node:http';

import {
	clientVerdict,
	disagreement,
	judge,
	VALIDATION_TABLE,
	type Verdict,
} from '../fixtures/validation-table';
import { startSimulator, type Simulator } from '../../tools/simulator/server';
import { PRICE_PER_SECOND, refusedPath } from '../../tools/simulator/validation';

const KEY = 'sim-test-key';
let sim: Simulator;

beforeAll(async () => {
	sim = await startSimulator({
		apiKeys: [KEY],
		timing: { pendingMs: 60, processingMs: 120 },
		resultBytes: 300_000,
		callback: { timeoutMs: 1000, retryDelaysMs: [50, 100, 150] },
	});
});
afterAll(async () => await sim.close());
beforeEach(() => {
	sim.reset();
	sim.balanceUsd = 100;
});

const auth = { authorization: `Bearer ${KEY}` };
const json = { ...auth, 'content-type': 'application/json' };
const t2v = { input: { mode: 'text-to-video', prompt: 'a fox', duration: 4, resolution: '480p' } };
const TASK_ID = /^[0-9a-f]{32}$/;
const balance = (key = KEY) =>
	call('/apikeys/current-balance', { headers: { authorization: `Bearer ${key}` } });

async function call(path: string, init: RequestInit = {}) {
	const response = await fetch(`${sim.baseUrl}${path}`, init);
	const text = await response.text();
	let body: any;
	try {
		body = JSON.parse(text);
	} catch {
		body = text;
	}
	return { status: response.status, headers: response.headers, body };
}
const submit = (body: unknown = t2v) =>
	call('/generateTask/seedance-2-0-mini', {
		method: 'POST',
		headers: json,
		body: JSON.stringify(body),
	});
const status = (taskId: string) =>
	call(`/statusTask/seedance-2-0-mini?taskId=${taskId}`, { headers: auth });

async function until<T>(
	fn: () => Promise<T>,
	done: (value: T) => boolean,
	ms = 10_000,
): Promise<T> {
	const end = Date.now() + ms;
	for (;;) {
		const value = await fn();
		if (done(value) || Date.now() > end) return value;
		await new Promise((r) => setTimeout(r, 15));
	}
}

describe('API behaviour', () => {
	it('answers 401 without a valid Bearer key, in the {code, message, data: {error}} shape', async () => {
		const missing = await call('/apikeys/current-balance');
		const wrong = await balance('nope');
		expect([missing.status, wrong.status]).toEqual([401, 401]);
		expect(missing.body).toEqual({
			code: 401,
			message: 'Missing or invalid API key',
			data: { error: expect.stringContaining('Authorization') },
		});
		expect(wrong.body.data.error).toBe('Invalid API key');
		const submitted = await call('/generateTask/seedance-2-0-mini', {
			method: 'POST',
			headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
			body: JSON.stringify(t2v),
		});
		expect(submitted.status).toBe(401);
	});

	it('the balance endpoint can answer 403 for a wrong key (wrongKeyStatus)', async () => {
		const strict = await startSimulator({ apiKeys: [KEY], wrongKeyStatus: 403 });
		try {
			const wrong = await fetch(`${strict.baseUrl}/apikeys/current-balance`, {
				headers: { authorization: 'Bearer nope' },
			});
			expect(wrong.status).toBe(403);
			expect(await wrong.json()).toMatchObject({ code: 403, data: { error: 'Invalid API key' } });
			const missing = await fetch(`${strict.baseUrl}/apikeys/current-balance`);
			expect(missing.status).toBe(401);
			const status = await fetch(`${strict.baseUrl}/statusTask/seedance-2-0-mini?taskId=x`, {
				headers: { authorization: 'Bearer nope' },
			});
			expect(status.status).toBe(401);
		} finally {
			await strict.close();
		}
	});

	it('reads the balance and bills each accepted task', async () => {
		expect((await call('/apikeys/current-balance', { headers: auth })).body).toEqual({
			code: 200,
			message: 'success',
			data: 100,
		});
		await submit();
		expect((await call('/apikeys/current-balance', { headers: auth })).body.data).toBe(99.81);
	});

	it('answers 402 when the balance cannot pay, creating nothing', async () => {
		sim.balanceUsd = 0.1;
		const answer = await submit();
		expect(answer.status).toBe(402);
		expect(answer.body).toEqual({
			code: 402,
			message: 'Insufficient balance',
			data: { error: 'Insufficient balance: the task costs $0.19, the balance is $0.1' },
		});
		expect(sim.tasks.size).toBe(0);
	});

	it('moves a task pending → processing → success with resultJson as a string', async () => {
		const { body } = await submit();
		const taskId = body.data.taskId;
		expect(taskId).toMatch(TASK_ID);
		const seen = new Set<string>();
		const final = await until(
			() => status(taskId),
			(s) => (seen.add(s.body.data.state), s.body.data.state === 'success'),
		);
		expect([...seen]).toEqual(['pending', 'processing', 'success']);
		expect(typeof final.body.data.resultJson).toBe('string');
		const urls = JSON.parse(final.body.data.resultJson).resultUrls;
		expect(urls).toEqual([`${sim.fileOrigin}/files/${taskId}.mp4`]);
		expect(final.body.data.costTime).toBe(
			final.body.data.completeTime - final.body.data.createTime,
		);
	});

	it('plays task plans: failed with a failCode, stuck, malformed resultJson, several URLs', async () => {
		sim.planNextTasks(
			{ outcome: 'failed', failCode: 'SensitiveContent', failMsg: 'nope' },
			{ outcome: 'stuck' },
			{ resultJson: 'not json' },
			{ resultUrlCount: 2 },
		);
		const ids = [];
		for (let i = 0; i < 4; i++) ids.push((await submit()).body.data.taskId);
		await new Promise((r) => setTimeout(r, 250));
		const [failed, stuck, broken, two] = await Promise.all(ids.map(status));
		expect(failed.body.data).toMatchObject({
			state: 'failed',
			failCode: 'SensitiveContent',
			failMsg: 'nope',
		});
		expect(stuck.body.data.state).toBe('processing');
		expect(broken.body.data).toMatchObject({ state: 'success', resultJson: 'not json' });
		expect(JSON.parse(two.body.data.resultJson).resultUrls).toHaveLength(2);
	});

	it('plays in-progress states other than pending/processing, upper-case states, no costTime', async () => {
		sim.planNextTasks(
			{ runningStates: ['pending', 'processing_r2'] },
			{ stateCase: 'upper', outcome: 'failed', failCode: 'INSUFFICIENT_CREDITS' },
			{ stateCase: 'upper', omitCostTime: true },
		);
		const [r2, upper, noCost] = [
			(await submit()).body.data.taskId,
			(await submit()).body.data.taskId,
			(await submit()).body.data.taskId,
		];
		const seen = new Set<string>();
		const upperSeen = new Set<string>();
		await until(
			async () => [(await status(r2)).body.data.state, (await status(upper)).body.data.state],
			([a, b]) => (seen.add(a), upperSeen.add(b), a === 'success' && b === 'FAILED'),
		);
		expect([...seen]).toEqual(['pending', 'processing_r2', 'success']);
		expect([...upperSeen]).toEqual(['PENDING', 'PROCESSING', 'FAILED']);
		expect((await status(upper)).body.data).toMatchObject({
			failCode: 'INSUFFICIENT_CREDITS',
			costTime: expect.any(Number),
		});
		const done = (await status(noCost)).body.data;
		expect(done).toMatchObject({ state: 'SUCCESS', completeTime: expect.any(Number) });
		expect(done).not.toHaveProperty('costTime');
		// The file host and callbacks read the state whatever its case.
		const url = JSON.parse(done.resultJson).resultUrls[0];
		expect((await fetch(url)).status).toBe(200);
		expect(sim.taskData(noCost)!.state).toBe('SUCCESS');
	});

	it('404 for an unknown task, 400 without taskId, both with a detail', async () => {
		const unknown = 'f'.repeat(32);
		expect(await status(unknown)).toMatchObject({
			status: 404,
			body: { code: 404, message: 'Task not found', data: { error: `Task not found: ${unknown}` } },
		});
		expect(await call('/statusTask/seedance-2-0-mini', { headers: auth })).toMatchObject({
			status: 400,
			body: {
				code: 400,
				message: 'Invalid request',
				data: { error: 'Missing required field: taskId' },
			},
		});
	});

	it('400 for a body that is not JSON, and 404 for another model, with a detail', async () => {
		const text = await call('/generateTask/seedance-2-0-mini', {
			method: 'POST',
			headers: json,
			body: 'mode=text-to-video',
		});
		expect(text.status).toBe(400);
		expect(refusedPath(text.body.data.error)).toBe('body');
		const other = await call('/generateTask/seedance-2-0', {
			method: 'POST',
			headers: json,
			body: '{}',
		});
		expect(other.body).toMatchObject({
			code: 404,
			data: { error: 'Model not found: seedance-2-0' },
		});
	});

	it('serves the result from another host, streamed, as video/mp4', async () => {
		const taskId = (await submit()).body.data.taskId;
		const done = await until(
			() => status(taskId),
			(s) => s.body.data.state === 'success',
		);
		const url = JSON.parse(done.body.data.resultJson).resultUrls[0];
		expect(new URL(url).origin).not.toBe(new URL(sim.baseUrl).origin);
		const response = await fetch(url);
		const bytes = Buffer.from(await response.arrayBuffer());
		expect(response.headers.get('content-type')).toBe('video/mp4');
		expect(bytes.length).toBe(300_000);
		expect(bytes.subarray(4, 8).toString()).toBe('ftyp');
		expect(sim.requests.at(-1)).toMatchObject({ endpoint: 'file', taskId });
	});

	it('counts every request by endpoint', async () => {
		await submit();
		await status('0'.repeat(32));
		await call('/apikeys/current-balance', { headers: auth });
		expect([sim.count(), sim.count('submit'), sim.count('status'), sim.count('balance')]).toEqual([
			3, 1, 1, 1,
		]);
	});
});

/** What the simulator did with a body, after checking its answer has APIXO's shape. */
async function simulatorVerdict(body: unknown): Promise<Verdict> {
	const answer = await submit(body);
	if (answer.status === 200) {
		expect(answer.body).toEqual({
			code: 200,
			message: 'success',
			data: { taskId: expect.stringMatching(TASK_ID) },
		});
		return { accepted: true, body: sim.tasks.get(answer.body.data.taskId)!.body };
	}
	expect(answer.status).toBe(400);
	expect(answer.body).toEqual({
		code: 400,
		message: 'Invalid request',
		data: { error: expect.any(String) },
	});
	expect(sim.tasks.size).toBe(0);
	const error: string = answer.body.data.error;
	return {
		accepted: false,
		refusals: [{ path: refusedPath(error) ?? '(no field named)', message: error }],
	};
}

describe('validation follows the table, and agrees with the client schema', () => {
	it.each(VALIDATION_TABLE.map((row) => [row.rule, row] as const))('%s', async (_rule, row) => {
		const simulator = await simulatorVerdict(row.body);
		const client = clientVerdict(row.body);
		expect([
			...judge(row, 'simulator', simulator),
			...disagreement(row, client, simulator),
		]).toEqual([]);
	});

	it('names one problem, the first, the way APIXO does', async () => {
		const answer = await submit({ input: { mode: 'text-to-video', duration: 99 } });
		expect(answer.body.data).toEqual({ error: 'Missing required field: input.prompt' });
	});
});

describe('billing (the billing table)', () => {
	const omni = (video: string[], resolution = '480p') => ({
		input: { mode: 'omni_reference', prompt: 'x', duration: 4, resolution, video_urls: video },
	});
	const clip = (seconds: number) => `https://media.example.com/c.mp4?seconds=${seconds}`;
	const paid = async (body: unknown) => {
		const before = sim.balanceUsd;
		expect((await submit(body)).status).toBe(200);
		return Math.round((before - sim.balanceUsd) * 1e6) / 1e6;
	};

	it('has the four rates', () => {
		expect(PRICE_PER_SECOND).toEqual({
			'480p': { withoutVideo: 0.0475, withVideo: 0.03 },
			'720p': { withoutVideo: 0.1025, withVideo: 0.0625 },
		});
	});

	it('bills output seconds × the no-video rate without video references', async () => {
		expect(await paid(t2v)).toBe(0.19);
		expect(await paid({ input: { mode: 'text-to-video', prompt: 'x', duration: 10 } })).toBe(1.025);
		const images = {
			input: { mode: 'omni_reference', prompt: 'x', duration: 4, image_urls: ['https://a/b.png'] },
		};
		expect(await paid(images)).toBe(0.41);
		// Ignored video_urls outside omni_reference do not switch to the with-video rate.
		expect(await paid({ input: { ...t2v.input, video_urls: [clip(6)] } })).toBe(0.19);
	});

	it('bills (output + reference video seconds) × the with-video rate', async () => {
		// (4 + 8) s × $0.03 = $0.36
		expect(await paid(omni([clip(6), clip(2)]))).toBe(0.36);
		// (4 + 10) s × $0.0625
		expect(await paid(omni([clip(10)], '720p'))).toBe(0.875);
		// A reference of unknown length adds nothing the simulator could measure.
		expect(await paid(omni(['https://media.example.com/unknown.mp4']))).toBe(0.12);
	});

	it('knows its own /media fixtures by name', async () => {
		expect(await paid(omni([`${sim.fileOrigin}/media/video-3s.mp4`]))).toBe(0.21);
		const long = await submit(omni([`${sim.fileOrigin}/media/video-16s.mp4`]));
		expect(long.body.data.error).toContain('input.video_urls.0');
	});
});

describe('fault injection', () => {
	it('429 with Retry-After in seconds or as a date, then normal again', async () => {
		sim.inject({ endpoint: 'status', kind: 'http', status: 429, retryAfterSeconds: 3 });
		sim.inject({ endpoint: 'status', kind: 'http', status: 429, retryAfterDate: 5 });
		sim.inject({ endpoint: 'status', kind: 'http', status: 429 });
		const first = await status('a'.repeat(32));
		const second = await status('a'.repeat(32));
		const third = await status('a'.repeat(32));
		expect([first.status, second.status, third.status]).toEqual([429, 429, 429]);
		expect(first.headers.get('retry-after')).toBe('3');
		const date = Date.parse(second.headers.get('retry-after')!);
		expect(date - Date.now()).toBeGreaterThan(3000);
		expect(third.headers.get('retry-after')).toBeNull();
		expect((await status('a'.repeat(32))).status).toBe(404);
		expect(first.body).toEqual({
			code: 429,
			message: 'Rate limit reached, slow down',
			data: { error: 'Rate limit or concurrency limit reached' },
		});
	});

	it('error bodies: a message and a data of choice, data left out, or not JSON at all', async () => {
		sim.inject({
			endpoint: 'submit',
			kind: 'http',
			status: 502,
			data: { error: 'provider failed', provider_error_id: 'prov-123' },
		});
		sim.inject({
			endpoint: 'submit',
			kind: 'http',
			status: 403,
			message: 'route denied',
			data: null,
		});
		sim.inject({
			endpoint: 'submit',
			kind: 'http',
			status: 502,
			rawBody: '<html><body><h1>502 Bad Gateway</h1></body></html>',
		});
		sim.inject({ endpoint: 'submit', kind: 'http', status: 500, rawBody: '' });
		const provider = await submit();
		expect(provider).toMatchObject({
			status: 502,
			body: {
				code: 502,
				message: 'Upstream error',
				data: { error: 'provider failed', provider_error_id: 'prov-123' },
			},
		});
		const bare = await submit();
		expect([bare.status, bare.body]).toEqual([403, { code: 403, message: 'route denied' }]);
		const html = await submit();
		expect(html.status).toBe(502);
		expect(html.headers.get('content-type')).toBe('text/html');
		expect(html.body).toContain('502 Bad Gateway');
		const empty = await submit();
		expect([empty.status, empty.body]).toEqual([500, '']);
		expect(sim.tasks.size).toBe(0);
	});

	it('faults by task ID and by count', async () => {
		const taskId = (await submit()).body.data.taskId;
		sim.inject({ endpoint: 'status', taskId, kind: 'http', status: 502, times: 2 });
		expect((await status('b'.repeat(32))).status).toBe(404);
		expect((await status(taskId)).status).toBe(502);
		expect((await status(taskId)).status).toBe(502);
		expect((await status(taskId)).status).toBe(200);
	});

	it('a 429 on submit creates nothing; a 500 can be told to create the task first', async () => {
		sim.inject({ endpoint: 'submit', kind: 'http', status: 429 });
		sim.inject({ endpoint: 'submit', kind: 'http', status: 500, createTask: true });
		expect((await submit()).status).toBe(429);
		expect(sim.tasks.size).toBe(0);
		expect((await submit()).status).toBe(500);
		expect(sim.tasks.size).toBe(1);
	});

	it('resets, malformed JSON, wrong shape and delays', async () => {
		sim.inject({ endpoint: 'balance', kind: 'reset' });
		await expect(call('/apikeys/current-balance', { headers: auth })).rejects.toThrow();
		sim.inject({ endpoint: 'balance', kind: 'malformedJson' });
		const malformed = await call('/apikeys/current-balance', { headers: auth });
		expect(typeof malformed.body).toBe('string');
		sim.inject({ endpoint: 'balance', kind: 'wrongShape' });
		expect((await call('/apikeys/current-balance', { headers: auth })).body.data).toEqual({
			unexpected: true,
		});
		sim.inject({ endpoint: 'balance', kind: 'delay', delayMs: 200 });
		const started = Date.now();
		expect((await call('/apikeys/current-balance', { headers: auth })).status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(190);
	});

	it('hangs until the client gives up', async () => {
		sim.inject({ endpoint: 'balance', kind: 'hang' });
		await expect(
			call('/apikeys/current-balance', { headers: auth, signal: AbortSignal.timeout(200) }),
		).rejects.toThrow();
		expect(sim.requests.at(-1)!.status).toBeUndefined();
	});

	it('is driven out of process through /__sim', async () => {
		await fetch(`${sim.origin}/__sim/faults`, {
			method: 'POST',
			body: JSON.stringify({ endpoint: 'balance', kind: 'http', status: 503 }),
		});
		await fetch(`${sim.origin}/__sim/plans`, {
			method: 'POST',
			body: JSON.stringify([{ outcome: 'failed', failCode: 'Timeout' }]),
		});
		expect((await call('/apikeys/current-balance', { headers: auth })).status).toBe(503);
		const taskId = (await submit()).body.data.taskId;
		const tasks = (await (await fetch(`${sim.origin}/__sim/tasks`)).json()) as { data: any[] };
		expect(tasks.data[0]).toMatchObject({ taskId, plan: { failCode: 'Timeout' } });
		const log = (await (await fetch(`${sim.origin}/__sim/requests`)).json()) as { data: any[] };
		expect(log.data.map((r: { endpoint: string }) => r.endpoint)).toEqual(['balance', 'submit']);
		await fetch(`${sim.origin}/__sim/reset`, { method: 'POST' });
		expect(sim.tasks.size).toBe(0);
	});
});

describe('callbacks', () => {
	let receiver: http.Server;
	let answers: number[];
	let received: any[];
	let url: string;

	beforeEach(async () => {
		answers = [];
		received = [];
		receiver = http.createServer((req, res) => {
			let body = '';
			req.on('data', (c) => (body += c));
			req.on('end', () => {
				received.push({ body: JSON.parse(body), type: req.headers['content-type'] });
				res.statusCode = answers.shift() ?? 200;
				res.end();
			});
		});
		await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
		url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook?token=x`;
	});
	afterEach(() => {
		receiver.closeAllConnections();
		receiver.close();
	});

	const callbackTask = async () =>
		(await submit({ ...t2v, request_type: 'callback', callback_url: url })).body.data
			.taskId as string;

	it('posts the status envelope once the task is final', async () => {
		const taskId = await callbackTask();
		await until(
			async () => received.length,
			(n) => n > 0,
		);
		expect(received[0].type).toBe('application/json');
		expect(received[0].body).toMatchObject({
			code: 200,
			message: 'success',
			data: { taskId, state: 'success' },
		});
		expect(typeof received[0].body.data.resultJson).toBe('string');
	});

	it('retries up to 3 times while the receiver does not answer 200', async () => {
		answers = [500, 503, 404, 500];
		const taskId = await callbackTask();
		await until(
			async () => sim.deliveries.length,
			(n) => n >= 4,
		);
		await new Promise((r) => setTimeout(r, 300));
		expect(sim.deliveries.map((d) => d.status)).toEqual([500, 503, 404, 500]);
		expect(sim.deliveries.every((d) => d.taskId === taskId)).toBe(true);
	});

	it('stops retrying after a 200, and deliver() sends a duplicate on demand', async () => {
		answers = [500];
		const taskId = await callbackTask();
		await until(
			async () => sim.deliveries.length,
			(n) => n >= 2,
		);
		await new Promise((r) => setTimeout(r, 300));
		expect(sim.deliveries.map((d) => d.status)).toEqual([500, 200]);
		expect(await sim.deliver(taskId)).toBe(200);
		expect(received).toHaveLength(3);
		expect(received[2].body).toEqual(received[1].body);
	});

	it('records a receiver that cannot be reached', async () => {
		receiver.close();
		await submit({ ...t2v, request_type: 'callback', callback_url: 'http://127.0.0.1:1/none' });
		await until(
			async () => sim.deliveries.length,
			(n) => n >= 4,
		);
		expect(sim.deliveries[0].error).toBeDefined();
	});
});

it('close() leaves no server, socket or timer behind', async () => {
	const other = await startSimulator({ timing: { pendingMs: 10_000, processingMs: 10_000 } });
	other.inject({ endpoint: 'balance', kind: 'hang' });
	const hung = fetch(`${other.baseUrl}/apikeys/current-balance`, {
		headers: { authorization: 'Bearer sim-key' },
	}).catch(() => 'closed');
	await until(
		async () => other.requests.length,
		(n) => n > 0,
	);
	await other.close();
	expect(await hung).toBe('closed');
	await expect(fetch(`${other.baseUrl}/apikeys/current-balance`)).rejects.toThrow();
});
