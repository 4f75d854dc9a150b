/**
 * The n8n error a failed APIXO call becomes: the HTTP meaning and APIXO's own words, what to do,
 * whether a paid task may exist, and the task ID — built only from what we choose to show.
 */
import type { IAllExecuteFunctions, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { DEFAULT_BASE_URL } from './contract';
import { describeErrorBody, httpAdvice, readErrorBody, redact } from './errors';
import type { Failure } from './retry';

export interface ApixoErrorDetails extends Partial<Failure> {
	what: string;
	/** The error answer's body (JSON or text): its message, `data.error` and error id are shown. */
	body?: unknown;
	taskId?: string;
	itemIndex?: number;
	/** The base URL the call went to (for advice about it). */
	baseUrl?: string;
}

/** The raw axios error (which holds the request headers, i.e. the API key) is never attached. */
export function apixoApiError(
	ctx: Pick<IAllExecuteFunctions, 'getNode'>,
	details: ApixoErrorDetails,
	apiKey?: string,
): NodeApiError {
	const text = readErrorBody(details.body);
	const advice = details.httpCode
		? httpAdvice(details.httpCode, details.what, `${text.message ?? ''} ${text.detail ?? ''}`)
		: undefined;
	const headline = advice
		? `APIXO ${details.what} failed: ${details.httpCode} ${advice.meaning}`
		: `APIXO ${details.what} failed: ${details.reason ?? 'no answer'}`;
	const said = describeErrorBody(text, advice?.meaning);
	const message = redact(said ? `${headline} — ${said}` : headline, apiKey);
	let action =
		details.action ?? advice?.action ?? 'Check the base URL and your network, then retry';
	if (
		(details.httpCode === 404 || details.httpCode === 405) &&
		details.baseUrl &&
		!/\/api\/v1$/.test(details.baseUrl)
	) {
		action = `The base URL ${details.baseUrl} does not end in /api/v1: set the credential's Base URL to the API root, e.g. ${DEFAULT_BASE_URL}`;
	}
	const lines = [
		details.outcomeUnknown
			? 'What to do: Do not resubmit blindly. The task may have been created and billed although no task ID came back: check your APIXO dashboard before submitting again.'
			: `What to do: ${action}.`,
	];
	if (details.taskId) lines.push(`Task ID: ${details.taskId}`);
	const response: JsonObject = {
		message,
		...(details.httpCode ? { httpCode: String(details.httpCode) } : {}),
		...(details.taskId ? { taskId: details.taskId } : {}),
	};
	const error = new NodeApiError(ctx.getNode(), response, {
		message,
		description: lines.join(' '),
		// The HTTP code: NodeApiError reads it from `response`.
		itemIndex: details.itemIndex,
	});
	// NodeApiError maps some words to generic texts; keep ours, which say what to do.
	error.message = message;
	error.context.taskId = details.taskId;
	if (details.outcomeUnknown) error.context.outcomeUnknown = true;
	error.context.retryable = details.retryable === true;
	// A caller that waits (the poll loop) must not call again before APIXO allowed it.
	if (details.retryAfterMs !== undefined) error.context.retryAfterMs = details.retryAfterMs;
	return error;
}
