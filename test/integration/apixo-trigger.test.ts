/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/**
 * The APIXO Trigger over real HTTP in n8n-core's WebhookContext: what starts a run, what is
 * refused, what is acknowledged and ignored — and that nothing ever answers 5xx.
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import { ApixoTrigger } from '../../nodes/ApixoTrigger/ApixoTrigger.node';
import { RecentDeliveries, tokenMatches } from '../../nodes/ApixoTrigger/delivery';
import { startTriggerServer, type TriggerServer } from '../harness/webhook';
import { startSimulator, type Simulator } from '../simulator/server';

const trigger = new ApixoTrigger();
const KEY = 'sk-trigger-SECRET-5555';
let sim: Simulator;
const servers: TriggerServer[] = [];

beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [KEY], timing: { pendingMs: 10, processingMs: 20 } });
});
afterAll(async () => {
	await Promise.all(servers.map((s) => s.close()));
	await sim.close();
});

async function serve(parameters: IDataObject = {}) {
	const server = await startTriggerServer({
		node: trigger,
		parameters: parameters as never,
		credentials: { apixoApi: { apiKey: KEY, baseUrl: sim.baseUrl } },
	});
	servers.push(server);
	return server;
}

const success = (taskId = 'task_abc', urls = ['https://files.example.com/v.mp4']) => ({
	code: 200,
	message: 'success',
	data: {
		taskId,
		state: 'success',
		resultJson: JSON.stringify({ resultUrls: urls }),
		createTime: 1767965610929,
		completeTime: 1767965890929,
		costTime: 280000,
	},
});
const failed = (taskId = 'task_bad') => ({
	code: 200,
	message: 'success',
	data: {
		taskId,
		state: 'failed',
		failCode: 'SensitiveContent',
		failMsg: 'blocked',
		createTime: 1,
		completeTime: 2,
	},
});

async function post(
	server: TriggerServer,
	body: unknown,
	query = '',
	contentType = 'application/json',
) {
	const response = await fetch(`${server.url}${query}`, {
		method: 'POST',
		headers: { 'content-type': contentType },
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await response.text();
	let json: any = text;
	try {
		json = JSON.parse(text);
	} catch {}
	return { status: response.status, body: json };
}

describe('valid deliveries', () => {
	it('answers 200 {"received":true} and emits the parsed result once', async () => {
		const server = await serve();
		const answer = await post(server, success());
		expect(answer).toEqual({ status: 200, body: { received: true } });
		expect(server.executions).toEqual([
			[
				{
					taskId: 'task_abc',
					state: 'success',
					resultUrls: ['https://files.example.com/v.mp4'],
					videoUrl: 'https://files.example.com/v.mp4',
					failCode: null,
					failMsg: null,
					createTime: 1767965610929,
					completeTime: 1767965890929,
					costTime: 280000,
					verified: false,
				},
			],
		]);
	});

	it('emits failed tasks with failCode and failMsg', async () => {
		const server = await serve();
		await post(server, failed());
		expect(server.executions[0][0]).toMatchObject({
			taskId: 'task_bad',
			state: 'failed',
			resultUrls: [],
			videoUrl: null,
			failCode: 'SensitiveContent',
			failMsg: 'blocked',
		});
	});

	it('works for any APIXO model (same shape)', async () => {
		const server = await serve();
		const other = success('task_img');
		(other.data as IDataObject).model = 'some-image-model';
		expect((await post(server, other)).status).toBe(200);
		expect(server.executions).toHaveLength(1);
	});

	it('tolerates a missing code and times sent as numeric strings', async () => {
		const server = await serve();
		const { code: _code, ...noCode } = success('task_loose');
		const body = { ...noCode, data: { ...noCode.data, createTime: '1767965610929' } };
		expect((await post(server, body)).status).toBe(200);
		expect(server.executions[0][0]).toMatchObject({
			taskId: 'task_loose',
			createTime: 1767965610929,
		});
	});

	it('adds the raw payload when asked', async () => {
		const server = await serve({ options: { includeRaw: true } });
		await post(server, success());
		expect(server.executions[0][0].raw).toEqual(success());
	});
});

describe('ignored with 200, no execution', () => {
	it('a second delivery of the same task and state (APIXO retries)', async () => {
		const server = await serve();
		for (let i = 0; i < 4; i++) expect((await post(server, success())).status).toBe(200);
		expect(server.executions).toHaveLength(1);
	});

	it('a retry that arrives after n8n restarted (dedupe lives in static data)', async () => {
		const server = await serve();
		await post(server, success('task_r'));
		server.restart();
		const again = await post(server, success('task_r'));
		expect(again.body).toEqual({ received: true, ignored: 'duplicate delivery' });
		expect(server.executions).toHaveLength(1);
	});

	it('remembers at most dedupeWindow tasks', async () => {
		const server = await serve({ options: { dedupeWindow: 2 } });
		for (const id of ['t1', 't2', 't3', 't1']) await post(server, success(id));
		expect(server.executions.map((run) => run[0].taskId)).toEqual(['t1', 't2', 't3', 't1']);
	});

	it('a state that is not selected', async () => {
		const server = await serve({ states: ['success'] });
		const answer = await post(server, failed());
		expect(answer).toEqual({
			status: 200,
			body: { received: true, ignored: 'state failed is not selected' },
		});
		expect(server.executions).toHaveLength(0);
	});

	it.each(['pending', 'processing'])('a non-final state (%s)', async (state) => {
		const server = await serve();
		const answer = await post(server, {
			code: 200,
			message: 'success',
			data: { taskId: 't', state },
		});
		expect(answer.status).toBe(200);
		expect(server.executions).toHaveLength(0);
	});
});

describe('refused, no execution', () => {
	const malformed: Array<[string, unknown, string]> = [
		['an array', [success()], 'body'],
		['a string', '"hello"', 'body'],
		['no data', { code: 200, message: 'success' }, 'data'],
		['no taskId', { code: 200, data: { state: 'success' } }, 'data.taskId'],
		['no state', { code: 200, data: { taskId: 't' } }, 'data.state'],
		[
			'resultJson not JSON',
			{ code: 200, data: { ...success().data, resultJson: '{oops' } },
			'not valid JSON',
		],
		[
			'resultJson without resultUrls',
			{ code: 200, data: { ...success().data, resultJson: '{"urls":[]}' } },
			'resultUrls',
		],
		[
			'success without resultJson',
			{ code: 200, data: { taskId: 't', state: 'success' } },
			'resultJson is missing',
		],
		[
			'resultJson as an object',
			{ code: 200, data: { ...success().data, resultJson: { resultUrls: [] } } },
			'data.resultJson',
		],
	];

	it.each(malformed)('400 for %s', async (_name, body, words) => {
		const server = await serve();
		const answer = await post(server, body);
		expect(answer.status).toBe(400);
		expect(answer.body.received).toBe(false);
		expect(answer.body.error).toContain(words);
		expect(server.executions).toHaveLength(0);
	});

	it('a body that is not JSON at all is answered 422 before the node (as n8n does)', async () => {
		const server = await serve();
		expect((await post(server, '{not json')).status).toBe(422);
		expect(server.executions).toHaveLength(0);
	});

	it('401 without the token, or with a wrong one; 200 with the right one', async () => {
		const server = await serve({ token: 's3cret-token' });
		expect((await post(server, success())).status).toBe(401);
		expect((await post(server, success(), '?token=wrong')).status).toBe(401);
		expect((await post(server, success(), '?token=s3cret-token-and-more')).status).toBe(401);
		expect(server.executions).toHaveLength(0);
		expect((await post(server, success(), '?token=s3cret-token')).status).toBe(200);
		expect(server.executions).toHaveLength(1);
	});
});

describe('verify with APIXO', () => {
	async function finishedTask() {
		const submit = await fetch(`${sim.baseUrl}/generateTask/seedance-2-0-mini`, {
			method: 'POST',
			headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
			body: JSON.stringify({ input: { mode: 'text-to-video', prompt: 'x', duration: 4 } }),
		});
		const taskId = ((await submit.json()) as any).data.taskId as string;
		for (let i = 0; i < 200 && sim.taskData(taskId)?.state !== 'success'; i++) {
			await new Promise((r) => setTimeout(r, 10));
		}
		return taskId;
	}

	it("a forged body with other URLs yields the API's URLs", async () => {
		const taskId = await finishedTask();
		const server = await serve({ verifyWithApi: true });
		const answer = await post(server, success(taskId, ['https://evil.example.com/x.mp4']));
		expect(answer).toEqual({ status: 200, body: { received: true } });
		const [[item]] = server.executions;
		expect(item.verified).toBe(true);
		expect(item.resultUrls).toEqual([`${sim.fileOrigin}/files/${taskId}.mp4`]);
		const read = sim.requests.filter((r) => r.endpoint === 'status' && r.taskId === taskId);
		expect(read).toHaveLength(1);
		expect(read[0].headers.authorization).toBe(`Bearer ${KEY}`);
	});

	it('a task APIXO does not know starts nothing', async () => {
		const server = await serve({ verifyWithApi: true });
		const answer = await post(server, success('task_forged'));
		expect(answer.status).toBe(404);
		expect(server.executions).toHaveLength(0);
	});

	it('when APIXO cannot be read it answers 503 (APIXO retries) and the retry still counts', async () => {
		const taskId = await finishedTask();
		const server = await serve({ verifyWithApi: true });
		sim.inject({ endpoint: 'status', taskId, kind: 'http', status: 500, times: 3 });
		expect((await post(server, success(taskId))).status).toBe(503);
		expect(server.executions).toHaveLength(0);
		expect((await post(server, success(taskId))).status).toBe(200);
		expect(server.executions).toHaveLength(1);
	});
});

describe('fuzz: random bodies never crash and never start a run unless valid', () => {
	const validDelivery = fc.record({
		code: fc.constant(200),
		message: fc.constant('success'),
		data: fc.oneof(
			fc.record({
				taskId: fc.uuid(),
				state: fc.constant('success'),
				resultJson: fc
					.array(fc.webUrl(), { maxLength: 3 })
					.map((resultUrls) => JSON.stringify({ resultUrls })),
			}),
			fc.record({ taskId: fc.uuid(), state: fc.constant('failed'), failCode: fc.string() }),
		),
	});
	const arbitraryDelivery = fc.oneof(
		validDelivery,
		fc.anything(),
		fc.record(
			{
				code: fc.oneof(fc.constant(200), fc.anything()),
				message: fc.oneof(fc.string(), fc.anything()),
				data: fc.oneof(
					fc.anything(),
					fc.record(
						{
							taskId: fc.oneof(fc.string(), fc.anything()),
							state: fc.oneof(
								fc.constantFrom('success', 'failed', 'pending', 'processing', ''),
								fc.anything(),
							),
							resultJson: fc.oneof(
								fc.string(),
								fc.json(),
								fc.array(fc.webUrl()).map((resultUrls) => JSON.stringify({ resultUrls })),
								fc.anything(),
							),
							failCode: fc.oneof(fc.string(), fc.anything()),
						},
						{ requiredKeys: [] },
					),
				),
			},
			{ requiredKeys: [] },
		),
	);

	it('300 random deliveries', async () => {
		const server = await serve();
		let valid = 0;
		await fc.assert(
			fc.asyncProperty(arbitraryDelivery, async (body) => {
				const before = server.executions.length;
				let text: string;
				try {
					text = JSON.stringify(body) ?? 'null';
				} catch {
					text = 'null';
				}
				const answer = await post(server, text);
				expect(answer.status).toBeLessThan(500);
				const ran = server.executions.length - before;
				if (ran) {
					valid++;
					const data = (JSON.parse(text) as any).data;
					expect(answer.status).toBe(200);
					expect(['success', 'failed']).toContain(data.state);
					expect(typeof data.taskId).toBe('string');
				}
				expect(ran).toBeLessThanOrEqual(1);
			}),
			{ numRuns: 300, seed: 20261124 },
		);
		expect(server.crashes).toEqual([]);
		expect(valid).toBeGreaterThan(0);
	});
});

describe('helpers', () => {
	it('tokenMatches compares whole tokens of any length', () => {
		expect(tokenMatches('abc', 'abc')).toBe(true);
		expect(tokenMatches('abc', 'abcd')).toBe(false);
		expect(tokenMatches('abc', '')).toBe(false);
		expect(tokenMatches('abc', undefined)).toBe(false);
		expect(tokenMatches('abc', ['abc'])).toBe(false);
	});

	it('RecentDeliveries keeps the newest keys within the window', () => {
		const store: { recent?: unknown } = {};
		const recent = new RecentDeliveries(store, 2);
		recent.add('a');
		recent.add('b');
		recent.add('c');
		expect(store.recent).toEqual(['b', 'c']);
		recent.remove('b');
		expect(recent.has('b')).toBe(false);
		expect(recent.has('c')).toBe(true);
	});
});
