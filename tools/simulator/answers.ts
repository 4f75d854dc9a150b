/**
 * How the simulator answers: a JSON (or raw) body that is also written into the request's
 * record, and APIXO's error envelope with its usual messages. Shared by the API, the faults and
 * the control routes.
 */
import type { Exchange } from './context';

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

export function respond(
	{ record, response }: Exchange,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
	raw?: string,
): void {
	const text = raw ?? JSON.stringify(body);
	const all = { 'content-type': 'application/json', ...headers };
	record.status = status;
	record.respondedAt = Date.now();
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
export function apiError(
	exchange: Exchange,
	status: number,
	detail?: string,
	headers?: Record<string, string>,
	message?: string,
	data?: unknown,
): void {
	const envelope: Record<string, unknown> = {
		code: status,
		message: message ?? MESSAGES[status] ?? 'Error',
	};
	if (data !== null)
		envelope.data = data ?? { error: detail ?? DETAILS[status] ?? envelope.message };
	respond(exchange, status, envelope, headers);
}
