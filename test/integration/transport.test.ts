/**
 * The transport over real HTTP against the simulator, inside n8n-core's execution engine.
 * Timings are read from the simulator's request log (its clock), not from sleeps in the test.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { SubmitBody } from '../../nodes/apixo/contract';
import {
	getBalance,
	getTaskStatus,
	submitTask,
	type CallOptions,
} from '../../nodes/apixo/transport';
import { probeNode, runNode } from '../../tools/engine';
import { loggedLines } from '../harness/sweep';
import { startSimulator, type Simulator } from '../../tools/simulator/server';

const API_KEY = 'sk-transport-SECRET-0123456789';
const BODY = {
	request_type: 'async',
	input: {
		mode: 'text-to-video',
		prompt: 'a fox',
		resolution: '480p',
		duration: 4,
		aspect_ratio: 'auto',
		sound: true,
		web_search: false,
	},
} as SubmitBody;
const FAST: CallOptions = { retry: { baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 2000 } };

let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [API_KEY], timing: { pendingMs: 20, processingMs: 40 } });
});
afterAll(async () => await sim.close());
beforeEach(() => sim.reset());

/** Run `fn` in a real n8n node context; returns its value or the error n8n recorded. */
async function inNode(
	fn: (ctx: IExecuteFunctions) => Promise<IDataObject>,
	credentials: Record<string, string> = { apiKey: API_KEY, baseUrl: sim.baseUrl },
) {
	const { items, error } = await runNode({
		node: probeNode(fn),
		parameters: {},
		credentials: { apixoApi: credentials },
	});
	return { json: items[0]?.json, error };
}

const submit = (options: CallOptions = FAST) =>
	inNode(async (ctx) => ({ ...(await submitTask.call(ctx, BODY, options)) }));
const status = (taskId: string, options: CallOptions = FAST) =>
	inNode(async (ctx) => ({ ...(await getTaskStatus.call(ctx, taskId, options)) }) as IDataObject);

/** What a submit whose outcome is unknown tells the user (apiError.ts). */
const RESUBMIT_ADVICE = 'Do not resubmit blindly';

/** Everything an error would show a user or a log, as one text. */
const errorText = (error: unknown) =>
	JSON.stringify(error, Object.getOwnPropertyNames(error as object)) +
	String((error as Error)?.message) +
	String((error as { description?: string })?.description);

async function createTask(): Promise<string> {
	const { json } = await submit();
	return json!.taskId as string;
}

describe('submit', () => {
	it('sends the body as JSON with the Bearer key and returns the taskId', async () => {
		const { json, error } = await submit();
		expect(error).toBeUndefined();
		expect(json!.taskId).toMatch(/^[0-9a-f]{32}$/);
		const [request] = sim.requests.filter((r) => r.endpoint === 'submit');
		expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
		expect(request.headers['content-type']).toContain('application/json');
		expect(request.body).toEqual(BODY);
	});

	it('tolerates a trailing slash in the base URL', async () => {
		const { error } = await inNode(async (ctx) => ({ b: await getBalance.call(ctx) }), {
			apiKey: API_KEY,
			baseUrl: `${sim.baseUrl}/`,
		});
		expect(error).toBeUndefined();
		expect(sim.requests[0].path).toBe('/api/v1/apikeys/current-balance');
	});

	it.each([500, 502, 504])('is never retried after a %i (the task may exist)', async (code) => {
		sim.inject({ endpoint: 'submit', kind: 'http', status: code, createTask: true });
		const { error } = await submit();
		expect(sim.count('submit')).toBe(1);
		expect(error!.message).toContain(`${code}`);
		expect(String(error!.description)).toContain('may have been created');
	});

	// The simulator has read the whole body when it resets or leaves the request unanswered: the
	// task may exist. (Only the first request meets the fault: a second one would succeed.)
	it.each([
		['a connection reset', 'reset', 'APIXO submit failed: ECONNRESET'],
		['a timeout', 'hang', 'APIXO submit failed: no answer within 300 ms'],
	] as const)(
		'is never retried after %s: outcome unknown, check before resubmitting',
		async (_, kind, message) => {
			sim.inject({ endpoint: 'submit', kind });
			const { error } = await submit({ retry: { ...FAST.retry, timeoutMs: 300 } });
			expect(sim.count('submit')).toBe(1);
			expect(error!.message).toBe(message);
			expect(error!.context!.outcomeUnknown).toBe(true);
			expect(String(error!.description)).toContain(RESUBMIT_ADVICE);
		},
	);

	it('is never retried after a 200 it cannot read', async () => {
		sim.inject({ endpoint: 'submit', kind: 'malformedJson' });
		const { error } = await submit();
		expect(sim.count('submit')).toBe(1);
		expect(error!.message).toContain('not JSON');
	});

	it('is retried after a 429, honouring Retry-After', async () => {
		sim.inject({ endpoint: 'submit', kind: 'http', status: 429, retryAfterSeconds: 1 });
		const { json, error } = await submit();
		expect(error).toBeUndefined();
		expect(json!.taskId).toMatch(/^[0-9a-f]{32}$/);
		const [limited, retried] = sim.requests.filter((r) => r.endpoint === 'submit');
		expect(limited.status).toBe(429);
		expect(retried.receivedAt - limited.respondedAt!).toBeGreaterThanOrEqual(995);
		expect(sim.tasks.size).toBe(1);
	});

	it('is retried when the connection was refused (nothing was sent)', async () => {
		// Nothing listens on this port: connections are refused until the simulator starts there.
		const port = await freePort();
		let revived: Simulator | undefined;
		const revive = new Promise<void>((resolve) => {
			setTimeout(async () => {
				revived = await startSimulator({ port, apiKeys: [API_KEY] });
				resolve();
			}, 150);
		});
		const { json, error } = await inNode(
			async (ctx) => ({
				...(await submitTask.call(ctx, BODY, {
					retry: { baseDelayMs: 200, maxDelayMs: 400, maxAttempts: 10 },
					random: () => 1,
				})),
			}),
			{ apiKey: API_KEY, baseUrl: `http://127.0.0.1:${port}/api/v1` },
		);
		await revive;
		// Closed before any expectation can fail: an open server would keep jest from exiting.
		const submits = revived!.count('submit');
		await revived!.close();
		expect(error).toBeUndefined();
		expect(json!.taskId).toMatch(/^[0-9a-f]{32}$/);
		expect(submits).toBe(1);
	});

	it('refused at every attempt: each attempt was made, and the error says nothing was created', async () => {
		const port = await freePort();
		const before = loggedLines().length;
		const { error } = await inNode(
			async (ctx) => ({
				...(await submitTask.call(ctx, BODY, { retry: { ...FAST.retry, maxAttempts: 3 } })),
			}),
			{ apiKey: API_KEY, baseUrl: `http://127.0.0.1:${port}/api/v1` },
		);
		// Nothing listens to count connections: each attempt's outcome is logged.
		const refused = loggedLines()
			.slice(before)
			.filter((line) => line.includes('APIXO submit: {"type":"no-answer","code":"ECONNREFUSED"}'));
		expect(refused).toHaveLength(3);
		expect(error!.message).toBe('APIXO submit failed: ECONNREFUSED');
		expect(error!.context!.outcomeUnknown).toBeUndefined();
		expect(String(error!.description)).not.toContain(RESUBMIT_ADVICE);
	});
});

describe('status', () => {
	it('retries 500, 502, 504, resets and unreadable answers, then succeeds', async () => {
		const taskId = await createTask();
		sim.requests.length = 0;
		for (const fault of [
			{ kind: 'http', status: 500 },
			{ kind: 'http', status: 502 },
			{ kind: 'http', status: 504 },
			{ kind: 'reset' },
			{ kind: 'malformedJson' },
			{ kind: 'wrongShape' },
		] as const) {
			sim.inject({ endpoint: 'status', ...fault });
		}
		const { json, error } = await status(taskId, { retry: { ...FAST.retry, maxAttempts: 8 } });
		expect(error).toBeUndefined();
		expect(json!.taskId).toBe(taskId);
		expect(sim.count('status')).toBe(7);
	});

	it.each(['reset', 'hang'] as const)(
		'a %s after the request arrived is retried, then fails retryable',
		async (kind) => {
			sim.inject({ endpoint: 'status', kind, times: Infinity });
			const { error } = await status('task-x', {
				retry: { ...FAST.retry, timeoutMs: 500, maxAttempts: 3 },
			});
			expect(sim.count('status')).toBe(3);
			expect(error!.context!.retryable).toBe(true);
			expect(String(error!.description)).not.toContain(RESUBMIT_ADVICE);
		},
	);

	it('honours Retry-After in seconds, measured on the simulator clock', async () => {
		const taskId = await createTask();
		sim.requests.length = 0;
		sim.inject({ endpoint: 'status', kind: 'http', status: 429, retryAfterSeconds: 1 });
		const { error } = await status(taskId);
		expect(error).toBeUndefined();
		const [limited, next] = sim.requests.filter((r) => r.endpoint === 'status');
		expect(next.receivedAt - limited.respondedAt!).toBeGreaterThanOrEqual(995);
	});

	it('honours Retry-After as an HTTP date', async () => {
		const taskId = await createTask();
		sim.requests.length = 0;
		sim.inject({ endpoint: 'status', kind: 'http', status: 429, retryAfterDate: 2 });
		const { error } = await status(taskId);
		expect(error).toBeUndefined();
		const [limited, next] = sim.requests.filter((r) => r.endpoint === 'status');
		const header = String(limited.responseHeaders?.['retry-after']);
		const notBefore = Date.parse(header);
		expect(Number.isNaN(notBefore)).toBe(false);
		expect(next.receivedAt).toBeGreaterThanOrEqual(notBefore - 5);
	});

	it('gives up after the bounded attempts with the taskId in the error', async () => {
		const taskId = await createTask();
		sim.inject({ endpoint: 'status', kind: 'http', status: 503, times: Infinity });
		const { error } = await status(taskId, { retry: { ...FAST.retry, maxAttempts: 3 } });
		expect(sim.count('status')).toBe(3);
		expect(error!.message).toContain('503');
		expect(String(error!.description)).toContain(taskId);
	});

	it('refuses to wait for a Retry-After beyond the limit, saying when to retry', async () => {
		const taskId = await createTask();
		sim.requests.length = 0;
		sim.inject({ endpoint: 'status', kind: 'http', status: 429, retryAfterSeconds: 600 });
		const { error } = await status(taskId, { retry: { ...FAST.retry, maxRetryAfterMs: 5000 } });
		expect(sim.count('status')).toBe(1);
		expect(String(error!.description)).toContain('600 s');
	});

	it("a caller's deadline cuts each attempt, the retry's too, not only the waits between them", async () => {
		const taskId = await createTask();
		sim.inject({ endpoint: 'status', kind: 'hang', times: 2 });
		const started = Date.now();
		const { error } = await status(taskId, {
			retry: { ...FAST.retry, timeoutMs: 4000, deadline: started + 5000 },
		});
		expect(sim.count('status')).toBe(2);
		// The retry starts 4 s in: it gets what is left of the 5 s, at least a second (not 4 s).
		expect(error!.message).toContain('no answer within 1000 ms');
		expect(Date.now() - started).toBeLessThan(7000);
	});

	it('404 says to check the taskId', async () => {
		const { error } = await status('task_unknown');
		expect(sim.count('status')).toBe(1);
		expect(error!.message).toContain('404');
		expect(String(error!.description)).toContain('Check the task ID');
		expect(String(error!.description)).toContain('task_unknown');
	});

	it('reads resultJson as a string', async () => {
		const taskId = await createTask();
		let json: IDataObject | undefined;
		for (let i = 0; i < 200 && json?.state !== 'success'; i++) {
			json = (await status(taskId)).json;
		}
		expect(typeof json!.resultJson).toBe('string');
		expect(JSON.parse(json!.resultJson as string).resultUrls).toHaveLength(1);
	});
});

describe('errors say what to do and never show the key', () => {
	it('401: check the API key', async () => {
		const { error } = await inNode(async (ctx) => ({ b: await getBalance.call(ctx) }), {
			apiKey: 'sk-wrong-SECRET-key-987654',
			baseUrl: sim.baseUrl,
		});
		expect(error!.message).toContain('401');
		expect(String(error!.description)).toContain('Check the API key');
		expect(errorText(error)).not.toContain('sk-wrong-SECRET-key-987654');
	});

	it('402: add balance', async () => {
		sim.balanceUsd = 0;
		const { error } = await submit();
		sim.balanceUsd = 100;
		expect(error!.message).toContain('402');
		expect(String(error!.description)).toContain('Add balance');
		expect(sim.count('submit')).toBe(1);
	});

	it('403: check permissions and route', async () => {
		sim.inject({ endpoint: 'submit', kind: 'http', status: 403, message: 'route denied' });
		const { error } = await submit();
		expect(error!.message).toContain('route denied');
		expect(String(error!.description)).toContain('route strategy');
	});

	it("APIXO's error detail (data.error) and a provider error id are shown, not only the headline", async () => {
		// The shape of APIXO's error page.
		sim.inject({
			endpoint: 'submit',
			kind: 'http',
			status: 400,
			message: 'Invalid request',
			data: { error: 'Missing required field: input.prompt', provider_error_id: 'prov-7f3a' },
		});
		const { error } = await submit();
		expect(error!.message).toBe(
			'APIXO submit failed: 400 Invalid request — Missing required field: input.prompt (provider error id: prov-7f3a)',
		);
	});

	it.each([
		['Content violates policy', 'Change the prompt'],
		['API key lacks permission for this model', 'Give the key access'],
		['route denied', 'route strategy'],
	])('403 "%s": the advice for that meaning, with the message', async (message, advice) => {
		sim.inject({ endpoint: 'submit', kind: 'http', status: 403, message });
		const { error } = await submit();
		expect(error!.message).toContain(message);
		expect(String(error!.description)).toContain(advice);
	});

	it('403 from the balance endpoint is a rejected key, like 401', async () => {
		sim.inject({ endpoint: 'balance', kind: 'http', status: 403 });
		const { error } = await inNode(async (ctx) => ({ b: await getBalance.call(ctx) }));
		expect(error!.message).toContain('403 API key rejected');
		expect(String(error!.description)).toContain('Check the API key');
	});

	it("an undocumented status (422) is readable, with APIXO's message", async () => {
		sim.inject({
			endpoint: 'submit',
			kind: 'http',
			status: 422,
			message: 'Unprocessable entity',
			data: { error: 'duration must be one of 5, 10' },
		});
		const { error } = await submit();
		expect(error!.message).toBe(
			'APIXO submit failed: 422 Unexpected HTTP status 422 — Unprocessable entity — duration must be one of 5, 10',
		);
		expect(error!.context!.outcomeUnknown).toBeUndefined();
	});

	it("a proxy's HTML error page is not pasted into the message", async () => {
		sim.inject({
			endpoint: 'balance',
			kind: 'http',
			status: 502,
			times: Infinity,
			rawBody: '<html><body><h1>502 Bad Gateway</h1></body></html>',
		});
		const { error } = await inNode(async (ctx) => ({
			b: await getBalance.call(ctx, { retry: { ...FAST.retry, maxAttempts: 2 } }),
		}));
		expect(error!.message).toBe('APIXO balance failed: 502 Upstream error');
	});

	it('a base URL without /api/v1 on another host: the error says which base URL is expected', async () => {
		const { error } = await inNode(async (ctx) => ({ b: await getBalance.call(ctx) }), {
			apiKey: API_KEY,
			baseUrl: sim.origin,
		});
		expect(error!.message).toContain('404');
		expect(String(error!.description)).toContain('does not end in /api/v1');
		expect(String(error!.description)).toContain('https://api.apixo.ai/api/v1');
	});

	it('an API message that echoes the key is redacted', async () => {
		sim.inject({ endpoint: 'balance', kind: 'http', status: 401, message: `bad key ${API_KEY}` });
		const { error } = await inNode(async (ctx) => ({ b: await getBalance.call(ctx) }));
		expect(error!.message).toContain('bad key ***');
		expect(errorText(error)).not.toContain(API_KEY);
		// The attempt was logged (with its outcome), without the key.
		const logs = loggedLines().join('\n');
		expect(logs).toContain('APIXO balance');
		expect(logs).not.toContain(API_KEY);
	});

	it('no error of this suite carried the key', async () => {
		const faults = [
			{ endpoint: 'submit', kind: 'reset' },
			{ endpoint: 'submit', kind: 'http', status: 500 },
			{ endpoint: 'submit', kind: 'malformedJson' },
		] as const;
		for (const fault of faults) {
			sim.inject(fault);
			const { error } = await submit();
			expect(error).toBeDefined();
			expect(errorText(error)).not.toContain(API_KEY);
		}
		expect(loggedLines().join('\n')).not.toContain(API_KEY);
	});
});

/**
 * A stand-in API for answers the simulator does not give: `answer` writes each response; the
 * requests it saw are kept. Closed by the caller.
 */
async function rawApi(
	answer: (request: http.IncomingMessage, response: http.ServerResponse) => void,
) {
	const seen: http.IncomingMessage[] = [];
	const server = http.createServer((request, response) => {
		seen.push(request);
		request.resume();
		request.on('end', () => answer(request, response));
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const { port } = server.address() as net.AddressInfo;
	const close = async () => {
		server.closeAllConnections();
		await new Promise((r) => server.close(r));
	};
	return { baseUrl: `http://127.0.0.1:${port}/api/v1`, seen, close };
}

const json = (response: http.ServerResponse, statusCode: number, body: unknown) => {
	response.writeHead(statusCode, { 'content-type': 'application/json' });
	response.end(JSON.stringify(body));
};

describe('answers the simulator does not give', () => {
	const credentialsFor = (baseUrl: string) => ({ apiKey: API_KEY, baseUrl });
	const READY = { taskId: 'task-raw', state: 'processing' };

	it("a 200 whose body's code is an error is that error (the worse of the two)", async () => {
		const api = await rawApi((_, response) =>
			json(response, 200, { code: 402, message: 'Insufficient balance', data: null }),
		);
		try {
			const { error } = await inNode(
				async (ctx) => ({ ...(await submitTask.call(ctx, BODY, FAST)) }),
				credentialsFor(api.baseUrl),
			);
			expect(api.seen).toHaveLength(1);
			expect(error!.message).toBe(
				'APIXO submit failed: 402 Insufficient balance or quota — Insufficient balance',
			);
			expect(error!.context?.outcomeUnknown).toBeUndefined();
		} finally {
			await api.close();
		}
	});

	it.each([
		['without the code field', { data: READY }],
		['with a success code below 200 (0, as some APIs say)', { code: 0, data: READY }],
	])('an answer %s is read by its HTTP status', async (_, body) => {
		const api = await rawApi((_request, response) => json(response, 200, body));
		try {
			const { json: data, error } = await inNode(
				async (ctx) => ({ ...(await getTaskStatus.call(ctx, 'task-raw', FAST)) }) as IDataObject,
				credentialsFor(api.baseUrl),
			);
			expect(error).toBeUndefined();
			expect(data).toMatchObject(READY);
			// APIXO is asked for JSON (its error pages are not always JSON; the body is read as text).
			expect(api.seen[0].headers.accept).toBe('application/json');
		} finally {
			await api.close();
		}
	});

	it.each([
		[
			'HTTP 300 with a body that would pass',
			300,
			{ code: 300, data: { taskId: 'task-raw', state: 'processing' } },
		],
		['HTTP 300 with code 500 in the body', 300, { code: 500, data: null }],
		[
			'HTTP 200 with code 300 in the body',
			200,
			{ code: 300, data: { taskId: 'task-raw', state: 'processing' } },
		],
	])('%s is a 300, not followed and not retried', async (_, statusCode, body) => {
		const api = await rawApi((_request, response) => json(response, statusCode, body));
		try {
			const { error } = await inNode(
				async (ctx) => ({ ...(await getTaskStatus.call(ctx, 'task-raw', FAST)) }) as IDataObject,
				credentialsFor(api.baseUrl),
			);
			expect(api.seen).toHaveLength(1);
			expect(error!.message).toMatch(/^APIXO status failed: 300 /);
		} finally {
			await api.close();
		}
	});

	it('an error status with a body that would pass as a status answer is still an error', async () => {
		const api = await rawApi((_, response) => json(response, 404, { code: 404, data: READY }));
		try {
			const { error } = await inNode(
				async (ctx) => ({ ...(await getTaskStatus.call(ctx, 'task-raw', FAST)) }) as IDataObject,
				credentialsFor(api.baseUrl),
			);
			expect(api.seen).toHaveLength(1);
			expect(error!.message).toBe('APIXO status failed: 404 Task not found');
		} finally {
			await api.close();
		}
	});

	it('a redirect is not followed: the key never reaches the other host', async () => {
		const elsewhere = await rawApi((_, response) => json(response, 200, { data: READY }));
		const api = await rawApi((_, response) => {
			response.writeHead(302, { location: `${elsewhere.baseUrl}/statusTask/x` });
			response.end();
		});
		try {
			const { error } = await inNode(
				async (ctx) => ({ ...(await getTaskStatus.call(ctx, 'task-raw', FAST)) }) as IDataObject,
				credentialsFor(api.baseUrl),
			);
			expect(elsewhere.seen).toHaveLength(0);
			expect(error!.message).toContain('302');
			expect(String(error!.description)).toContain('redirect, which is not followed');
		} finally {
			await api.close();
			await elsewhere.close();
		}
	});
});

describe('cancellation and logs', () => {
	it('a call whose signal is already aborted sends nothing', async () => {
		const controller = new AbortController();
		controller.abort();
		const { error } = await status('task-x', { ...FAST, signal: controller.signal });
		expect(sim.count('status')).toBe(0);
		expect(String(error!.description)).toContain('the execution was stopped');
	});

	it('stopped during the wait before a retry: a submit says it was stopped, nothing created', async () => {
		sim.inject({ endpoint: 'submit', kind: 'http', status: 429 });
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 200);
		const started = Date.now();
		const { error } = await submit({
			retry: { ...FAST.retry, baseDelayMs: 20_000, maxDelayMs: 20_000 },
			signal: controller.signal,
		});
		expect(Date.now() - started).toBeLessThan(5000);
		expect(sim.count('submit')).toBe(1);
		expect(error!.message).toBe('APIXO submit failed: cancelled');
		expect(String(error!.description)).toContain('the execution was stopped');
	});

	it('n8n stopping the execution ends the wait before a retry, whatever signal the caller has', async () => {
		// Two signals: the caller's (never aborted here) and the execution's, which n8n aborts.
		sim.inject({ endpoint: 'submit', kind: 'http', status: 429 });
		const stop = new AbortController();
		setTimeout(() => stop.abort(), 200);
		const started = Date.now();
		let settled: number | undefined;
		await runNode({
			node: probeNode(async (ctx) => {
				try {
					return {
						...(await submitTask.call(ctx, BODY, {
							retry: { ...FAST.retry, baseDelayMs: 20_000, maxDelayMs: 20_000 },
							signal: new AbortController().signal,
						})),
					};
				} finally {
					settled = Date.now();
				}
			}),
			parameters: {},
			credentials: { apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
			signal: stop.signal,
		});
		// n8n's cancel returns at once; the node itself must end within the poll of the test.
		while (settled === undefined && Date.now() - started < 25_000) {
			await new Promise((r) => setTimeout(r, 50));
		}
		expect(settled! - started).toBeLessThan(5000);
		expect(sim.count('submit')).toBe(1);
	});

	it('each failed attempt is logged at debug with its outcome, attempt and task', async () => {
		const taskId = await createTask();
		sim.inject({ endpoint: 'status', kind: 'http', status: 503 });
		const before = loggedLines().length;
		await status(taskId);
		const line = loggedLines()
			.slice(before)
			.find((text) => text.includes('APIXO status: '));
		expect(line).toContain('APIXO status: {"type":"status","status":503}');
		expect(line).toContain('"attempt":1');
		expect(line).toContain(taskId);
	});
});

describe('a base URL whose TLS handshake fails', () => {
	const TLS = path.join(__dirname, '../fixtures/tls');
	/** A server that counts connections and requests: `secure` with a self-signed certificate. */
	async function listen(secure: boolean) {
		const seen = { connections: 0, requests: 0 };
		const server = secure
			? https.createServer({
					key: fs.readFileSync(path.join(TLS, 'self-signed.key.pem')),
					cert: fs.readFileSync(path.join(TLS, 'self-signed.cert.pem')),
				})
			: http.createServer();
		server.on('request', (_req, res: http.ServerResponse) => {
			seen.requests++;
			res.end('{}');
		});
		// (A plain server answers the TLS hello with its own 400 and closes.)
		if (secure) server.on('tlsClientError', () => undefined);
		server.on('connection', () => seen.connections++);
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		const { port } = server.address() as net.AddressInfo;
		const credentials = { apiKey: API_KEY, baseUrl: `https://127.0.0.1:${port}/api/v1` };
		const close = async () => {
			server.closeAllConnections();
			await new Promise((r) => server.close(r));
		};
		return { seen, credentials, close };
	}

	it.each([
		['a self-signed certificate', true, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
		['https to a plain http port', false, 'EPROTO'],
	])('%s: the status read names the TLS code, once, never retried', async (_, secure, code) => {
		const host = await listen(secure);
		try {
			const { error } = await inNode(
				async (ctx) => ({ ...(await getTaskStatus.call(ctx, 'task-tls', FAST)) }) as IDataObject,
				host.credentials,
			);
			expect(error!.message).toBe(`APIXO status failed: ${code} (TLS handshake failed)`);
			expect(String(error!.description)).toBe(
				'What to do: Check the Base URL in the "APIXO API" credential (https, the right host and port); behind a proxy that presents its own certificate, give n8n its CA with NODE_EXTRA_CA_CERTS. Task ID: task-tls',
			);
			expect(host.seen).toEqual({ connections: 1, requests: 0 });
		} finally {
			await host.close();
		}
	});

	it('a submit that fails its handshake created nothing: it says so, and is not repeated', async () => {
		const host = await listen(true);
		try {
			const { error } = await inNode(
				async (ctx) => ({ ...(await submitTask.call(ctx, BODY, FAST)) }),
				host.credentials,
			);
			expect(error!.message).toBe(
				'APIXO submit failed: DEPTH_ZERO_SELF_SIGNED_CERT (TLS handshake failed)',
			);
			expect(String(error!.description)).not.toContain('may have been created');
			expect(String(error!.description)).toContain('NODE_EXTRA_CA_CERTS');
			expect(host.seen).toEqual({ connections: 1, requests: 0 });
		} finally {
			await host.close();
		}
	});
});

async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const { port } = server.address() as net.AddressInfo;
	await new Promise((r) => server.close(r));
	return port;
}
