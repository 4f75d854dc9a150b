/**
 * `npm run test:live`: the real APIXO, so the simulator's fixtures can be checked against reality.
 *
 * Without APIXO_API_KEY every test is skipped. With it (base URL: APIXO_BASE_URL, default
 * https://api.apixo.ai/api/v1) only free calls run: the balance, the balance with a wrong key, a
 * submit without input.prompt (refused before task creation) and an unknown task. Each prints the
 * raw status, content-type, retry-after and body next to the simulator's answer to the same
 * request, and asserts only the shapes the package relies on. APIXO_LIVE_PAID=1 adds one paid
 * task (text-to-video, 4 s, 480p, no sound: about $0.19) run through the real node, printing
 * every raw APIXO answer it gets.
 *
 * The key is never printed: every printed line is redacted, and the secrets sweep checks what
 * the node produced.
 */
import { randomBytes } from 'node:crypto';

import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { runNode } from '../../tools/engine';
import { addSecret } from '../harness/sweep';
import { startSimulator, type Simulator } from '../../tools/simulator/server';

const KEY = process.env.APIXO_API_KEY?.trim() ?? '';
const BASE_URL = (process.env.APIXO_BASE_URL?.trim() || 'https://api.apixo.ai/api/v1').replace(
	/\/+$/,
	'',
);
const PAID = process.env.APIXO_LIVE_PAID === '1';
const MODEL = 'seedance-2-0-mini';
const SIM_KEY = 'sk-live-simulator-key';
addSecret(KEY);

const describeLive = KEY ? describe : describe.skip;
const itPaid = KEY && PAID ? it : it.skip;

const redact = (text: string) => (KEY ? text.split(KEY).join('***') : text);
/** Straight to stdout: console.log in jest adds a stack line to every call. */
const print = (lines: string[]) => process.stdout.write(`${redact(lines.join('\n'))}\n`);

interface Raw {
	status: number;
	contentType: string | null;
	retryAfter: string | null;
	text: string;
	json: unknown;
}

async function call(base: string, key: string, path: string, body?: unknown): Promise<Raw> {
	const response = await fetch(`${base}${path}`, {
		method: body === undefined ? 'GET' : 'POST',
		headers: {
			authorization: `Bearer ${key}`,
			...(body === undefined ? {} : { 'content-type': 'application/json' }),
		},
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(60_000),
	});
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return {
		status: response.status,
		contentType: response.headers.get('content-type'),
		retryAfter: response.headers.get('retry-after'),
		text,
		json,
	};
}

const cut = (text: string) => (text.length > 4000 ? `${text.slice(0, 4000)}…` : text);
const describeRaw = (raw: Raw) => [
	`  HTTP ${raw.status}`,
	`  content-type: ${raw.contentType ?? '(none)'}`,
	`  retry-after: ${raw.retryAfter ?? '(none)'}`,
	`  body: ${cut(raw.text) || '(empty)'}`,
];

/** Every string in a JSON value with its path: where the error detail is does not matter. */
function strings(value: unknown, path = ''): Array<[string, string]> {
	if (typeof value === 'string') return [[path || '(body)', value]];
	if (typeof value !== 'object' || value === null) return [];
	return Object.entries(value).flatMap(([key, child]) =>
		strings(child, path ? `${path}.${key}` : key),
	);
}

/** `{code, message, data}`: what the package reads from every JSON answer. */
function expectEnvelope(raw: Raw): { code: number; message: string; data?: unknown } {
	expect(raw.json).toEqual(
		expect.objectContaining({ code: expect.any(Number), message: expect.any(String) }),
	);
	return raw.json as { code: number; message: string; data?: unknown };
}

describeLive(`the real APIXO at ${BASE_URL}`, () => {
	let sim: Simulator;
	beforeAll(async () => (sim = await startSimulator({ apiKeys: [SIM_KEY] })));
	afterAll(async () => await sim?.close());

	/** The same request to APIXO and to the simulator, both printed. */
	async function both(title: string, path: string, options: { body?: unknown; key?: string } = {}) {
		const real = await call(BASE_URL, options.key ?? KEY, path, options.body);
		const simulated = await call(
			sim.baseUrl,
			options.key === undefined ? SIM_KEY : 'sk-wrong',
			path,
			options.body,
		);
		print([
			`\n── ${title}: ${options.body === undefined ? 'GET' : 'POST'} ${path}`,
			'APIXO:',
			...describeRaw(real),
			'simulator:',
			...describeRaw(simulated),
		]);
		return real;
	}

	it('balance: {code: 200, message, data: <a number of USD>} (free)', async () => {
		const raw = await both('balance', '/apikeys/current-balance');
		expect(raw.status).toBe(200);
		const body = expectEnvelope(raw);
		expect(body.code).toBe(200);
		expect(typeof body.data).toBe('number');
	});

	it('balance with a wrong key: 401 or 403 (free)', async () => {
		const wrong = `sk-live-wrong-${randomBytes(12).toString('hex')}`;
		const raw = await both('balance, wrong key', '/apikeys/current-balance', { key: wrong });
		expect([401, 403]).toContain(raw.status);
	});

	it('submit without input.prompt: 400 before task creation, the detail names the field (free)', async () => {
		const body = {
			request_type: 'async',
			input: { mode: 'text-to-video', resolution: '480p', duration: 4, sound: false },
		};
		const raw = await both('submit without a prompt', `/generateTask/${MODEL}`, { body });
		const taskId = (raw.json as { data?: { taskId?: unknown } } | undefined)?.data?.taskId;
		if (taskId) print([`!! APIXO CREATED TASK ${String(taskId)} FROM A BODY WITHOUT A PROMPT`]);
		expect(raw.status).toBe(400);
		const envelope = expectEnvelope(raw);
		expect(envelope.code).toBe(400);
		const detail = strings(raw.json).find(([, text]) => /prompt/i.test(text));
		print([
			`  detail found at: ${detail ? detail[0] : '(nowhere: no string mentions the prompt)'}`,
		]);
		expect(detail).toBeDefined();
	});

	it('status of an unknown task: 404 (free)', async () => {
		const taskId = randomBytes(16).toString('hex');
		const raw = await both('unknown task', `/statusTask/${MODEL}?taskId=${taskId}`);
		expect(raw.status).toBe(404);
		if (raw.json !== undefined) expect(expectEnvelope(raw).code).toBe(404);
	});

	itPaid('one paid task through the real node: text-to-video, 4 s, 480p, no sound', async () => {
		// n8n-core's own axios (a nested copy): print every APIXO answer the node receives, raw.
		const axios = require(require.resolve('axios', { paths: [require.resolve('n8n-core')] }));
		const log = (response: {
			status: number;
			headers: Record<string, unknown>;
			data: unknown;
			config: { method?: string; url?: string; baseURL?: string; qs?: object; params?: object };
		}) => {
			const path = String(response.config.url ?? '');
			const url = /^https?:/.test(path) ? path : `${response.config.baseURL ?? ''}${path}`;
			const query = response.config.params ?? response.config.qs;
			const search = query ? `?${new URLSearchParams(query as Record<string, string>)}` : '';
			if (!url.startsWith(BASE_URL)) return;
			const data = Buffer.isBuffer(response.data)
				? response.data.toString('utf8')
				: typeof response.data === 'string'
					? response.data
					: JSON.stringify(response.data);
			print([
				`\n── ${new Date().toISOString()} ${String(response.config.method).toUpperCase()} ${url.slice(BASE_URL.length)}${search}`,
				`  HTTP ${response.status}`,
				`  content-type: ${String(response.headers['content-type'] ?? '(none)')}`,
				`  retry-after: ${String(response.headers['retry-after'] ?? '(none)')}`,
				`  body: ${cut(data ?? '')}`,
			]);
		};
		const interceptor = axios.interceptors.response.use(
			(response: Parameters<typeof log>[0]) => (log(response), response),
			(error: { response?: Parameters<typeof log>[0] }) => {
				if (error.response) log(error.response);
				return Promise.reject(error);
			},
		);
		try {
			const { items, error } = await runNode({
				node: new SeedanceMini(),
				parameters: {
					operation: 'generate',
					mode: 'text-to-video',
					prompt: 'a paper boat drifting across a calm pond at sunrise, gentle ripples',
					resolution: '480p',
					duration: 4,
					aspectRatio: '16:9',
					sound: false,
					webSearch: false,
					requestType: 'async',
					waitForCompletion: true,
					options: {
						firstPollDelay: 60,
						pollInterval: 15,
						maxWait: 1200,
						maxCost: 0.25,
						budgetUsd: 0.25,
					},
				},
				credentials: { apixoApi: { apiKey: KEY, baseUrl: BASE_URL } },
			});
			print([
				'\n── node output',
				JSON.stringify(
					items.map((item) => item.json),
					null,
					1,
				),
				...(error ? [`error: ${error.message}`, `description: ${String(error.description)}`] : []),
			]);
			expect(error).toBeUndefined();
			const json = items[0].json;
			expect(json).toMatchObject({ taskId: expect.any(String), state: 'success' });
			expect((json.resultUrls as string[]).length).toBeGreaterThan(0);
			print([
				`taskId looks like the simulator's (32 lower-case hex): ${/^[0-9a-f]{32}$/.test(String(json.taskId))}`,
			]);
		} finally {
			axios.interceptors.response.eject(interceptor);
		}
	});
});
