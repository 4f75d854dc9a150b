/**
 * "Never pay twice", as one table: which outcomes of a call are retried, after how long, and
 * what a failure tells the user. Pure (no HTTP, no n8n): the transport asks `classify` after
 * every attempt and does what it says.
 *
 * - Reads (status, balance) retry on 429/500/502/503/504, connection errors, timeouts and
 *   unreadable bodies, with exponential backoff + jitter, honouring Retry-After.
 * - The submit POST is retried only when it provably created nothing: a 429 answer, or a
 *   connection that never reached APIXO. Any other failure leaves the outcome unknown and is
 *   reported, never repeated.
 */

export type CallKind = 'read' | 'create';

export interface RetryPolicy {
	/** Total tries of one call, the first included. */
	maxAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** A Retry-After longer than this is not waited for here: the caller decides (see wait.ts). */
	maxRetryAfterMs: number;
	/** Per-request timeout. */
	timeoutMs: number;
	/**
	 * False: a 429 fails at once (with its Retry-After), for a caller that paces its own calls
	 * (the batch's throttle, which holds every submit back after one 429).
	 */
	retry429?: boolean;
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

/**
 * Connection errors after which the request certainly never reached APIXO: the only ones a submit
 * is sent again after. Anything that can happen once bytes were written (a reset, a broken pipe, a
 * timeout) leaves the outcome unknown and must never be added here.
 */
export const NOT_SENT: ReadonlySet<string> = new Set([
	// The TCP handshake was refused before anything was written.
	'ECONNREFUSED',
	// DNS: the host has no address, so nothing was connected.
	'ENOTFOUND',
	// DNS lookup failed for now (a temporary resolver error): no address, nothing connected.
	'EAI_AGAIN',
]);
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
const TIMEOUTS = new Set(['ECONNABORTED', 'ETIMEDOUT']);
/**
 * A failed TLS handshake (OpenSSL's verify codes; EPROTO, ERR_TLS_, ERR_SSL_ from Node): the
 * request was never sent, and trying again changes nothing.
 */
const TLS_FAILURE =
	/CERT|CRL|SIGNATURE|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|HOSTNAME_MISMATCH|^ERR_TLS_|^ERR_SSL_|^EPROTO$/;
const TLS_ACTION =
	'Check the Base URL in the "APIXO API" credential (https, the right host and port); behind a proxy that presents its own certificate, give n8n its CA with NODE_EXTRA_CA_CERTS';

/** HTTP statuses worth another attempt, per kind of call. */
const RETRY_STATUS: Record<CallKind, ReadonlySet<number>> = {
	read: new Set([429, 500, 502, 503, 504]),
	// A 429 on submit created nothing; a 5xx may have.
	create: new Set([429]),
};

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, nowMs = Date.now()): number | undefined {
	const text = Array.isArray(value) ? value[0] : value;
	if (typeof text !== 'string' && typeof text !== 'number') return undefined;
	const raw = String(text).trim();
	if (/^\d+(\.\d+)?$/.test(raw)) return Math.ceil(Number(raw) * 1000);
	const date = Date.parse(raw);
	return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * Exponential backoff with "equal jitter": a random wait in [c/2, c], c = min(max, base·2^(n-1)).
 * The floor keeps a run of retries from hammering the API when the dice roll low.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
}

/** What happened on one attempt. */
export type Outcome =
	/** An HTTP answer that is not a success (the worse of the HTTP status and the body's code). */
	| { type: 'status'; status: number; retryAfterMs?: number }
	/** A 2xx whose body was not JSON, or not the documented shape. */
	| { type: 'unreadable'; status: number; json: boolean }
	/** No answer: connection error or timeout, by errno. */
	| { type: 'no-answer'; code: string }
	/** The execution was stopped; `inFlight` when a request had been sent and not answered. */
	| { type: 'cancelled'; inFlight: boolean };

/** Why a call failed, for the error the transport builds. */
export interface Failure {
	httpCode?: number;
	reason?: string;
	/** True when the same read may succeed later (overload, 5xx, no answer). */
	retryable: boolean;
	/** True when a submit may have created a task although it failed. */
	outcomeUnknown: boolean;
	/** Overrides the HTTP advice's "what to do". */
	action?: string;
	/** APIXO's Retry-After, for a caller that waits longer than the transport does. */
	retryAfterMs?: number;
}

export type Decision = { retryInMs: number } | { fail: Failure };

export interface Attempt {
	/** 1 for the first try. */
	number: number;
	policy: RetryPolicy;
	now: number;
	random?: () => number;
}

const CANCELLED = 'Nothing to do: the execution was stopped';

/** Retry or fail, for one outcome of one attempt. */
export function classify(kind: CallKind, outcome: Outcome, attempt: Attempt): Decision {
	const { policy } = attempt;
	const backoff = backoffDelay(attempt.number, policy, attempt.random);
	/** Retry after `ms` if attempts and the deadline allow, otherwise fail with `failure`. */
	const retryOr = (ms: number, failure: Failure): Decision =>
		attempt.number < policy.maxAttempts &&
		(policy.deadline === undefined || attempt.now + ms < policy.deadline)
			? { retryInMs: ms }
			: { fail: failure };

	switch (outcome.type) {
		case 'cancelled':
			return {
				fail:
					kind === 'create' && outcome.inFlight
						? {
								reason: 'stopped while the submit was in flight',
								retryable: false,
								outcomeUnknown: true,
							}
						: { reason: 'cancelled', retryable: false, outcomeUnknown: false, action: CANCELLED },
			};
		case 'no-answer': {
			const { code } = outcome;
			const tls = TLS_FAILURE.test(code);
			const failure: Failure = {
				reason: TIMEOUTS.has(code)
					? `no answer within ${policy.timeoutMs} ms`
					: tls
						? `${code} (TLS handshake failed)`
						: code,
				retryable: kind === 'read' && TRANSIENT.has(code),
				outcomeUnknown: kind === 'create' && !tls && !NOT_SENT.has(code),
				...(tls ? { action: TLS_ACTION } : {}),
			};
			const retryable = kind === 'read' ? TRANSIENT.has(code) : NOT_SENT.has(code);
			return retryable ? retryOr(backoff, failure) : { fail: failure };
		}
		case 'unreadable': {
			const failure: Failure = {
				reason: `the answer (HTTP ${outcome.status}) ${outcome.json ? 'did not have the documented shape' : 'was not JSON'}`,
				retryable: kind === 'read',
				outcomeUnknown: kind === 'create',
				action:
					kind === 'read'
						? 'Retry later; if it persists, check the base URL points at the APIXO API'
						: undefined,
			};
			return kind === 'read' ? retryOr(backoff, failure) : { fail: failure };
		}
		case 'status': {
			const { status, retryAfterMs } = outcome;
			const retryable =
				RETRY_STATUS[kind].has(status) && !(status === 429 && policy.retry429 === false);
			const failure: Failure = {
				httpCode: status,
				retryable: kind === 'read' && retryable,
				outcomeUnknown: kind === 'create' && status >= 500,
				retryAfterMs,
			};
			if (status >= 300 && status < 400) {
				failure.action =
					'APIXO answered with a redirect, which is not followed (it could carry the API key elsewhere): check the base URL in the "APIXO API" credential';
			}
			if (!retryable) return { fail: failure };
			if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
				return {
					fail: {
						...failure,
						action: `APIXO asked to wait ${Math.ceil(retryAfterMs / 1000)} s (Retry-After): retry after that`,
					},
				};
			}
			// Retry-After is a minimum: "0" or a past date never makes retries faster than backoff.
			return retryOr(Math.max(retryAfterMs ?? 0, backoff), failure);
		}
	}
}
