/**
 * What the simulator answers when no fault intervenes: the file host (result videos, reference
 * media) and the API — auth, balance, submit (validation, reference lengths, billing, a new
 * task) and status.
 */
import { randomBytes } from 'node:crypto';

import { apiError, respond } from './answers';
import { scheduleCallback } from './callbacks';
import { API_PREFIX, type Exchange, type SimContext } from './context';
import { serveMedia, servedMediaSeconds, streamVideo } from './files';
import { isFinal } from './tasks';
import type { RecordedRequest, SimTask } from './types';
import { checkReferenceDurations, checkSubmitBody, MODEL_ID, priceUsd } from './validation';

/** A task for a valid submit body (none for an invalid one), its callback scheduled. */
export function createTask(ctx: SimContext, record: RecordedRequest): SimTask | undefined {
	const validation = checkSubmitBody(record.body);
	if (!validation.ok) return undefined;
	const task: SimTask = {
		// Real task ids are 32 lower-case hex characters.
		taskId: randomBytes(16).toString('hex'),
		model: MODEL_ID,
		body: validation.body,
		createdAt: ctx.now(),
		plan: ctx.plans.shift() ?? {},
	};
	ctx.tasks.set(task.taskId, task);
	record.taskId = task.taskId;
	scheduleCallback(ctx, task);
	return task;
}

export function serve(ctx: SimContext, exchange: Exchange): void {
	const { record, request } = exchange;
	if (record.endpoint === 'file') return serveFile(ctx, exchange);
	if (!record.path.startsWith(`${API_PREFIX}/`) || record.endpoint === 'unknown') {
		return apiError(exchange, 404, `No route ${record.method} ${record.path}`);
	}
	const auth = request.headers.authorization ?? '';
	const key = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
	if (!key) return apiError(exchange, 401, 'Missing Authorization: Bearer <API key> header');
	if (!ctx.apiKeys.includes(key)) {
		// The system page lets the balance endpoint answer 403 for a key it refuses.
		const status = record.endpoint === 'balance' ? ctx.wrongKeyStatus : 401;
		return apiError(exchange, status, 'Invalid API key');
	}

	if (record.endpoint === 'balance') {
		return respond(exchange, 200, {
			code: 200,
			message: 'success',
			data: round(ctx.sim.balanceUsd),
		});
	}
	const model = record.path.split('/').pop() ?? '';
	if (model !== MODEL_ID) return apiError(exchange, 404, `Model not found: ${model}`);
	if (record.endpoint === 'submit') return submit(ctx, exchange);

	// status
	const taskId = record.query.taskId;
	if (!taskId) return apiError(exchange, 400, 'Missing required field: taskId');
	const task = ctx.tasks.get(taskId);
	if (!task)
		return apiError(exchange, 404, `Task not found: ${taskId}`, undefined, 'Task not found');
	return respond(exchange, 200, { code: 200, message: 'success', data: ctx.dataOf(task) });
}

/** `/media/<fixture>`, or a task's result file once the task has succeeded. */
function serveFile(ctx: SimContext, exchange: Exchange): void {
	const { record, request, response } = exchange;
	if (record.path.startsWith('/media/')) {
		record.status = 200;
		record.respondedAt = ctx.now();
		return serveMedia(
			request,
			response,
			record.path.slice('/media/'.length),
			record.query.norange !== '1',
		);
	}
	const task = record.taskId ? ctx.tasks.get(record.taskId) : undefined;
	if (!task || ctx.dataOf(task).state.toLowerCase() !== 'success')
		return apiError(exchange, 404, 'No such file');
	record.status = 200;
	record.respondedAt = ctx.now();
	return streamVideo(response, task.plan.resultBytes ?? ctx.resultBytes);
}

function submit(ctx: SimContext, exchange: Exchange): void {
	const { sim } = ctx;
	if (!exchange.isJson)
		return apiError(exchange, 400, 'Invalid field body: must be JSON (got text that is not JSON)');
	const validation = checkSubmitBody(exchange.record.body);
	if (!validation.ok) return apiError(exchange, 400, validation.error);
	const limit = sim.taskLimit;
	if (limit) {
		const running = [...ctx.tasks.values()].filter((task) => !isFinal(ctx.dataOf(task).state));
		if (running.length >= limit.tasks) {
			const headers: Record<string, string> =
				limit.retryAfterSeconds === undefined
					? {}
					: { 'Retry-After': String(limit.retryAfterSeconds) };
			return apiError(
				exchange,
				429,
				`Concurrency limit reached: ${running.length} of ${limit.tasks} tasks running`,
				headers,
			);
		}
	}
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
	const task = createTask(ctx, exchange.record)!;
	return respond(exchange, 200, {
		code: 200,
		message: 'success',
		data: { taskId: task.taskId },
	});
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
