/**
 * The one door to APIXO: submit, status, balance. Everything that talks to the API goes through
 * `apixoRequest`, so retries, error wording and secret hygiene are decided once.
 *
 * Retry rules (the API page + "never pay twice"):
 * - reads (status, balance) retry on 429/500/502/503/504, connection errors, timeouts and
 *   unreadable bodies, with exponential backoff + full jitter, honouring Retry-After;
 * - the submit POST is retried only when it provably created nothing: a 429 answer, or a
 *   connection that was refused. Any other failure leaves the outcome unknown and is reported,
 *   never repeated.
 */
import type {
	IAllExecuteFunctions,
	IDataObject,
	IHttpRequestOptions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';
import type { z } from 'zod/v4';

import {
	balanceResponseSchema,
	DEFAULT_BASE_URL,
	ENDPOINTS,
	errorBodySchema,
	MODEL_ID,
	statusResponseSchema,
	submitResponseSchema,
	type SubmitBody,
	type TaskData,
} from './contract';
import { httpAdvice, redact } from './errors';
import { abortableSleep } from './sleep';

export const CREDENTIAL_TYPE = 'apixoApi';

export interface RetryPolicy {
	/** Total tries of one call, the first included. */
	maxAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** A Retry-After longer than this is not waited for: the call fails and says when to retry. */
	maxRetryAfterMs: number;
	/** Per-request timeout. */
	timeoutMs: number;
	/**
	 * Epoch ms: a retry whose wait would end later is not made (the error stays retryable), so a
	 * caller's own time limit (maxWait) holds through backoff and Retry-After waits.
	 */
	deadline?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
	maxAttempts: 5,
	baseDelayMs: 1000,
	maxDelayMs: 30_000,
	maxRetryAfterMs: 120_000,
	timeoutMs: 30_000,
};

export interface CallOptions {
	model?: string;
	retry?: Partial<RetryPolicy>;
	/** Ends backoff waits early (the execution's cancel signal is always honoured too). */
	signal?: AbortSignal;
	itemIndex?: number;
	/** Source of randomness for jitter (tests pin it). */
	random?: () => number;
}

type Kind = 'read' | 'create';

interface ApixoCall<T extends z.ZodType> {
	kind: Kind;
	what: string;
	method: 'GET' | 'POST';
	path: string;
	qs?: IDataObject;
	body?: IDataObject;
	taskId?: string;
	schema: T;
}

/** Connection errors after which the request certainly never reached APIXO. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
/** Connection errors a read may retry (the request may or may not have arrived). */
const TRANSIENT = new Set([
	...NOT_SENT,
	'ECONNRESET',
	'ETIMEDOUT',
	'ECONNABORTED',
	'EPIPE',
	'ESOCKETTIMEDOUT',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	'EHOSTUNREACH',
	'ENETUNREACH',
]);
const RETRY_STATUS_READ = new Set([429, 500, 502, 503, 504]);
const RETRY_STATUS_CREATE = new Set([429]);

export function normalizeBaseUrl(baseUrl: unknown): string {
	const text = typeof baseUrl === 'string' && baseUrl.trim() ? baseUrl.trim() : DEFAULT_BASE_URL;
	return text.replace(/\/+$/, '');
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, nowMs = Date.now()): number | undefined {
	const text = Array.isArray(value) ? value[0] : value;
	if (typeof text !== 'string' && typeof text !== 'number') return undefined;
	const raw = String(text).trim();
	if (/^\d+(\.\d+)?$/.test(raw)) return Math.ceil(Number(raw) * 1000);
	const date = Date.parse(raw);
	return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Exponential backoff with full jitter: a random wait in [0, min(max, base·2^(n-1))]. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	return Math.floor(random() * ceiling);
}

const ERRNO = /^(E[A-Z_]+|ERR_[A-Z_]+)$/;

/**
 * The errno-like code of a failed request. n8n wraps axios errors in a NodeApiError that keeps
 * the code in `httpCode` (or in its messages) and drops the original error.
 */
function errorCode(error: unknown): string | undefined {
	let current = error as
		| { code?: unknown; httpCode?: unknown; messages?: unknown; cause?: unknown }
		| undefined;
	for (let depth = 0; current && depth < 4; depth++) {
		for (const value of [current.code, current.httpCode]) {
			if (typeof value === 'string' && ERRNO.test(value)) return value;
		}
		const text = Array.isArray(current.messages) ? current.messages.join(' ') : '';
		const found = /\b(E[A-Z]{3,}[A-Z_]*)\b/.exec(text)?.[1];
		if (found) return found;
		if (/timeout of \d+ms exceeded/.test(text)) return 'ECONNABORTED';
		current = current.cause as typeof current;
	}
	return undefined;
}

function cancelSignal(ctx: IAllExecuteFunctions): AbortSignal | undefined {
	return 'getExecutionCancelSignal' in ctx ? ctx.getExecutionCancelSignal() : undefined;
}

function parseJson(text: unknown): unknown {
	if (typeof text !== 'string') return text;
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

export interface ApixoErrorDetails {
	what: string;
	httpCode?: number;
	apiMessage?: string;
	taskId?: string;
	/** True when a submit may have created a task although it failed. */
	outcomeUnknown?: boolean;
	/** True when the same read may succeed later (overload, 5xx, no answer). */
	retryable?: boolean;
	reason?: string;
	action?: string;
	itemIndex?: number;
}

/**
 * A NodeApiError built only from what we choose to show: the raw axios error (which holds the
 * request headers, i.e. the API key) is never attached.
 */
export function apixoApiError(
	ctx: Pick<IAllExecuteFunctions, 'getNode'>,
	details: ApixoErrorDetails,
	apiKey?: string,
): NodeApiError {
	const advice = details.httpCode ? httpAdvice(details.httpCode) : undefined;
	const headline = details.httpCode
		? `APIXO ${details.what} failed: ${details.httpCode} ${advice!.meaning}`
		: `APIXO ${details.what} failed: ${details.reason ?? 'no answer'}`;
	const apiMessage = details.apiMessage ? redact(details.apiMessage, apiKey) : undefined;
	const message = apiMessage ? `${headline} — ${apiMessage}` : headline;
	const lines = [
		`What to do: ${details.action ?? advice?.action ?? 'Check the base URL and your network, then retry'}.`,
	];
	if (details.outcomeUnknown) {
		lines.push(
			'The task may have been created and billed although no task ID came back: check your APIXO dashboard before submitting again.',
		);
	}
	if (details.taskId) lines.push(`Task ID: ${details.taskId}`);
	const response: JsonObject = {
		message,
		...(details.httpCode ? { httpCode: String(details.httpCode) } : {}),
		...(details.taskId ? { taskId: details.taskId } : {}),
	};
	const error = new NodeApiError(ctx.getNode(), response, {
		message,
		description: lines.join(' '),
		httpCode: details.httpCode ? String(details.httpCode) : undefined,
		itemIndex: details.itemIndex,
	});
	// NodeApiError maps some words to generic texts; keep ours, which say what to do.
	error.message = message;
	error.context.taskId = details.taskId;
	if (details.outcomeUnknown) error.context.outcomeUnknown = true;
	error.context.retryable = details.retryable === true;
	return error;
}

async function apixoRequest<T extends z.ZodType>(
	ctx: IAllExecuteFunctions,
	call: ApixoCall<T>,
	options: CallOptions = {},
): Promise<z.output<T>> {
	const policy = { ...DEFAULT_RETRY, ...options.retry };
	const credentials = await ctx.getCredentials<{ apiKey?: string; baseUrl?: string }>(
		CREDENTIAL_TYPE,
	);
	const apiKey = credentials.apiKey;
	const url = `${normalizeBaseUrl(credentials.baseUrl)}${call.path}`;
	const signals = [options.signal, cancelSignal(ctx)].filter((s): s is AbortSignal => !!s);
	const fail = (details: Omit<ApixoErrorDetails, 'what' | 'taskId' | 'itemIndex'>) =>
		apixoApiError(
			ctx,
			{ what: call.what, taskId: call.taskId, itemIndex: options.itemIndex, ...details },
			apiKey,
		);
	const aborted = () => signals.find((s) => s.aborted);
	const wait = async (ms: number) => {
		for (const s of signals) if (s.aborted) throw fail({ reason: 'cancelled' });
		try {
			await abortableSleep(ms, signals.length > 1 ? AbortSignal.any(signals) : signals[0]);
		} catch {
			throw fail({ reason: 'cancelled', action: 'Nothing to do: the execution was stopped' });
		}
	};

	const request: IHttpRequestOptions = {
		method: call.method,
		url,
		qs: call.qs,
		body: call.body,
		json: true,
		// Read the body as text and parse it here: APIXO's error bodies are not always JSON.
		encoding: 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// A redirect could carry the Authorization header to another host.
		disableFollowRedirect: true,
		timeout: policy.timeoutMs,
	};

	for (let attempt = 1; ; attempt++) {
		const last = attempt >= policy.maxAttempts;
		/** Whether another attempt after `delayMs` is allowed. */
		const mayRetryAfter = (delayMs: number) =>
			!last && (policy.deadline === undefined || Date.now() + delayMs < policy.deadline);
		const backoff = backoffDelay(attempt, policy, options.random);
		let response: { statusCode: number; headers: IDataObject; body: unknown };
		try {
			response = await ctx.helpers.httpRequestWithAuthentication.call(
				ctx,
				CREDENTIAL_TYPE,
				request,
			);
		} catch (error) {
			if (aborted())
				throw fail({ reason: 'cancelled', action: 'Nothing to do: the execution was stopped' });
			const code = errorCode(error) ?? 'connection error';
			const retryable = call.kind === 'read' ? TRANSIENT.has(code) : NOT_SENT.has(code);
			ctx.logger.debug(`APIXO ${call.what}: ${code}`, { attempt, taskId: call.taskId });
			if (retryable && mayRetryAfter(backoff)) {
				await wait(backoff);
				continue;
			}
			throw fail({
				reason:
					code === 'ECONNABORTED' || code === 'ETIMEDOUT'
						? `no answer within ${policy.timeoutMs} ms`
						: code,
				retryable: call.kind === 'read' && TRANSIENT.has(code),
				outcomeUnknown: call.kind === 'create' && !NOT_SENT.has(code),
				action:
					call.kind === 'create' && !NOT_SENT.has(code)
						? 'Do not resubmit blindly'
						: `Check the base URL (${url.replace(call.path, '')}) and your network, then retry`,
			});
		}

		const body = parseJson(response.body);
		// APIXO repeats the status in the body's `code`; trust the worse of the two.
		const bodyCode = (body as { code?: unknown } | undefined)?.code;
		const status =
			response.statusCode < 300 && typeof bodyCode === 'number' && bodyCode >= 300
				? bodyCode
				: response.statusCode;

		if (status >= 200 && status < 300) {
			const parsed = call.schema.safeParse(body);
			if (parsed.success) return parsed.data;
			ctx.logger.debug(`APIXO ${call.what}: unreadable answer`, { attempt, taskId: call.taskId });
			if (call.kind === 'read' && mayRetryAfter(backoff)) {
				await wait(backoff);
				continue;
			}
			throw fail({
				reason:
					body === undefined
						? `the answer (HTTP ${response.statusCode}) was not JSON`
						: `the answer (HTTP ${response.statusCode}) did not have the documented shape`,
				outcomeUnknown: call.kind === 'create',
				retryable: call.kind === 'read',
				action:
					call.kind === 'create'
						? 'Do not resubmit blindly'
						: 'Retry later; if it persists, check the base URL points at the APIXO API',
			});
		}

		const retryAfterMs = parseRetryAfter(response.headers?.['retry-after']);
		const retryStatuses = call.kind === 'read' ? RETRY_STATUS_READ : RETRY_STATUS_CREATE;
		const apiMessage = errorBodySchema.safeParse(body).data?.message;
		ctx.logger.debug(`APIXO ${call.what}: HTTP ${status}`, {
			attempt,
			taskId: call.taskId,
			retryAfterMs,
		});
		if (retryStatuses.has(status) && !last) {
			if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
				throw fail({
					httpCode: status,
					apiMessage,
					action: `APIXO asked to wait ${Math.ceil(retryAfterMs / 1000)} s (Retry-After): retry after that`,
				});
			}
			if (mayRetryAfter(retryAfterMs ?? backoff)) {
				await wait(retryAfterMs ?? backoff);
				continue;
			}
		}
		const error = fail({
			httpCode: status,
			apiMessage,
			retryable: call.kind === 'read' && RETRY_STATUS_READ.has(status),
			// A submit that got a 5xx may still have created the task.
			outcomeUnknown: call.kind === 'create' && status >= 500,
			action:
				call.kind === 'create' && status >= 500
					? 'Do not resubmit blindly'
					: status >= 300 && status < 400
						? `APIXO answered with a redirect: check the base URL (${normalizeBaseUrl(credentials.baseUrl)})`
						: undefined,
		});
		// The poll loop must not call again before APIXO allowed it.
		if (retryAfterMs !== undefined) error.context.retryAfterMs = retryAfterMs;
		throw error;
	}
}

/** POST /generateTask/<model>: never repeated unless it provably created nothing. */
export async function submitTask(
	this: IAllExecuteFunctions,
	body: SubmitBody,
	options: CallOptions = {},
): Promise<{ taskId: string }> {
	const model = options.model ?? MODEL_ID;
	const answer = await apixoRequest(
		this,
		{
			kind: 'create',
			what: 'submit',
			method: 'POST',
			path: ENDPOINTS.submit(model),
			body: body as unknown as IDataObject,
			schema: submitResponseSchema,
		},
		options,
	);
	return { taskId: answer.data.taskId };
}

/** GET /statusTask/<model>?taskId=… */
export async function getTaskStatus(
	this: IAllExecuteFunctions,
	taskId: string,
	options: CallOptions = {},
): Promise<TaskData> {
	const model = options.model ?? MODEL_ID;
	const answer = await apixoRequest(
		this,
		{
			kind: 'read',
			what: 'status',
			method: 'GET',
			path: ENDPOINTS.status(model),
			qs: { taskId },
			taskId,
			schema: statusResponseSchema,
		},
		options,
	);
	return answer.data;
}

/** GET /apikeys/current-balance (free). */
export async function getBalance(
	this: IAllExecuteFunctions,
	options: CallOptions = {},
): Promise<number> {
	const answer = await apixoRequest(
		this,
		{
			kind: 'read',
			what: 'balance',
			method: 'GET',
			path: ENDPOINTS.balance,
			schema: balanceResponseSchema,
		},
		options,
	);
	return answer.data;
}
