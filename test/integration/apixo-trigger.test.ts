/**
 * The APIXO Trigger over real HTTP in n8n-core's WebhookContext: what starts a run, what is
 * refused, what is acknowledged and ignored — and that nothing ever answers 5xx.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { ApixoTrigger } from '../../nodes/ApixoTrigger/ApixoTrigger.node';
import {
	clip,
	DEDUPE_LIMITS,
	dedupeWindow,
	DeliveryStore,
	tokenMatches,
} from '../../nodes/ApixoTrigger/delivery';
import { startTriggerServer, type TriggerServer } from '../harness/webhook';
import { startSimulator, type Simulator } from '../../tools/simulator/server';
import type { TaskPlan } from '../../tools/simulator/types';

const trigger = new ApixoTrigger();
const KEY = 'sk-trigger-SECRET-5555';
let sim: Simulator;
const servers: TriggerServer[] = [];

beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [KEY], timing: { pendingMs: 10, processingMs: 20 } });
});
afterEach(() => {
	for (const server of servers) expect(server.answeredTwice).toEqual([]);
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

/** A task submitted to the simulator; waits until it is final unless its plan is 'stuck'. */
async function finishedTask(plan?: TaskPlan) {
	if (plan) sim.planNextTasks(plan);
	const submit = await fetch(`${sim.baseUrl}/generateTask/seedance-2-0-mini`, {
		method: 'POST',
		headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
		body: JSON.stringify({ input: { mode: 'text-to-video', prompt: 'x', duration: 4 } }),
	});
	const taskId = ((await submit.json()) as any).data.taskId as string;
	if (plan?.outcome === 'stuck') return taskId;
	for (
		let i = 0;
		i < 200 && !['success', 'failed'].includes(sim.taskData(taskId)?.state ?? '');
		i++
	) {
		await new Promise((r) => setTimeout(r, 10));
	}
	return taskId;
}

/** n8n's logger as node contexts get it (the harness's capturing one), to spy on. */
const n8nCore = path.dirname(require.resolve('n8n-core'));
const { Container } = require(require.resolve('@n8n/di', { paths: [n8nCore] }));
const { Logger } = require(require.resolve('@n8n/backend-common', { paths: [n8nCore] }));
const logger = Container.get(Logger) as Record<
	'debug' | 'info' | 'warn',
	(...args: unknown[]) => void
>;
const logged = (level: 'debug' | 'info' | 'warn') => {
	const spy = jest.spyOn(logger, level);
	return {
		text: () => spy.mock.calls.map((call) => JSON.stringify(call)).join('\n'),
		restore: () => spy.mockRestore(),
	};
};

/** Posts 25 at a time (the harness shares one static data, as one n8n process would). */
async function postAll(server: TriggerServer, bodies: unknown[]) {
	const answers: Array<{ status: number; body: any }> = [];
	for (let at = 0; at < bodies.length; at += 25) {
		answers.push(...(await Promise.all(bodies.slice(at, at + 25).map((b) => post(server, b)))));
	}
	return answers;
}

const storedBytes = (server: TriggerServer) => JSON.stringify(server.staticData()).length;
const stored = (server: TriggerServer) =>
	(Object.values(server.staticData())[0] as { recent?: string[] } | undefined)?.recent ?? [];

describe('verify with APIXO', () => {
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

describe('bounded storage', () => {
	const MB = 1024 * 1024;
	const withId = (taskId: string) => ({ ...success(), data: { ...success().data, taskId } });

	it('40 deliveries with 1 MB task IDs, and other odd IDs and states: 400, not echoed whole, nothing stored', async () => {
		const server = await serve();
		const huge = Array.from({ length: 40 }, (_, i) => withId(`${i}`.padEnd(MB, 'x')));
		const odd = [
			withId('a'.repeat(129)),
			withId('task:success'),
			withId('tâche'),
			withId('task 1'),
			withId('task/1'),
			{ ...failed(), data: { ...failed().data, state: 'f'.repeat(33) } },
			{ ...failed(), data: { ...failed().data, state: `failed${'.'.repeat(MB)}` } },
			{ ...failed(), data: { ...failed().data, taskId: 'x'.repeat(MB), state: 'y'.repeat(MB) } },
		];
		for (const answer of await postAll(server, [...huge, ...odd])) {
			expect(answer.status).toBe(400);
			expect(answer.body).toEqual({ received: false, error: expect.any(String) });
			expect(JSON.stringify(answer.body).length).toBeLessThan(400);
		}
		expect(server.executions).toHaveLength(0);
		expect(storedBytes(server)).toBeLessThan(1024);
		// The longest ID and state the contract allows still run.
		const longest = withId('a'.repeat(128));
		expect((await post(server, longest)).body).toEqual({ received: true });
		expect(server.executions).toHaveLength(1);
	});

	it('a Dedupe Window that is not a number remembers 1000 deliveries, not all of them', async () => {
		const server = await serve({ options: { dedupeWindow: 'lots' } });
		await postAll(
			server,
			Array.from({ length: 1010 }, (_, i) => failed(`t${i}`)),
		);
		expect(server.executions).toHaveLength(1010);
		expect(stored(server)).toHaveLength(1000);
		expect(stored(server)[0]).toBe('t10:failed');
	});

	it('2200 deliveries of 128-character IDs with a window of 1e9: static data stays under 256 KB, the newest remembered', async () => {
		const server = await serve({ options: { dedupeWindow: 1e9 } });
		const ids = Array.from({ length: 2200 }, (_, i) => `${i}`.padStart(128, 'x'));
		await postAll(
			server,
			ids.map((id) => failed(id)),
		);
		expect(server.executions).toHaveLength(2200);
		expect(storedBytes(server)).toBeLessThan(DEDUPE_LIMITS.maxBytes + 1024);
		expect(stored(server).length).toBeGreaterThan(1500);
		expect((await post(server, failed(ids[2199]))).body.ignored).toBe('duplicate delivery');
		expect((await post(server, failed(ids[0]))).body).toEqual({ received: true });
	});
});

describe('in the editor', () => {
	const notice = trigger.description.properties.find((p) => p.name === 'unprotectedNotice')!;
	const shown = (values: IDataObject) => {
		const all = NodeHelpers.getNodeParameters(
			trigger.description.properties,
			values as never,
			true,
			false,
			{ typeVersion: 1 } as never,
			trigger.description,
		);
		return NodeHelpers.displayParameter(
			all as never,
			notice,
			{ typeVersion: 1 } as never,
			trigger.description,
		);
	};

	it('warns (a notice) when neither Token nor Verify with APIXO is set, and only then', () => {
		expect(notice.type).toBe('notice');
		expect(notice.displayName).toMatch(/Token.*Verify with APIXO/);
		expect(shown({})).toBe(true);
		expect(shown({ token: '', verifyWithApi: false })).toBe(true);
		expect(shown({ token: 'long-random-token' })).toBe(false);
		expect(shown({ token: '={{ $vars.apixoToken }}' })).toBe(false);
		expect(shown({ verifyWithApi: true })).toBe(false);
		expect(shown({ token: 'long-random-token', verifyWithApi: true })).toBe(false);
	});
});

describe("verify within APIXO's 30 s, answering an unauthenticated caller with no detail", () => {
	const ACCOUNT = 'acme-billing@example.com';

	async function timed(server: TriggerServer, body: unknown) {
		const started = Date.now();
		const answer = await post(server, body);
		return { ...answer, seconds: (Date.now() - started) / 1000 };
	}

	/** The body says what happened, with at most a short prefix of the task ID. */
	function expectNoDetail(body: unknown, taskId: string) {
		const text = JSON.stringify(body);
		expect(text).not.toContain(taskId);
		expect(text).not.toContain(taskId.slice(0, 12));
		expect(text).not.toContain(ACCOUNT);
		expect(text).not.toMatch(/Retry-After|HTTP|timeout|within|ms\b/i);
	}

	it('a hanging status endpoint: 503 well within 30 s', async () => {
		const taskId = await finishedTask();
		const server = await serve({ verifyWithApi: true });
		const warn = logged('warn');
		sim.inject({ endpoint: 'status', taskId, kind: 'hang', times: 10 });
		try {
			const answer = await timed(server, success(taskId));
			expect(answer.status).toBe(503);
			expect(answer.seconds).toBeLessThan(26);
			expect(answer.body).toEqual({ received: false, error: expect.any(String) });
			expectNoDetail(answer.body, taskId);
			expect(warn.text()).toContain(taskId);
		} finally {
			warn.restore();
		}
		const reads = sim.requests.filter((r) => r.endpoint === 'status' && r.taskId === taskId);
		expect(reads.length).toBeLessThanOrEqual(3);
		expect(server.executions).toHaveLength(0);
	}, 90_000);

	it.each([
		['429 with Retry-After 100 s', { status: 429, retryAfterSeconds: 100 }],
		['503 with Retry-After 25 s', { status: 503, retryAfterSeconds: 25 }],
		['401 naming the account', { status: 401 }],
	])(
		"%s: 503 at once after one status read, APIXO's message only in the log",
		async (_name, fault) => {
			const taskId = await finishedTask();
			const server = await serve({ verifyWithApi: true });
			const message = `Key rejected for account ${ACCOUNT} (balance 74.87)`;
			sim.inject({ endpoint: 'status', taskId, kind: 'http', message, times: 5, ...fault });
			const warn = logged('warn');
			try {
				const answer = await timed(server, success(taskId));
				expect(answer.status).toBe(503);
				expect(answer.seconds).toBeLessThan(10);
				expectNoDetail(answer.body, taskId);
				expect(warn.text()).toContain(ACCOUNT);
				expect(warn.text()).not.toContain(KEY);
			} finally {
				warn.restore();
			}
			const reads = sim.requests.filter((r) => r.endpoint === 'status' && r.taskId === taskId);
			expect(reads).toHaveLength(1);
			expect(server.executions).toHaveLength(0);
		},
		90_000,
	);

	it('a forged delivery (task unknown to APIXO): 404 after one status read, the ID not echoed', async () => {
		const server = await serve({ verifyWithApi: true });
		const taskId = `task_${'f0'.repeat(30)}`;
		const answer = await post(server, success(taskId));
		expect(answer.status).toBe(404);
		expectNoDetail(answer.body, taskId);
		expect(answer.body.error).toContain(taskId.slice(0, 8));
		const reads = sim.requests.filter((r) => r.endpoint === 'status' && r.taskId === taskId);
		expect(reads).toHaveLength(1);
		expect(server.executions).toHaveLength(0);
	});
});

describe('states are an open set, in any case', () => {
	it('a state the API page does not name (processing_r2) is acknowledged, ignored and logged', async () => {
		const server = await serve();
		const debug = logged('debug');
		try {
			const answer = await post(server, {
				code: 200,
				data: { taskId: 'task_r2', state: 'processing_r2' },
			});
			expect(answer).toEqual({
				status: 200,
				body: { received: true, ignored: 'state processing_r2 is not final' },
			});
			expect(debug.text()).toContain('processing_r2');
			expect(debug.text()).toContain('APIXO Trigger: a task state the API page does not name');
			// A state the page names but not final is ignored without that line.
			await post(server, { code: 200, data: { taskId: 'task_r3', state: 'PROCESSING' } });
			expect(debug.text()).not.toContain('task_r3');
			expect(debug.text().match(/does not name/g)).toHaveLength(1);
		} finally {
			debug.restore();
		}
		expect(server.executions).toHaveLength(0);
	});

	it('SUCCESS and Failed are final; the output state is lower case; States compares lower case', async () => {
		const server = await serve({ states: ['SUCCESS', 'Failed'] });
		const upper = success('task_upper');
		upper.data.state = 'SUCCESS';
		const mixed = failed('task_mixed');
		mixed.data.state = 'Failed';
		expect((await post(server, upper)).body).toEqual({ received: true });
		expect((await post(server, mixed)).body).toEqual({ received: true });
		expect(server.executions.map((run) => run[0].state)).toEqual(['success', 'failed']);
		expect((await post(server, success('task_upper'))).body.ignored).toBe('duplicate delivery');
	});

	describe('with Verify, against an APIXO that answers any state', () => {
		let apixo: http.Server;
		let baseUrl: string;
		const states = new Map<string, string>();
		const reads: string[] = [];
		beforeAll(async () => {
			apixo = http.createServer((req, res) => {
				const taskId = new URL(req.url ?? '/', 'http://x').searchParams.get('taskId') ?? '';
				reads.push(taskId);
				const state = states.get(taskId) ?? 'pending';
				const data: IDataObject = { taskId, state };
				if (state.toLowerCase() === 'success')
					data.resultJson = JSON.stringify({ resultUrls: ['https://files.example.com/r.mp4'] });
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ code: 200, message: 'success', data }));
			});
			await new Promise<void>((resolve) => apixo.listen(0, '127.0.0.1', resolve));
			baseUrl = `http://127.0.0.1:${(apixo.address() as AddressInfo).port}/api/v1`;
		});
		afterAll(async () => {
			apixo.closeAllConnections();
			await new Promise((resolve) => apixo.close(resolve));
		});
		const serveVerified = async () => {
			const server = await startTriggerServer({
				node: trigger,
				parameters: { verifyWithApi: true } as never,
				credentials: { apixoApi: { apiKey: KEY, baseUrl } },
			});
			servers.push(server);
			return server;
		};

		it('APIXO says processing_r2: 503 (APIXO delivers again), logged, and the claim released', async () => {
			const server = await serveVerified();
			states.set('task_v_r2', 'processing_r2');
			const debug = logged('debug');
			try {
				const answer = await post(server, success('task_v_r2'));
				expect(answer).toEqual({
					status: 503,
					body: {
						received: false,
						error: 'APIXO says the task is still processing_r2, retry later',
					},
				});
				expect(debug.text()).toContain('processing_r2');
			} finally {
				debug.restore();
			}
			expect(server.executions).toHaveLength(0);
			states.set('task_v_r2', 'SUCCESS');
			expect((await post(server, success('task_v_r2'))).body).toEqual({ received: true });
			expect(server.executions[0][0]).toMatchObject({ state: 'success', verified: true });
			expect(reads.filter((id) => id === 'task_v_r2')).toHaveLength(2);
		});
	});
});

describe('verify: a delivery claiming success while APIXO says the task still runs', () => {
	it('is answered 503 (a 200 would end APIXO\'s retries) and its claim released, so the real final delivery later runs once', async () => {
		const taskId = await finishedTask({ outcome: 'stuck' });
		const server = await serve({ verifyWithApi: true });
		const early = await post(server, success(taskId, ['https://evil.example.com/x.mp4']));
		expect(early).toEqual({
			status: 503,
			body: { received: false, error: 'APIXO says the task is still processing, retry later' },
		});
		expect(stored(server)).toEqual([]);
		// The task ends; APIXO delivers the real result (and retries it).
		sim.setTaskPlan(taskId, { pendingMs: 0, processingMs: 0 });
		expect((await post(server, success(taskId))).body).toEqual({ received: true });
		expect((await post(server, success(taskId))).body.ignored).toBe('duplicate delivery');
		expect(server.executions).toHaveLength(1);
		expect(server.executions[0][0]).toMatchObject({
			taskId,
			verified: true,
			resultUrls: [`${sim.fileOrigin}/files/${taskId}.mp4`],
		});
	});
});

describe('verify: each answer and log line word for word', () => {
	/** Posts a success claim for `taskId`; the answer and what was logged at `level`. */
	async function verified(taskId: string, parameters: IDataObject = {}, level: 'warn' = 'warn') {
		const server = await serve({ verifyWithApi: true, ...parameters });
		const log = logged(level);
		try {
			const answer = await post(server, success(taskId));
			return { server, answer, log: log.text() };
		} finally {
			log.restore();
		}
	}
	const elapsed = (log: string) => Number(/"elapsedMs":(\d+)/.exec(log)?.[1]);

	it('APIXO failing: 503 "could not verify task <prefix>… with APIXO, retry later", logged with the time spent', async () => {
		const taskId = await finishedTask();
		sim.inject({ endpoint: 'status', taskId, kind: 'http', status: 401, times: 5 });
		const { answer, log } = await verified(taskId);
		expect(answer).toEqual({
			status: 503,
			body: {
				received: false,
				error: `could not verify task ${clip(taskId, 8)} with APIXO, retry later`,
			},
		});
		expect(log).toContain('APIXO Trigger: could not verify a delivery with APIXO');
		expect(elapsed(log)).toBeGreaterThanOrEqual(0);
		expect(elapsed(log)).toBeLessThan(60_000);
	});

	it('a task APIXO does not know: 404 "task <prefix>… is unknown to APIXO", logged as such', async () => {
		const taskId = `task_${'ab'.repeat(20)}`;
		const { answer, log } = await verified(taskId);
		expect(answer).toEqual({
			status: 404,
			body: { received: false, error: `task ${clip(taskId, 8)} is unknown to APIXO` },
		});
		expect(log).toContain(
			'APIXO Trigger: a delivery for a task APIXO does not know (forged, or another model)',
		);
	});

	it("APIXO's own answer unreadable (its resultJson is not JSON): 502, logged, nothing run", async () => {
		const taskId = await finishedTask({ resultJson: 'not json' });
		const { server, answer, log } = await verified(taskId);
		expect(answer).toEqual({
			status: 502,
			body: {
				received: false,
				error: `APIXO's answer for task ${clip(taskId, 8)} could not be read`,
			},
		});
		expect(log).toContain("APIXO Trigger: APIXO's status answer could not be read");
		expect(server.executions).toHaveLength(0);
	});

	it('the Model parameter picks the status path; left empty it is Seedance 2.0 Mini', async () => {
		const taskId = await finishedTask();
		const { server, answer } = await verified(taskId, { model: '' });
		expect(answer.status).toBe(200);
		expect(server.executions).toHaveLength(1);
		const other = await verified(taskId, { model: 'seedance-2-0-other' });
		expect(other.answer.status).toBe(404);
		expect(other.server.executions).toHaveLength(0);
	});

	it("with Verify, the States filter applies to APIXO's state, not the delivery's claim", async () => {
		const taskId = await finishedTask({ outcome: 'failed', failCode: 'Timeout' });
		const { server, answer } = await verified(taskId, { states: ['success'] });
		expect(answer).toEqual({
			status: 200,
			body: { received: true, ignored: 'state failed is not selected' },
		});
		expect(server.executions).toHaveLength(0);
	});
});

describe('webhook registration', () => {
	it('there is none: n8n is told no webhook exists, and creating or deleting one succeeds', async () => {
		const methods = new ApixoTrigger().webhookMethods.default;
		const hook = {} as never;
		expect(await methods.checkExists.call(hook)).toBe(false);
		expect(await methods.create.call(hook)).toBe(true);
		expect(await methods.delete.call(hook)).toBe(true);
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

	it('DeliveryStore: claim is false for a duplicate, keeps the newest keys within the window; release frees a key', () => {
		const store: { recent?: unknown } = {};
		const recent = new DeliveryStore(store, 2);
		expect(['a', 'b', 'c'].map((key) => recent.claim(key))).toEqual([true, true, true]);
		expect(store.recent).toEqual(['b', 'c']);
		expect(recent.claim('c')).toBe(false);
		recent.release('b');
		expect(store.recent).toEqual(['c']);
		expect(recent.claim('b')).toBe(true);
		expect(store.recent).toEqual(['c', 'b']);
	});

	it('DeliveryStore: a stored list of another shape is read as far as it holds strings', () => {
		const store: { recent?: unknown } = { recent: ['a', 7, null, 'b'] };
		const recent = new DeliveryStore(store, 10);
		expect(recent.claim('a')).toBe(false);
		expect(recent.claim('c')).toBe(true);
		expect(store.recent).toEqual(['a', 'b', 'c']);
		expect(new DeliveryStore({ recent: 'x' }, 10).claim('x')).toBe(true);
	});

	it.each<[unknown, number]>([
		[1, 1],
		[2.7, 2],
		[50, 50],
		[10_000, 10_000],
		[10_001, 10_000],
		[1e12, 10_000],
		[Infinity, 10_000],
		[Number.MAX_VALUE, 10_000],
		[0, 1000],
		[0.5, 1000],
		[-5, 1000],
		[-Infinity, 1000],
		[NaN, 1000],
		['50', 1000],
		['lots', 1000],
		['', 1000],
		[null, 1000],
		[undefined, 1000],
		[{}, 1000],
		[[3], 1000],
		[true, 1000],
	])('the Dedupe Window %p is used as %p', (value, expected) => {
		expect(dedupeWindow(value)).toBe(expected);
		const store: { recent?: unknown } = {
			recent: Array.from({ length: expected }, (_, i) => `t${i}:success`),
		};
		const recent = new DeliveryStore(store, value);
		expect(recent.claim(`t${expected}:success`)).toBe(true);
		expect(store.recent).toHaveLength(expected);
		expect((store.recent as string[]).at(-1)).toBe(`t${expected}:success`);
		expect(recent.claim(`t${expected}:success`)).toBe(false);
	});

	it('DeliveryStore: at most 256 KB of JSON at any window, the oldest dropped first', () => {
		const store: { recent?: unknown } = {};
		const recent = new DeliveryStore(store, Infinity);
		const keys = Array.from({ length: 2200 }, (_, i) => `${String(i).padStart(128, 'x')}:success`);
		for (const key of keys) expect(recent.claim(key)).toBe(true);
		const kept = store.recent as string[];
		expect(JSON.stringify(kept).length).toBeLessThanOrEqual(DEDUPE_LIMITS.maxBytes);
		expect(JSON.stringify(kept).length).toBeGreaterThan(DEDUPE_LIMITS.maxBytes - 200);
		expect(kept).toEqual(keys.slice(-kept.length));
	});
});
