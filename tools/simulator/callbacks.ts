/**
 * Callbacks the way APIXO sends them: a final task POSTed to its callback_url (JSON body, 200
 * expected), first when the task ends, then up to retryDelaysMs.length retries; each attempt is
 * recorded as a delivery.
 */
import http from 'node:http';
import https from 'node:https';

import type { SimContext } from './context';
import { finalAt } from './tasks';
import type { SimTask } from './types';

export async function postCallback(
	url: string,
	payload: unknown,
	timeoutMs: number,
	open: Set<http.ClientRequest>,
): Promise<{ status?: number; error?: string }> {
	const body = JSON.stringify(payload);
	const client = url.startsWith('https:') ? https : http;
	return await new Promise((resolve) => {
		const request = client.request(
			url,
			{
				method: 'POST',
				headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
				timeout: timeoutMs,
				// Local test receivers may use self-signed certificates.
				rejectUnauthorized: false,
			},
			(response) => {
				response.resume();
				response.on('end', () => resolve({ status: response.statusCode }));
				response.on('error', (error) =>
					resolve({ status: response.statusCode, error: error.message }),
				);
			},
		);
		open.add(request);
		request.on('close', () => open.delete(request));
		request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
		request.on('error', (error) => resolve({ error: error.message }));
		request.end(body);
	});
}

/** One delivery of the task's callback; resolves to the receiver's status. */
export async function deliverOnce(ctx: SimContext, task: SimTask): Promise<number | undefined> {
	const url = task.body.callback_url!;
	const attempt = ctx.deliveries.filter((d) => d.taskId === task.taskId).length + 1;
	const payload = { code: 200, message: 'success', data: ctx.dataOf(task) };
	const started = ctx.generation;
	const outcome = await postCallback(url, payload, ctx.callbackTimeoutMs, ctx.outbound);
	if (started === ctx.generation)
		ctx.deliveries.push({ taskId: task.taskId, attempt, url, ...outcome, at: ctx.now() });
	return outcome.status;
}

/** First delivery plus up to retryDelaysMs.length retries, until the receiver says 200. */
export function scheduleCallback(ctx: SimContext, task: SimTask): void {
	const { callbackTimers, retryDelaysMs } = ctx;
	clearTimeout(callbackTimers.get(task.taskId));
	const done = finalAt(task, ctx.timing);
	if (task.body.request_type !== 'callback' || done === undefined) return;
	const attempt = (retry: number) => {
		if (ctx.closed) return;
		void deliverOnce(ctx, task).then((status) => {
			if (
				status !== 200 &&
				retry < retryDelaysMs.length &&
				!ctx.closed &&
				ctx.tasks.get(task.taskId) === task
			) {
				callbackTimers.set(
					task.taskId,
					ctx.later(retryDelaysMs[retry], () => attempt(retry + 1)),
				);
			}
		});
	};
	callbackTimers.set(
		task.taskId,
		ctx.later(Math.max(0, done - ctx.now()), () => attempt(0)),
	);
}
