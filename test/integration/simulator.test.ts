/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/**
 * The simulator over real HTTP: it must behave like the API page, or the node tests prove
 * nothing. The validation table is checked here against the simulator, as it is against the
 * client schema in test/unit/contract.test.ts: the two must agree.
 */
import http from 'node:http';

import { validateSubmitBody } from '../../nodes/apixo/contract';
import { VALIDATION_TABLE } from '../fixtures/validation-table';
import { startSimulator, type Simulator } from '../simulator/server';

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
	it('answers 401 without a valid Bearer key', async () => {
		const missing = await call('/apikeys/current-balance');
		const wrong = await call('/apikeys/current-balance', {
			headers: { authorization: 'Bearer nope' },
		});
		expect([missing.status, wrong.status]).toEqual([401, 401]);
		expect(missing.body).toEqual({ code: 401, message: 'Missing or invalid API key' });
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
		expect(sim.tasks.size).toBe(0);
	});

	it('moves a task pending → processing → success with resultJson as a string', async () => {
		const { body } = await submit();
		const taskId = body.data.taskId;
		expect(taskId).toMatch(/^task_[0-9a-f]{16}$/);
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

	it('404 for an unknown task, 400 without taskId', async () => {
		expect((await status('task_0000')).status).toBe(404);
		expect((await call('/statusTask/seedance-2-0-mini', { headers: auth })).status).toBe(400);
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
		await status('task_x');
		await call('/apikeys/current-balance', { headers: auth });
		expect([sim.count(), sim.count('submit'), sim.count('status'), sim.count('balance')]).toEqual([
			3, 1, 1, 1,
		]);
	});
});

describe('validation agrees with the client schema', () => {
	it.each(VALIDATION_TABLE.map((row) => [row.rule, row] as const))('%s', async (_rule, row) => {
		const answer = await submit(row.body);
		const client = validateSubmitBody(row.body, { allowLoopbackHttpCallback: true });
		if (client.ok) {
			expect(answer.status).toBe(200);
			const task = sim.tasks.get(answer.body.data.taskId)!;
			expect(task.body).toEqual(client.body);
		} else {
			expect(answer.status).toBe(400);
			expect(answer.body).toEqual({ code: 400, message: client.message });
			expect(sim.tasks.size).toBe(0);
		}
	});
});

describe('reference media durations (the rows the client cannot check without the files)', () => {
	const omni = (video: string[], audio: string[] = []) => ({
		input: {
			mode: 'omni_reference',
			prompt: 'x',
			duration: 4,
			resolution: '480p',
			video_urls: video,
			...(audio.length ? { audio_urls: audio } : {}),
		},
	});
	const clip = (seconds: number, kind = 'mp4') =>
		`https://media.example.com/c.${kind}?seconds=${seconds}`;

	it.each([
		[
			'a video shorter than 2 s',
			omni([clip(1)]),
			'input.video_urls.0 must be a video file of 2 to 15 seconds (got 1 s)',
		],
		[
			'a video longer than 15 s',
			omni([clip(16)]),
			'input.video_urls.0 must be a video file of 2 to 15 seconds (got 16 s); input.video_urls must total at most 15 seconds of video (got 16 s)',
		],
		[
			'videos over 15 s in total',
			omni([clip(8), clip(8)]),
			'input.video_urls must total at most 15 seconds of video (got 16 s)',
		],
		[
			'an audio file shorter than 2 s',
			omni([clip(5)], [clip(1.5, 'mp3')]),
			'input.audio_urls.0 must be an audio file of 2 to 15 seconds (got 1.5 s)',
		],
		[
			'audio over 15 s in total',
			omni([clip(5)], [clip(10, 'mp3'), clip(6, 'mp3')]),
			'input.audio_urls must total at most 15 seconds of audio (got 16 s)',
		],
	])('400 for %s, no task', async (_name, body, message) => {
		const answer = await submit(body);
		expect(answer.body).toEqual({ code: 400, message });
		expect(sim.tasks.size).toBe(0);
	});

	it('bills (output + reference video seconds) at the with-video rate', async () => {
		const answer = await submit(omni([clip(6), clip(2)]));
		expect(answer.status).toBe(200);
		// (4 + 8) s × $0.03 = $0.36
		expect(sim.balanceUsd).toBe(99.64);
	});
});

describe('fault injection', () => {
	it('429 with Retry-After in seconds or as a date, then normal again', async () => {
		sim.inject({ endpoint: 'status', kind: 'http', status: 429, retryAfterSeconds: 3 });
		sim.inject({ endpoint: 'status', kind: 'http', status: 429, retryAfterDate: 5 });
		sim.inject({ endpoint: 'status', kind: 'http', status: 429 });
		const first = await status('task_a');
		const second = await status('task_a');
		const third = await status('task_a');
		expect([first.status, second.status, third.status]).toEqual([429, 429, 429]);
		expect(first.headers.get('retry-after')).toBe('3');
		const date = Date.parse(second.headers.get('retry-after')!);
		expect(date - Date.now()).toBeGreaterThan(3000);
		expect(third.headers.get('retry-after')).toBeNull();
		expect((await status('task_a')).status).toBe(404);
	});

	it('faults by task ID and by count', async () => {
		const taskId = (await submit()).body.data.taskId;
		sim.inject({ endpoint: 'status', taskId, kind: 'http', status: 502, times: 2 });
		expect((await status('task_other')).status).toBe(404);
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
