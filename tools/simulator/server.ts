/**
 * A local APIXO that follows the Seedance 2.0 Mini API page: auth, validation (its own reading
 * of the page, in ./validation), billing against a balance, tasks whose state moves with the
 * clock, resultJson as a string, result files on another host, callbacks with retries, errors as
 * `{code, message, data: {error}}` — plus fault injection and a log of every request, so tests
 * can assert "0 requests" or "exactly 1 submit".
 * This file holds the two HTTP servers, the request log and the routing; the answers are in
 * ./api, ./faults, ./control and ./callbacks.
 * It imports nothing of the nodes, the contract included: a shared misreading would never show.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { report } from '../observe';
import { serve } from './api';
import { deliverOnce, scheduleCallback } from './callbacks';
import { API_PREFIX, type Exchange, type SimContext } from './context';
import { control } from './control';
import { applyFault, takeFault } from './faults';
import { isFinal, taskData, type Timing } from './tasks';
import type {
	CallbackDelivery,
	Endpoint,
	RecordedRequest,
	SimTask,
	Simulator,
	SimulatorOptions,
} from './types';
import { ENDPOINTS } from './validation';

export type * from './types';

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
	const apiKeys = options.apiKeys ?? ['sim-key'];
	report.secret(...apiKeys);
	const timing: Timing = options.timing ?? { pendingMs: 1000, processingMs: 3000 };

	const requests: RecordedRequest[] = [];
	const tasks = new Map<string, SimTask>();
	const deliveries: CallbackDelivery[] = [];
	const timers = new Set<NodeJS.Timeout>();
	const sockets = new Set<Socket>();
	let seq = 0;
	const now = () => Date.now();

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

	const sim: Simulator = {
		baseUrl: `${origin}${API_PREFIX}`,
		origin,
		fileOrigin,
		apiKey: apiKeys[0],
		requests,
		tasks,
		deliveries,
		balanceUsd: options.balanceUsd ?? 100,
		taskLimit: options.taskLimit,
		now,
		count: (endpoint) =>
			requests.filter((r) => (endpoint ? r.endpoint === endpoint : r.endpoint !== 'control'))
				.length,
		inject: (fault) => {
			ctx.faults.push({ ...fault, left: fault.times ?? 1 });
		},
		planNextTasks: (...next) => {
			ctx.plans.push(...next);
		},
		setTaskPlan: (taskId, plan) => {
			const task = tasks.get(taskId);
			if (!task) throw new Error(`simulator: no task ${taskId}`);
			task.plan = plan;
			scheduleCallback(ctx, task);
		},
		taskData: (taskId) => {
			const task = tasks.get(taskId);
			return task && ctx.dataOf(task);
		},
		deliver: async (taskId) => {
			const task = tasks.get(taskId);
			if (!task?.body.callback_url || !isFinal(ctx.dataOf(task).state)) return undefined;
			return await deliverOnce(ctx, task);
		},
		reset: () => {
			ctx.generation++;
			requests.length = 0;
			deliveries.length = 0;
			tasks.clear();
			ctx.faults = [];
			ctx.plans = [];
			for (const timer of ctx.callbackTimers.values()) clearTimeout(timer);
			ctx.callbackTimers.clear();
		},
		close: async () => {
			ctx.closed = true;
			for (const timer of [...timers, ...ctx.callbackTimers.values()]) clearTimeout(timer);
			timers.clear();
			for (const request of ctx.outbound) request.destroy();
			for (const socket of sockets) socket.destroy();
			await Promise.all(
				[api, files].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
			);
		},
	};

	const ctx: SimContext = {
		sim,
		apiKeys,
		wrongKeyStatus: options.wrongKeyStatus ?? 401,
		timing,
		resultBytes: options.resultBytes ?? 1024 * 1024,
		callbackTimeoutMs: options.callback?.timeoutMs ?? 30_000,
		retryDelaysMs: options.callback?.retryDelaysMs ?? [1000, 2000, 4000],
		fileOrigin,
		requests,
		tasks,
		deliveries,
		faults: [],
		plans: [],
		timers,
		callbackTimers: new Map(),
		outbound: new Set(),
		closed: false,
		generation: 0,
		now,
		later: (ms, fn) => {
			const timer = setTimeout(() => {
				timers.delete(timer);
				fn();
			}, ms);
			timers.add(timer);
			return timer;
		},
		dataOf: (task) => taskData(task, now(), timing, fileOrigin),
	};

	/** Records the request, then answers it: control route, injected fault or the real answer. */
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
			report.otherHost({ url: `${fileOrigin}${path}`, authorization: req.headers.authorization });
		const exchange: Exchange = { record, isJson, request: req, response: res };
		if (options.log)
			res.on('close', () =>
				options.log!(`${record.method} ${path} → ${record.status ?? 'no answer'}`),
			);

		if (endpoint === 'control') return control(ctx, exchange, path);
		const fault = takeFault(ctx, record);
		if (fault) return applyFault(ctx, exchange, fault);
		return serve(ctx, exchange);
	}

	return sim;
}

function classify(req: http.IncomingMessage, host: 'api' | 'file', path: string): Endpoint {
	if (host === 'file') return 'file';
	if (path.startsWith('/__sim/')) return 'control';
	if (req.method === 'POST' && path.startsWith(`${API_PREFIX}/generateTask/`)) return 'submit';
	if (req.method === 'GET' && path.startsWith(`${API_PREFIX}/statusTask/`)) return 'status';
	if (req.method === 'GET' && path === `${API_PREFIX}${ENDPOINTS.balance}`) return 'balance';
	return 'unknown';
}
