/**
 * "Never pay twice" as a table: every outcome of a read and of a submit, and what the policy
 * decides — no HTTP, no n8n.
 */
import fc from 'fast-check';

import { apixoApiError } from '../../nodes/apixo/apiError';
import { DEFAULT_BASE_URL } from '../../nodes/apixo/contract';
import {
	backoffDelay,
	classify,
	DEFAULT_RETRY,
	NOT_SENT,
	parseRetryAfter,
	type CallKind,
	type Failure,
	type Outcome,
	type RetryPolicy,
} from '../../nodes/apixo/retry';
import { SEEDANCE_NODE } from '../harness/node';

const NOW = Date.parse('2026-11-24T12:00:00Z');
/** The dice always roll 0: the backoff is its floor, half the ceiling. */
const FLOOR = () => 0;
const first = { number: 1, policy: DEFAULT_RETRY, now: NOW, random: FLOOR };

type Row = [
	CallKind,
	string,
	Outcome,
	'retry' | 'fail',
	{ outcomeUnknown?: boolean; retryable?: boolean }?,
];

const status = (code: number, retryAfterMs?: number): Outcome => ({
	type: 'status',
	status: code,
	retryAfterMs,
});
const noAnswer = (code: string): Outcome => ({ type: 'no-answer', code });

/** Codes of a failed TLS handshake: nothing was sent, and trying again changes nothing. */
const TLS_CODES = [
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'CERT_HAS_EXPIRED',
	'UNABLE_TO_GET_CRL',
	'INVALID_CA',
	'INVALID_PURPOSE',
	'PATH_LENGTH_EXCEEDED',
	'HOSTNAME_MISMATCH',
	'ERR_TLS_CERT_ALTNAME_INVALID',
	'ERR_SSL_WRONG_VERSION_NUMBER',
	'EPROTO',
];
const TLS_ACTION =
	'Check the Base URL in the "APIXO API" credential (https, the right host and port); behind a proxy that presents its own certificate, give n8n its CA with NODE_EXTRA_CA_CERTS';

const TABLE: Row[] = [
	// reads: overload, server errors, lost connections and unreadable answers are retried
	['read', '429', status(429), 'retry'],
	...[500, 502, 503, 504].map((code): Row => ['read', String(code), status(code), 'retry']),
	['read', 'ECONNRESET', noAnswer('ECONNRESET'), 'retry'],
	['read', 'timeout', noAnswer('ECONNABORTED'), 'retry'],
	['read', 'ECONNREFUSED', noAnswer('ECONNREFUSED'), 'retry'],
	['read', 'unreadable', { type: 'unreadable', status: 200, json: false }, 'retry'],
	...[400, 401, 402, 403, 404, 422].map(
		(code): Row => ['read', String(code), status(code), 'fail', { retryable: false }],
	),
	['read', 'unknown errno', noAnswer('EWHATEVER'), 'fail', { retryable: false }],
	// submits: only what provably created nothing is repeated
	['create', '429', status(429), 'retry'],
	['create', 'ECONNREFUSED (never sent)', noAnswer('ECONNREFUSED'), 'retry'],
	['create', 'ENOTFOUND (never sent)', noAnswer('ENOTFOUND'), 'retry'],
	...[500, 502, 503, 504].map(
		(code): Row => ['create', String(code), status(code), 'fail', { outcomeUnknown: true }],
	),
	['create', 'ECONNRESET', noAnswer('ECONNRESET'), 'fail', { outcomeUnknown: true }],
	['create', 'timeout', noAnswer('ECONNABORTED'), 'fail', { outcomeUnknown: true }],
	[
		'create',
		'unreadable 200',
		{ type: 'unreadable', status: 200, json: true },
		'fail',
		{ outcomeUnknown: true },
	],
	...[400, 401, 402, 403, 422].map(
		(code): Row => ['create', String(code), status(code), 'fail', { outcomeUnknown: false }],
	),
	[
		'create',
		'stopped in flight',
		{ type: 'cancelled', inFlight: true },
		'fail',
		{ outcomeUnknown: true },
	],
	[
		'create',
		'stopped between tries',
		{ type: 'cancelled', inFlight: false },
		'fail',
		{ outcomeUnknown: false },
	],
	[
		'read',
		'stopped in flight',
		{ type: 'cancelled', inFlight: true },
		'fail',
		{ outcomeUnknown: false },
	],
];

// Every row gets its flags argument (jest would take a missing last argument for `done`).
it.each(
	TABLE.map(
		([kind, name, outcome, expected, flags]): Row => [kind, name, outcome, expected, flags ?? {}],
	),
)('%s %s (%j) → %s', (kind, _name, outcome, expected, flags) => {
	const decision = classify(kind, outcome, first);
	expect('retryInMs' in decision ? 'retry' : 'fail').toBe(expected);
	if ('fail' in decision) expect(decision.fail).toMatchObject(flags!);
});

describe('waits', () => {
	it('backoff doubles from a floor of half its ceiling, up to the maximum', () => {
		const policy = { ...DEFAULT_RETRY, baseDelayMs: 1000, maxDelayMs: 8000 };
		expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0))).toEqual([
			500, 1000, 2000, 4000, 4000,
		]);
		expect(backoffDelay(3, policy, () => 0.999999)).toBe(3999);
	});

	it('Retry-After is honoured, and never makes a retry faster than the backoff', () => {
		const wait = (retryAfterMs?: number) =>
			(
				classify('create', status(429, retryAfterMs), { ...first, number: 3 }) as {
					retryInMs: number;
				}
			).retryInMs;
		expect(wait(7000)).toBe(7000);
		// "Retry-After: 0" and a date in the past used to remove the backoff.
		expect(wait(0)).toBe(2000);
		expect(wait(undefined)).toBe(2000);
	});

	it('a Retry-After above the cap is a failure that keeps the wait for the caller', () => {
		const decision = classify('read', status(429, 200_000), first);
		expect(decision).toMatchObject({
			fail: { httpCode: 429, retryable: true, retryAfterMs: 200_000 },
		});
		expect((decision as { fail: { action: string } }).fail.action).toContain('200 s');
	});

	it('no retry past the deadline or the last attempt; the read stays retryable', () => {
		const policy = { ...DEFAULT_RETRY, deadline: NOW + 1000 };
		expect(classify('read', status(503, 5000), { ...first, policy })).toMatchObject({
			fail: { retryable: true, retryAfterMs: 5000 },
		});
		expect(
			classify('read', status(503), { ...first, number: DEFAULT_RETRY.maxAttempts }),
		).toMatchObject({
			fail: { retryable: true },
		});
	});

	it('a redirect is never followed and says to check the base URL', () => {
		expect(classify('read', status(302), first)).toMatchObject({
			fail: { httpCode: 302, action: expect.stringContaining('base URL') },
		});
	});
});

it('parses Retry-After as seconds or an HTTP date', () => {
	expect(parseRetryAfter('3', NOW)).toBe(3000);
	expect(parseRetryAfter('0.5', NOW)).toBe(500);
	expect(parseRetryAfter('Tue, 24 Nov 2026 12:00:07 GMT', NOW)).toBe(7000);
	expect(parseRetryAfter('Tue, 24 Nov 2026 11:00:00 GMT', NOW)).toBe(0);
	expect(parseRetryAfter(['4'], NOW)).toBe(4000);
	expect(parseRetryAfter('soon', NOW)).toBeUndefined();
	expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
});

describe('more outcomes a read retries', () => {
	it.each([
		'ETIMEDOUT',
		'EPIPE',
		'ESOCKETTIMEDOUT',
		'ERR_SOCKET_CONNECTION_TIMEOUT',
		'EHOSTUNREACH',
		'ENETUNREACH',
		'EAI_AGAIN',
	])('%s', (code) => {
		expect(classify('read', noAnswer(code), first)).toEqual({ retryInMs: 500 });
	});

	it('a submit that never left (EAI_AGAIN) is sent again', () => {
		expect(classify('create', noAnswer('EAI_AGAIN'), first)).toEqual({ retryInMs: 500 });
	});

	it.each(TLS_CODES)(
		'a failed TLS handshake (%s): read and submit fail at once, nothing was sent',
		(code) => {
			for (const kind of ['read', 'create'] as const) {
				expect(classify(kind, noAnswer(code), first)).toEqual({
					fail: {
						reason: `${code} (TLS handshake failed)`,
						retryable: false,
						outcomeUnknown: false,
						action: TLS_ACTION,
					},
				});
			}
		},
	);

	it.each(['EPROTONOSUPPORT', 'XEPROTO', 'XERR_TLS_X', 'XERR_SSL_X'])(
		'%s is no TLS failure: a submit may have arrived',
		(code) => {
			expect(classify('create', noAnswer(code), first)).toEqual({
				fail: { reason: code, retryable: false, outcomeUnknown: true },
			});
		},
	);
});

/**
 * What each failure says, exactly: at the first attempt for what is not retried, at the last for
 * what is (the failure a user sees when the retries run out).
 */
describe('the failure, word for word', () => {
	const last = { ...first, number: DEFAULT_RETRY.maxAttempts };
	const CANCELLED = {
		reason: 'cancelled',
		retryable: false,
		outcomeUnknown: false,
		action: 'Nothing to do: the execution was stopped',
	};
	const rows: Array<[string, CallKind, Outcome, typeof first, object]> = [
		['read cancelled in flight', 'read', { type: 'cancelled', inFlight: true }, first, CANCELLED],
		[
			'submit cancelled before it left',
			'create',
			{ type: 'cancelled', inFlight: false },
			first,
			CANCELLED,
		],
		[
			'submit cancelled in flight',
			'create',
			{ type: 'cancelled', inFlight: true },
			first,
			{ reason: 'stopped while the submit was in flight', retryable: false, outcomeUnknown: true },
		],
		[
			'read ETIMEDOUT, retries used up',
			'read',
			noAnswer('ETIMEDOUT'),
			last,
			{ reason: 'no answer within 30000 ms', retryable: true, outcomeUnknown: false },
		],
		[
			'read ECONNRESET, retries used up',
			'read',
			noAnswer('ECONNRESET'),
			last,
			{ reason: 'ECONNRESET', retryable: true, outcomeUnknown: false },
		],
		[
			'submit ECONNRESET',
			'create',
			noAnswer('ECONNRESET'),
			first,
			{ reason: 'ECONNRESET', retryable: false, outcomeUnknown: true },
		],
		[
			'submit ECONNREFUSED, retries used up',
			'create',
			noAnswer('ECONNREFUSED'),
			last,
			{ reason: 'ECONNREFUSED', retryable: false, outcomeUnknown: false },
		],
		[
			'read unreadable, retries used up',
			'read',
			{ type: 'unreadable', status: 200, json: false },
			last,
			{
				reason: 'the answer (HTTP 200) was not JSON',
				retryable: true,
				outcomeUnknown: false,
				action: 'Retry later; if it persists, check the base URL points at the APIXO API',
			},
		],
		[
			'submit unreadable',
			'create',
			{ type: 'unreadable', status: 200, json: true },
			first,
			{
				reason: 'the answer (HTTP 200) did not have the documented shape',
				retryable: false,
				outcomeUnknown: true,
				action: undefined,
			},
		],
		[
			'read 500, retries used up',
			'read',
			status(500),
			last,
			{ httpCode: 500, retryable: true, outcomeUnknown: false, retryAfterMs: undefined },
		],
		[
			'submit 400',
			'create',
			status(400),
			first,
			{ httpCode: 400, retryable: false, outcomeUnknown: false, retryAfterMs: undefined },
		],
		[
			'submit 500',
			'create',
			status(500),
			first,
			{ httpCode: 500, retryable: false, outcomeUnknown: true, retryAfterMs: undefined },
		],
		[
			'read 300 (a redirect)',
			'read',
			status(300),
			first,
			{
				httpCode: 300,
				retryable: false,
				outcomeUnknown: false,
				retryAfterMs: undefined,
				action:
					'APIXO answered with a redirect, which is not followed (it could carry the API key elsewhere): check the base URL in the "APIXO API" credential',
			},
		],
	];

	it.each(rows)('%s', (_name, kind, outcome, attempt, failure) => {
		expect(classify(kind, outcome, attempt)).toEqual({ fail: failure });
	});
});

describe('limits', () => {
	it('a retry whose wait ends exactly at the deadline is not made', () => {
		const policy = { ...DEFAULT_RETRY, deadline: NOW + 500 }; // the floor backoff is 500 ms
		expect(classify('read', status(503), { ...first, policy })).toMatchObject({
			fail: { retryable: true },
		});
		const later = { ...DEFAULT_RETRY, deadline: NOW + 501 };
		expect(classify('read', status(503), { ...first, policy: later })).toEqual({ retryInMs: 500 });
	});

	it('a Retry-After exactly at the cap is still waited for', () => {
		const max = DEFAULT_RETRY.maxRetryAfterMs;
		expect(classify('read', status(429, max), first)).toEqual({ retryInMs: max });
	});

	it('without retry429 a submit’s 429 fails at once; other statuses are unaffected', () => {
		const policy = { ...DEFAULT_RETRY, retry429: false };
		expect(classify('create', status(429, 3000), { ...first, policy })).toEqual({
			fail: { httpCode: 429, retryable: false, outcomeUnknown: false, retryAfterMs: 3000 },
		});
		expect(classify('read', status(503), { ...first, policy })).toEqual({ retryInMs: 500 });
	});

	it('a submit’s 429 with its retries used up fails, not retryable by a caller', () => {
		const last = { ...first, number: DEFAULT_RETRY.maxAttempts };
		expect(classify('create', status(429, 2000), last)).toEqual({
			fail: { httpCode: 429, retryable: false, outcomeUnknown: false, retryAfterMs: 2000 },
		});
	});

	it('a 400 is not a redirect', () => {
		expect(classify('read', status(400), first)).toEqual({
			fail: { httpCode: 400, retryable: false, outcomeUnknown: false, retryAfterMs: undefined },
		});
	});
});

it('Retry-After: numbers, spaces around, fractions, and text that only contains a number', () => {
	expect(parseRetryAfter(3, NOW)).toBe(3000);
	expect(parseRetryAfter(' 3 ', NOW)).toBe(3000);
	expect(parseRetryAfter('0.25', NOW)).toBe(250);
	expect(parseRetryAfter('x3', NOW)).toBeUndefined();
	expect(parseRetryAfter('3 minutes', NOW)).toBeUndefined();
	// Only text and numbers are read: not an object that would print as a date.
	const printsAsDate = { toString: () => 'Tue, 24 Nov 2026 12:00:07 GMT' };
	expect(parseRetryAfter(printsAsDate, NOW)).toBeUndefined();
	expect(parseRetryAfter([printsAsDate], NOW)).toBeUndefined();
});

/**
 * Issue 32, over every code: a submit that got no answer is sent again only when the request
 * provably never left, since any other may have created a paid task; a read retries every
 * transient code. The sets are written out here, not imported from retry.ts, so that a code moved
 * into NOT_SENT makes these fail.
 */
describe('no answer, over every code', () => {
	/** The request never left: DNS found no address, or the TCP handshake was refused. */
	const NEVER_SENT = ['EAI_AGAIN', 'ECONNREFUSED', 'ENOTFOUND'];
	/** What a read retries (retry.ts's TRANSIENT). */
	const TRANSIENT_CODES = [
		...NEVER_SENT,
		'ECONNRESET',
		'ETIMEDOUT',
		'ECONNABORTED',
		'EPIPE',
		'ESOCKETTIMEDOUT',
		'ERR_SOCKET_CONNECTION_TIMEOUT',
		'EHOSTUNREACH',
		'ENETUNREACH',
	];
	// 'connection error' is the transport's code for an error that carries no errno.
	const LISTED = [...TRANSIENT_CODES, ...TLS_CODES, 'connection error'];
	const RESUBMIT = 'Do not resubmit blindly';
	const RUNS = 2000;

	const errnoLike = fc.stringMatching(/^E[A-Z_]{2,20}$/);
	const unlisted = fc.oneof(errnoLike, fc.string()).filter((code) => !LISTED.includes(code));
	const anyCode = fc.oneof(fc.constantFrom(...LISTED), errnoLike, fc.string());
	/** A deadline beyond any backoff generated here (60 s at most): it never stops a retry. */
	const FAR = NOW + 3_600_000;

	interface Try {
		number: number;
		policy: RetryPolicy;
		dice: number;
	}
	const tries: fc.Arbitrary<Try> = fc.integer({ min: 1, max: 8 }).chain((maxAttempts) =>
		fc.record({
			number: fc.integer({ min: 1, max: maxAttempts }),
			policy: fc.record({
				maxAttempts: fc.constant(maxAttempts),
				baseDelayMs: fc.integer({ min: 1, max: 10_000 }),
				maxDelayMs: fc.integer({ min: 1, max: 60_000 }),
				maxRetryAfterMs: fc.constant(DEFAULT_RETRY.maxRetryAfterMs),
				timeoutMs: fc.constant(DEFAULT_RETRY.timeoutMs),
				// A deadline already reached stops every retry.
				deadline: fc.constantFrom(undefined, FAR, NOW),
			}),
			dice: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
		}),
	);
	/** Each code at the first attempt and at the last of the default policy. */
	const atFirstAndLast = (code: string): Array<[string, string, Try]> =>
		[1, DEFAULT_RETRY.maxAttempts].map((number) => [
			code,
			number === 1 ? 'first' : 'last',
			{ number, policy: DEFAULT_RETRY, dice: 0 },
		]);

	function decide(kind: CallKind, code: string, { number, policy, dice }: Try) {
		const decision = classify(kind, noAnswer(code), {
			number,
			policy,
			now: NOW,
			random: () => dice,
		});
		const mayRetry =
			number < policy.maxAttempts && (policy.deadline === undefined || policy.deadline > NOW);
		return { decision, mayRetry };
	}

	/** A retry waits the jittered backoff for that attempt, never less than its floor. */
	function expectBackoff(decision: object, { number, policy, dice }: Try) {
		const { retryInMs } = decision as { retryInMs: number };
		expect(retryInMs).toBe(backoffDelay(number, policy, () => dice));
		expect(retryInMs).toBeGreaterThanOrEqual(backoffDelay(number, policy, () => 0));
	}

	/** The error the transport throws for this failure (its `fail`). */
	const userError = (what: string, failure: Failure) =>
		apixoApiError(
			{ getNode: () => SEEDANCE_NODE },
			{ what, baseUrl: DEFAULT_BASE_URL, ...failure },
		);

	function expectSubmit(code: string, attempt: Try) {
		const { decision, mayRetry } = decide('create', code, attempt);
		if (NEVER_SENT.includes(code) && mayRetry) return expectBackoff(decision, attempt);
		expect(decision).not.toHaveProperty('retryInMs');
		const { fail } = decision as { fail: Failure };
		// A generated code the policy reads as a TLS failure (it names CERT, CRL...) is held to the
		// TLS rule; a listed code is TLS only by name.
		const tls = TLS_CODES.includes(code) || (!LISTED.includes(code) && fail.action === TLS_ACTION);
		const unknown = !NEVER_SENT.includes(code) && !tls;
		expect(fail).toMatchObject({ retryable: false, outcomeUnknown: unknown });
		if (tls) expect(fail.action).toBe(TLS_ACTION);
		const error = userError('submit', fail);
		if (unknown) expect(error.description).toContain(RESUBMIT);
		else expect(error.description).not.toContain(RESUBMIT);
		expect(error.context.outcomeUnknown).toBe(unknown ? true : undefined);
	}

	function expectRead(code: string, attempt: Try) {
		const { decision, mayRetry } = decide('read', code, attempt);
		const transient = TRANSIENT_CODES.includes(code);
		if (transient && mayRetry) return expectBackoff(decision, attempt);
		expect(decision).toMatchObject({ fail: { retryable: transient, outcomeUnknown: false } });
		const error = userError('status', (decision as { fail: Failure }).fail);
		expect(error.context.retryable).toBe(transient);
		expect(String(error.description)).not.toContain(RESUBMIT);
	}

	it('NOT_SENT is exactly the DNS failures and a refused connection', () => {
		expect([...NOT_SENT].sort()).toEqual(NEVER_SENT);
	});

	it.each(LISTED.flatMap(atFirstAndLast))(
		'a submit that met %s (%s attempt): sent again only if it never left, else outcome unknown',
		(code, _, attempt) => expectSubmit(code, attempt),
	);

	it(`${RUNS} listed and generated codes at any attempt: a submit is sent again only if it never left`, () => {
		fc.assert(fc.property(anyCode, tries, expectSubmit), { numRuns: RUNS, seed: 32 });
	});

	it.each(TRANSIENT_CODES.flatMap(atFirstAndLast))(
		'a read that met %s (%s attempt): retried with backoff, then fails retryable',
		(code, _, attempt) => expectRead(code, attempt),
	);

	it(`${RUNS} transient codes at any attempt: a read is retried while attempts and the deadline allow`, () => {
		fc.assert(fc.property(fc.constantFrom(...TRANSIENT_CODES), tries, expectRead), {
			numRuns: RUNS,
			seed: 32,
		});
	});

	it(`${RUNS} generated unknown codes: a read fails at once, not retryable`, () => {
		fc.assert(fc.property(unlisted, tries, expectRead), { numRuns: RUNS, seed: 32 });
	});
});
