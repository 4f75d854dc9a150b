/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/**
 * A local APIXO that follows the Seedance 2.0 Mini API page: auth, validation (its own reading
 * of the page, in ./validation), billing against a balance, tasks whose state moves with the
 * clock, resultJson as a string, result files on another host, callbacks with retries, errors as
 * `{code, message, data: {error}}` — plus fault injection and a log of every request, so tests
 * can assert "0 requests" or "exactly 1 submit".
 * It imports nothing of the nodes, the contract included: a shared misreading would never show.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { addSecret, collectOtherHost } from '../harness/sweep';
import { postCallback } from './callbacks';
import { serveMedia, servedMediaSeconds, streamVideo } from './files';
import { finalAt, isFinal, taskData, type Timing } from './tasks';
import type {
	CallbackDelivery,
	Endpoint,
	Fault,
	RecordedRequest,
	SimTask,
	Simulator,
	SimulatorOptions,
	TaskPlan,
} from './types';
import {
	checkReferenceDurations,
	checkSubmitBody,
	ENDPOINTS,
	MODEL_ID,
	priceUsd,
} from './validation';

export type * from './types';

const API_PREFIX = '/api/v1';
const MESSAGES: Record<number, string> = {
	400: 'Invalid request',
	401: 'Missing or invalid API key',
	402: 'Insufficient balance',
	403: 'This key cannot access the model',
	404: 'Not found',
	429: 'Rate limit reached, slow down',
	500: 'Internal server error',
	502: 'Upstream error',
	503: 'Service unavailable',
	504: 'Upstream timeout',
};
/** `data.error` of an answer nobody gave a detail for. */
const DETAILS: Record<number, string> = {
	400: 'The request is invalid',
	401: 'Missing or invalid API key',
	402: 'Insufficient balance or quota for this task',
	403: 'This key or route cannot access the model',
	404: 'Not found',
	429: 'Rate limit or concurrency limit reached',
	500: 'Internal server error',
	502: 'The upstream provider returned an error',
	503: 'Model temporarily unavailable',
	504: 'The upstream provider timed out',
};

interface Exchange {
	record: RecordedRequest;
	/** The body parsed as JSON (any JSON value). */
	isJson: boolean;
	request: http.IncomingMessage;
	response: http.ServerResponse;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
	const apiKeys = options.apiKeys ?? ['sim-key'];
	const wrongKeyStatus = options.wrongKeyStatus ?? 401;
	addSecret(...apiKeys);
	const timing: Timing = options.timing ?? { pendingMs: 1000, processingMs: 3000 };
	const resultBytes = options.resultBytes ?? 1024 * 1024;
	const callbackTimeoutMs = options.callback?.timeoutMs ?? 30_000;
	const retryDelaysMs = options.callback?.retryDelaysMs ?? [1000, 2000, 4000];

	const requests: RecordedRequest[] = [];
	const tasks = new Map<string, SimTask>();
	const deliveries: CallbackDelivery[] = [];
	let faults: Array<Fault & { left: number }> = [];
	let plans: TaskPlan[] = [];
	const timers = new Set<NodeJS.Timeout>();
	const callbackTimers = new Map<string, NodeJS.Timeout>();
	const sockets = new Set<Socket>();
	const outbound = new Set<http.ClientRequest>();
	let closed = false;
	let seq = 0;
	/** Bumped by reset(): deliveries still in flight from before are not recorded. */
	let generation = 0;
	const now = () => Date.now();

	const later = (ms: number, fn: () => void) => {
		const timer = setTimeout(() => {
			timers.delete(timer);
			fn();
		}, ms);
		timers.add(timer);
		return timer;
	};

	const api = http.createServer((req, res) => void handle(req, res, 'api'));
	const files = http.createServer((req, res) => void handle(req, res, 'file'));
	for (const server of [api, files]) {
		server.on('connection', (socket) => {
			sockets.add(socket);
			socket.on('close', () => sockets.delete(socket));
		});
		await new Promise<void>((resolve) =>
			server.listen(server === api ? (options.port ?? 0) : 0, '127.0.0.1', resolve),
		);
	}
	const origin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
	const fileOrigin = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;

	const dataOf = (task: SimTask) => taskData(task, now(), timing, fileOrigin);

	// ------------------------------------------------------------------ callbacks
	async function deliverOnce(task: SimTask): Promise<number | undefined> {
		const url = task.body.callback_url!;
		const attempt = deliveries.filter((d) => d.taskId === task.taskId).length + 1;
		const payload = { code: 200, message: 'success', data: dataOf(task) };
		const started = generation;
		const outcome = await postCallback(url, payload, callbackTimeoutMs, outbound);
		if (started === generation)
			deliveries.push({ taskId: task.taskId, attempt, url, ...outcome, at: now() });
		return outcome.status;
	}

	/** First delivery plus up to retryDelaysMs.length retries, until the receiver says 200. */
	function scheduleCallback(task: SimTask): void {
		clearTimeout(callbackTimers.get(task.taskId));
		const done = finalAt(task, timing);
		if (task.body.request_type !== 'callback' || done === undefined) return;
		const attempt = (retry: number) => {
			if (closed) return;
			void deliverOnce(task).then((status) => {
				if (
					status !== 200 &&
					retry < retryDelaysMs.length &&
					!closed &&
					tasks.get(task.taskId) === task
				) {
					callbackTimers.set(
						task.taskId,
						later(retryDelaysMs[retry], () => attempt(retry + 1)),
					);
				}
			});
		};
		callbackTimers.set(
			task.taskId,
			later(Math.max(0, done - now()), () => attempt(0)),
		);
	}

	// ------------------------------------------------------------------ request handling
	function classify(req: http.IncomingMessage, host: 'api' | 'file', path: string): Endpoint {
		if (host === 'file') return 'file';
		if (path.startsWith('/__sim/')) return 'control';
		if (req.method === 'POST' && path.startsWith(`${API_PREFIX}/generateTask/`)) return 'submit';
		if (req.method === 'GET' && path.startsWith(`${API_PREFIX}/statusTask/`)) return 'status';
		if (req.method === 'GET' && path === `${API_PREFIX}${ENDPOINTS.balance}`) return 'balance';
		return 'unknown';
	}

	function respond(
		{ record, response }: Exchange,
		status: number,
		body: unknown,
		headers: Record<string, string> = {},
		raw?: string,
	): void {
		const text = raw ?? JSON.stringify(body);
		const all = { 'content-type': 'application/json', ...headers };
		record.status = status;
		record.respondedAt = now();
		record.responseHeaders = Object.fromEntries(
			Object.entries(all).map(([k, v]) => [k.toLowerCase(), v]),
		);
		record.responseBody = raw === undefined ? body : raw;
		response.writeHead(status, all);
		response.end(text);
	}

	/**
	 * APIXO's error shape: `{code, message, data: {error: <detail>}}` (its error page shows
	 * `{"code":400,"message":"Invalid request","data":{"error":"Missing required field: input.prompt"}}`).
	 * `data: null` leaves data out: the `{code, message}` body facts.md calls optional.
	 */
	const apiError = (
		exchange: Exchange,
		status: number,
		detail?: string,
		headers?: Record<string, string>,
		message?: string,
		data?: unknown,
	) => {
		const envelope: Record<string, unknown> = {
			code: status,
			message: message ?? MESSAGES[status] ?? 'Error',
		};
		if (data !== null)
			envelope.data = data ?? { error: detail ?? DETAILS[status] ?? envelope.message };
		respond(exchange, status, envelope, headers);
	};

	async function handle(req: http.IncomingMessage, res: http.ServerResponse, host: 'api' | 'file') {
		const receivedAt = now();
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const url = new URL(req.url ?? '/', 'http://sim');
		const path = url.pathname.replace(/\/{2,}/g, '/');
		const text = Buffer.concat(chunks).toString('utf8');
		let body: unknown = text || undefined;
		let isJson = false;
		try {
			body = text ? JSON.parse(text) : undefined;
			isJson = text !== '';
		} catch {
			// kept as the raw string
		}
		const endpoint = classify(req, host, path);
		const query = Object.fromEntries(url.searchParams);
		const record: RecordedRequest = {
			seq: ++seq,
			endpoint,
			method: req.method ?? 'GET',
			path,
			query,
			headers: { ...req.headers },
			body,
			taskId: endpoint === 'file' ? /\/files\/([^/.-]+)/.exec(path)?.[1] : query.taskId,
			receivedAt,
		};
		requests.push(record);
		if (host === 'file')
			collectOtherHost({ url: `${fileOrigin}${path}`, authorization: req.headers.authorization });
		const exchange: Exchange = { record, isJson, request: req, response: res };
		if (options.log)
			res.on('close', () =>
				options.log!(`${record.method} ${path} → ${record.status ?? 'no answer'}`),
			);

		if (endpoint === 'control') return control(exchange, path);
		const fault = takeFault(record);
		if (fault) return applyFault(exchange, fault);
		return serve(exchange);
	}

	function takeFault(record: RecordedRequest): Fault | undefined {
		const index = faults.findIndex(
			(f) =>
				(f.endpoint === 'any' || f.endpoint === record.endpoint) &&
				(!f.taskId || f.taskId === record.taskId),
		);
		if (index < 0) return undefined;
		const fault = faults[index];
		if (--fault.left <= 0) faults.splice(index, 1);
		return fault;
	}

	function applyFault(exchange: Exchange, fault: Fault): void {
		const { record, request } = exchange;
		// "The task was made, then the answer was lost": any submit fault but a delay can do it.
		if (fault.createTask && record.endpoint === 'submit' && fault.kind !== 'delay')
			createTask(record);
		switch (fault.kind) {
			case 'reset':
				record.status = 0;
				request.socket.destroy();
				return;
			case 'hang':
				return; // never answered; close() destroys the socket
			case 'delay':
				later(fault.delayMs ?? 1000, () => serve(exchange));
				return;
			case 'malformedJson':
				return respond(exchange, 200, undefined, {}, '{"code":200,"data":');
			case 'wrongShape':
				return respond(exchange, 200, {
					code: 200,
					message: 'success',
					data: { unexpected: true },
				});
			case 'http': {
				const status = fault.status ?? 500;
				const headers: Record<string, string> = {};
				if (fault.retryAfterSeconds !== undefined)
					headers['Retry-After'] = String(fault.retryAfterSeconds);
				if (fault.retryAfterDate !== undefined) {
					headers['Retry-After'] = new Date(now() + fault.retryAfterDate * 1000).toUTCString();
				}
				if (fault.rawBody !== undefined) {
					const type =
						fault.contentType ??
						(fault.rawBody.trimStart().startsWith('<') ? 'text/html' : 'text/plain');
					return respond(
						exchange,
						status,
						undefined,
						{ ...headers, 'content-type': type },
						fault.rawBody,
					);
				}
				return apiError(exchange, status, undefined, headers, fault.message, fault.data);
			}
		}
	}

	function createTask(record: RecordedRequest): SimTask | undefined {
		const validation = checkSubmitBody(record.body);
		if (!validation.ok) return undefined;
		const task: SimTask = {
			// Real task ids are 32 lower-case hex characters.
			taskId: randomBytes(16).toString('hex'),
			model: MODEL_ID,
			body: validation.body,
			createdAt: now(),
			plan: plans.shift() ?? {},
		};
		tasks.set(task.taskId, task);
		record.taskId = task.taskId;
		scheduleCallback(task);
		return task;
	}

	function serve(exchange: Exchange): void {
		const { record, request, response } = exchange;
		if (record.endpoint === 'file' && record.path.startsWith('/media/')) {
			record.status = 200;
			record.respondedAt = now();
			return serveMedia(
				request,
				response,
				record.path.slice('/media/'.length),
				record.query.norange !== '1',
			);
		}
		if (record.endpoint === 'file') {
			const task = record.taskId ? tasks.get(record.taskId) : undefined;
			if (!task || dataOf(task).state.toLowerCase() !== 'success')
				return apiError(exchange, 404, 'No such file');
			record.status = 200;
			record.respondedAt = now();
			return streamVideo(response, task.plan.resultBytes ?? resultBytes);
		}
		if (!record.path.startsWith(`${API_PREFIX}/`) || record.endpoint === 'unknown') {
			return apiError(exchange, 404, `No route ${record.method} ${record.path}`);
		}
		const auth = request.headers.authorization ?? '';
		const key = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
		if (!key) return apiError(exchange, 401, 'Missing Authorization: Bearer <API key> header');
		if (!apiKeys.includes(key)) {
			// The system page lets the balance endpoint answer 403 for a key it refuses.
			const status = record.endpoint === 'balance' ? wrongKeyStatus : 401;
			return apiError(exchange, status, 'Invalid API key');
		}

		if (record.endpoint === 'balance') {
			return respond(exchange, 200, { code: 200, message: 'success', data: round(sim.balanceUsd) });
		}
		const model = record.path.split('/').pop() ?? '';
		if (model !== MODEL_ID) return apiError(exchange, 404, `Model not found: ${model}`);

		if (record.endpoint === 'submit') {
			if (!exchange.isJson)
				return apiError(
					exchange,
					400,
					'Invalid field body: must be JSON (got text that is not JSON)',
				);
			const validation = checkSubmitBody(record.body);
			if (!validation.ok) return apiError(exchange, 400, validation.error);
			const { input } = validation.body;
			const durations = checkReferenceDurations(input, mediaSeconds);
			if (durations) return apiError(exchange, 400, durations);
			// Unknown lengths bill as 0 s: the simulator cannot measure what it does not serve.
			const videoSeconds = (input.video_urls ?? []).reduce(
				(sum, url) => sum + (mediaSeconds(url) ?? 0),
				0,
			);
			const cost = priceUsd(input, videoSeconds);
			if (cost > sim.balanceUsd) {
				return apiError(
					exchange,
					402,
					`Insufficient balance: the task costs $${cost}, the balance is $${round(sim.balanceUsd)}`,
				);
			}
			sim.balanceUsd = round(sim.balanceUsd - cost);
			const task = createTask(record)!;
			return respond(exchange, 200, {
				code: 200,
				message: 'success',
				data: { taskId: task.taskId },
			});
		}

		// status
		const taskId = record.query.taskId;
		if (!taskId) return apiError(exchange, 400, 'Missing required field: taskId');
		const task = tasks.get(taskId);
		if (!task)
			return apiError(exchange, 404, `Task not found: ${taskId}`, undefined, 'Task not found');
		return respond(exchange, 200, { code: 200, message: 'success', data: dataOf(task) });
	}

	// ------------------------------------------------------------------ out-of-process control
	function control(exchange: Exchange, path: string): void {
		const body = exchange.record.body as never;
		const ok = (data: unknown = true) => respond(exchange, 200, { ok: true, data });
		if (path === '/__sim/faults' && exchange.record.method === 'POST') return ok(sim.inject(body));
		if (path === '/__sim/plans' && exchange.record.method === 'POST') {
			return ok(sim.planNextTasks(...(Array.isArray(body) ? body : [body])));
		}
		if (path === '/__sim/requests') return ok(requests.filter((r) => r.endpoint !== 'control'));
		if (path === '/__sim/tasks') {
			return ok([...tasks.values()].map((t) => ({ ...t, data: dataOf(t) })));
		}
		if (path === '/__sim/deliveries') return ok(deliveries);
		if (path === '/__sim/reset' && exchange.record.method === 'POST') return ok(sim.reset());
		const deliver = /^\/__sim\/tasks\/([^/]+)\/deliver$/.exec(path);
		if (deliver && exchange.record.method === 'POST') {
			void sim.deliver(deliver[1]).then((status) => ok({ status }));
			return;
		}
		return apiError(exchange, 404, `No control route ${path}`);
	}

	const sim: Simulator = {
		baseUrl: `${origin}${API_PREFIX}`,
		origin,
		fileOrigin,
		apiKey: apiKeys[0],
		requests,
		tasks,
		deliveries,
		balanceUsd: options.balanceUsd ?? 100,
		now,
		count: (endpoint) =>
			requests.filter((r) => (endpoint ? r.endpoint === endpoint : r.endpoint !== 'control'))
				.length,
		inject: (fault) => {
			faults.push({ ...fault, left: fault.times ?? 1 });
		},
		planNextTasks: (...next) => {
			plans.push(...next);
		},
		setTaskPlan: (taskId, plan) => {
			const task = tasks.get(taskId);
			if (!task) throw new Error(`simulator: no task ${taskId}`);
			task.plan = plan;
			scheduleCallback(task);
		},
		taskData: (taskId) => {
			const task = tasks.get(taskId);
			return task && dataOf(task);
		},
		deliver: async (taskId) => {
			const task = tasks.get(taskId);
			if (!task?.body.callback_url || !isFinal(dataOf(task).state)) return undefined;
			return await deliverOnce(task);
		},
		reset: () => {
			generation++;
			requests.length = 0;
			deliveries.length = 0;
			tasks.clear();
			faults = [];
			plans = [];
			for (const timer of callbackTimers.values()) clearTimeout(timer);
			callbackTimers.clear();
		},
		close: async () => {
			closed = true;
			for (const timer of [...timers, ...callbackTimers.values()]) clearTimeout(timer);
			timers.clear();
			for (const request of outbound) request.destroy();
			for (const socket of sockets) socket.destroy();
			await Promise.all(
				[api, files].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
			);
		},
	};
	return sim;
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

/**
 * The simulator does not read media: a reference URL states its own length (`?seconds=12`, a
 * test affordance), or is one of its own /media files, known by name. Other URLs have an unknown
 * length and pass, as a readable 2–15 s file would.
 */
function mediaSeconds(url: string): number | undefined {
	try {
		const parsed = new URL(url);
		const seconds = parsed.searchParams.get('seconds');
		return seconds === null ? servedMediaSeconds(parsed.pathname) : Number(seconds);
	} catch {
		return undefined;
	}
}
