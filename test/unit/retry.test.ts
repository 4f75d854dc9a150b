/**
 * "Never pay twice" as a table: every outcome of a read and of a submit, and what the policy
 * decides — no HTTP, no n8n.
 */
import {
	backoffDelay,
	classify,
	DEFAULT_RETRY,
	parseRetryAfter,
	type CallKind,
	type Outcome,
} from '../../nodes/apixo/retry';

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

	it.each([
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
	])('a failed TLS handshake (%s): read and submit fail at once, nothing was sent', (code) => {
		for (const kind of ['read', 'create'] as const) {
			expect(classify(kind, noAnswer(code), first)).toEqual({
				fail: {
					reason: `${code} (TLS handshake failed)`,
					retryable: false,
					outcomeUnknown: false,
					action:
						'Check the Base URL in the "APIXO API" credential (https, the right host and port); behind a proxy that presents its own certificate, give n8n its CA with NODE_EXTRA_CA_CERTS',
				},
			});
		}
	});

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
