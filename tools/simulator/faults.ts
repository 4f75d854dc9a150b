/**
 * Fault injection: which injected fault (if any) a request meets, and what the request gets
 * instead of its answer — an HTTP error, a reset or hung connection, a delay, a broken body.
 */
import { apiError, respond } from './answers';
import { createTask, serve } from './api';
import type { Exchange, SimContext } from './context';
import type { Fault, RecordedRequest } from './types';

/** The first fault that matches the request, used up once (forgotten when none is left). */
export function takeFault(ctx: SimContext, record: RecordedRequest): Fault | undefined {
	const { faults } = ctx;
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

export function applyFault(ctx: SimContext, exchange: Exchange, fault: Fault): void {
	const { record, request } = exchange;
	// "The task was made, then the answer was lost": any submit fault but a delay can do it.
	if (fault.createTask && record.endpoint === 'submit' && fault.kind !== 'delay')
		createTask(ctx, record);
	switch (fault.kind) {
		case 'reset':
			record.status = 0;
			request.socket.destroy();
			return;
		case 'hang':
			return; // never answered; close() destroys the socket
		case 'delay':
			ctx.later(fault.delayMs ?? 1000, () => serve(ctx, exchange));
			return;
		case 'malformedJson':
			return respond(exchange, 200, undefined, {}, '{"code":200,"data":');
		case 'wrongShape':
			return respond(exchange, 200, {
				code: 200,
				message: 'success',
				data: { unexpected: true },
			});
		case 'http':
			return httpFault(ctx, exchange, fault);
	}
}

/** An error status: the envelope (or a raw body), with Retry-After when the fault gives one. */
function httpFault(ctx: SimContext, exchange: Exchange, fault: Fault): void {
	const status = fault.status ?? 500;
	const headers: Record<string, string> = {};
	if (fault.retryAfterSeconds !== undefined)
		headers['Retry-After'] = String(fault.retryAfterSeconds);
	if (fault.retryAfterDate !== undefined) {
		headers['Retry-After'] = new Date(ctx.now() + fault.retryAfterDate * 1000).toUTCString();
	}
	if (fault.rawBody !== undefined) {
		const type =
			fault.contentType ?? (fault.rawBody.trimStart().startsWith('<') ? 'text/html' : 'text/plain');
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
