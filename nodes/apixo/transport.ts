/**
 * The one door to APIXO: submit, status, balance. Everything that talks to the API goes through
 * `apixoRequest`, a short loop that sends, reads the answer and asks the retry policy
 * (retry.ts) what to do; error wording and secret hygiene are decided here, once.
 */
import type { IAllExecuteFunctions, IDataObject, IHttpRequestOptions } from 'n8n-workflow';
import type { z } from 'zod/v4';

import {
	balanceResponseSchema,
	DEFAULT_BASE_URL,
	ENDPOINTS,
	MODEL_ID,
	statusResponseSchema,
	submitResponseSchema,
	type SubmitBody,
	type TaskData,
} from './contract';
import { apixoApiError } from './apiError';
import {
	classify,
	DEFAULT_RETRY,
	parseRetryAfter,
	type CallKind,
	type Failure,
	type Outcome,
	type RetryPolicy,
} from './retry';
import { abortableSleep } from './sleep';

export const CREDENTIAL_TYPE = 'apixoApi';

export interface CallOptions {
	model?: string;
	retry?: Partial<RetryPolicy>;
	/** Ends backoff waits early (the execution's cancel signal is always honoured too). */
	signal?: AbortSignal;
	itemIndex?: number;
	/** Source of randomness for jitter (tests pin it). */
	random?: () => number;
}

interface ApixoCall<T extends z.ZodType> {
	kind: CallKind;
	what: string;
	method: 'GET' | 'POST';
	path: string;
	qs?: IDataObject;
	body?: IDataObject;
	taskId?: string;
	schema: T;
}

/**
 * APIXO's API lives under /api/v1, but APIXO's own MCP server configures the bare host and adds
 * the prefix per path: a user pasting `https://api.apixo.ai` gets the prefix added here.
 */
const APIXO_BARE_HOST = /^(https?:\/\/api\.apixo\.ai)$/i;

export function normalizeBaseUrl(baseUrl: unknown): string {
	const text = typeof baseUrl === 'string' && baseUrl.trim() ? baseUrl.trim() : DEFAULT_BASE_URL;
	return text.replace(/\/+$/, '').replace(APIXO_BARE_HOST, '$1/api/v1');
}

/** The shortest timeout a deadline cuts a request to: a last look still gets a second. */
const MIN_TIMEOUT_MS = 1000;

/** ECONNRESET, ERR_SOCKET_CONNECTION_TIMEOUT, DEPTH_ZERO_SELF_SIGNED_CERT (TLS), ... */
const ERRNO = /^(E[A-Z_]+|[A-Z][A-Z0-9]*(_[A-Z0-9]+)+)$/;

/**
 * The errno-like code of a failed request. n8n wraps axios errors in a NodeApiError that keeps
 * the code in `httpCode` (or in its messages) and drops the original error.
 */
export function errorCode(error: unknown): string | undefined {
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

type Answer = { statusCode: number; headers: IDataObject; body: unknown };

/** The answer, or what went wrong, of one attempt. */
function outcomeOf<T extends z.ZodType>(
	schema: T,
	answer: Answer,
): { ok: true; data: z.output<T> } | { ok: false; outcome: Outcome; body: unknown } {
	const body = parseJson(answer.body);
	// APIXO repeats the status in the body's `code`; trust the worse of the two.
	const bodyCode = (body as { code?: unknown } | undefined)?.code;
	const status =
		answer.statusCode < 300 && typeof bodyCode === 'number' && bodyCode >= 300
			? bodyCode
			: answer.statusCode;
	if (status >= 200 && status < 300) {
		const parsed = schema.safeParse(body);
		if (parsed.success) return { ok: true, data: parsed.data };
		return {
			ok: false,
			outcome: { type: 'unreadable', status: answer.statusCode, json: body !== undefined },
			body: undefined,
		};
	}
	const retryAfterMs = parseRetryAfter(answer.headers?.['retry-after']);
	return {
		ok: false,
		outcome: { type: 'status', status, retryAfterMs },
		body: body ?? answer.body,
	};
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
	const baseUrl = normalizeBaseUrl(credentials.baseUrl);
	const signals = [options.signal, cancelSignal(ctx)].filter((s): s is AbortSignal => !!s);
	const aborted = () => signals.some((s) => s.aborted);
	const fail = (failure: Partial<Failure>, body?: unknown) =>
		apixoApiError(
			ctx,
			{
				what: call.what,
				taskId: call.taskId,
				itemIndex: options.itemIndex,
				baseUrl,
				body,
				...failure,
			},
			credentials.apiKey,
		);
	const cancelled = (inFlight: boolean) =>
		classify(call.kind, { type: 'cancelled', inFlight }, { number: 1, policy, now: Date.now() });

	const request: IHttpRequestOptions = {
		method: call.method,
		url: `${baseUrl}${call.path}`,
		qs: call.qs,
		body: call.body,
		json: true,
		// Read the body as text and parse it here: APIXO's error bodies are not always JSON.
		encoding: 'text',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// A redirect could carry the Authorization header to another host.
		disableFollowRedirect: true,
	};

	for (let attempt = 1; ; attempt++) {
		let decision = aborted() ? cancelled(false) : undefined;
		let body: unknown;
		if (!decision) {
			// A caller's deadline bounds each attempt too, not only the waits between attempts.
			const timeoutMs =
				policy.deadline === undefined
					? policy.timeoutMs
					: Math.max(MIN_TIMEOUT_MS, Math.min(policy.timeoutMs, policy.deadline - Date.now()));
			const answer = await ctx.helpers.httpRequestWithAuthentication
				.call(ctx, CREDENTIAL_TYPE, { ...request, timeout: timeoutMs })
				.then(
					(response: Answer) => ({ response }),
					(error: unknown) => ({ error }),
				);
			let outcome: Outcome;
			if ('error' in answer) {
				outcome = aborted()
					? { type: 'cancelled', inFlight: true }
					: { type: 'no-answer', code: errorCode(answer.error) ?? 'connection error' };
			} else {
				const read = outcomeOf(call.schema, answer.response);
				if (read.ok) return read.data;
				outcome = read.outcome;
				body = read.body;
			}
			ctx.logger.debug(`APIXO ${call.what}: ${JSON.stringify(outcome)}`, {
				attempt,
				taskId: call.taskId,
			});
			decision = classify(call.kind, outcome, {
				number: attempt,
				policy: { ...policy, timeoutMs },
				now: Date.now(),
				random: options.random,
			});
		}
		if ('fail' in decision) throw fail(decision.fail, body);
		// Cancelled during the wait: it ends early, and the next turn's first check fails the call.
		await abortableSleep(
			decision.retryInMs,
			signals.length > 1 ? AbortSignal.any(signals) : signals[0],
		).catch(() => undefined);
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
