/**
 * The n8n error a failed APIXO call becomes, word for word: headline, what to do, the task ID,
 * and the flags the callers act on (outcome unknown, retryable, Retry-After). No HTTP: the
 * transport's calls over HTTP are in test/integration/transport.test.ts.
 */

import { apixoApiError, type ApixoErrorDetails } from '../../nodes/apixo/apiError';
import { SEEDANCE_NODE as NODE } from '../harness/node';

const ctx = { getNode: () => NODE };
const KEY = 'sk-apierror-SECRET-42';
const API = 'https://api.apixo.ai/api/v1';

const build = (details: Partial<ApixoErrorDetails>) =>
	apixoApiError(ctx, { what: 'status', baseUrl: API, ...details }, KEY);

it('an HTTP error: its meaning, APIXO’s words, what to do, the task ID', () => {
	const error = build({
		httpCode: 402,
		taskId: 'task-9',
		body: { code: 402, message: 'Insufficient credits', data: { error: 'balance 0.01' } },
	});
	expect(error.message).toBe(
		'APIXO status failed: 402 Insufficient balance or quota — Insufficient credits — balance 0.01',
	);
	expect(error.description).toBe(
		'What to do: Add balance to your APIXO account or switch to another account/key. Task ID: task-9',
	);
	expect(error.httpCode).toBe('402');
	// What n8n keeps as the API's answer: only what we chose to show.
	expect(error.errorResponse).toEqual({
		message: error.message,
		httpCode: '402',
		taskId: 'task-9',
	});
	expect(error.context).toMatchObject({ taskId: 'task-9', retryable: false });
	expect(error.context.outcomeUnknown).toBeUndefined();
	expect(Object.keys(error.context).sort()).toEqual(['retryable', 'taskId']);
});

it('APIXO’s words that only repeat the meaning are not shown twice', () => {
	expect(build({ httpCode: 400, body: { message: 'invalid request' } }).message).toBe(
		'APIXO status failed: 400 Invalid request',
	);
});

it('no answer: the reason, and the network advice', () => {
	const error = build({ reason: 'no answer within 300 ms', retryable: true });
	expect(error.message).toBe('APIXO status failed: no answer within 300 ms');
	expect(error.description).toBe('What to do: Check the base URL and your network, then retry.');
	expect(error.httpCode).toBeNull();
	expect(error.errorResponse).toEqual({ message: error.message });
	expect(error.context.retryable).toBe(true);
});

it('no reason at all reads "no answer"', () => {
	expect(build({}).message).toBe('APIXO status failed: no answer');
});

it('an action given by the retry policy wins over the HTTP advice', () => {
	expect(build({ httpCode: 429, action: 'Retry after 600 s' }).description).toBe(
		'What to do: Retry after 600 s.',
	);
});

it('a submit whose outcome is unknown: do not resubmit blindly', () => {
	const error = build({ what: 'submit', reason: 'ECONNRESET', outcomeUnknown: true });
	expect(error.description).toBe(
		'What to do: Do not resubmit blindly. The task may have been created and billed although no task ID came back: check your APIXO dashboard before submitting again.',
	);
	expect(error.context.outcomeUnknown).toBe(true);
});

it('keeps a Retry-After for the caller, even 0', () => {
	expect(build({ httpCode: 503, retryAfterMs: 0 }).context.retryAfterMs).toBe(0);
	expect(build({ httpCode: 503, retryAfterMs: 5000 }).context.retryAfterMs).toBe(5000);
});

describe('a 404 or 405 from a base URL without /api/v1 says to fix the base URL', () => {
	const fix =
		"What to do: The base URL https://proxy.example.com does not end in /api/v1: set the credential's Base URL to the API root, e.g. https://api.apixo.ai/api/v1.";

	it.each([404, 405])('%s', (httpCode) => {
		expect(build({ httpCode, baseUrl: 'https://proxy.example.com' }).description).toBe(fix);
	});

	it('/api/v1 must be the end of the base URL', () => {
		expect(
			build({ httpCode: 404, baseUrl: 'https://proxy.example.com/api/v1/x' }).description,
		).toBe(
			"What to do: The base URL https://proxy.example.com/api/v1/x does not end in /api/v1: set the credential's Base URL to the API root, e.g. https://api.apixo.ai/api/v1.",
		);
	});

	it('not for another status', () => {
		expect(build({ httpCode: 400, baseUrl: 'https://proxy.example.com' }).description).not.toBe(
			fix,
		);
	});

	it('not when no base URL is known', () => {
		expect(build({ httpCode: 404, baseUrl: undefined }).description).toBe(
			'What to do: Check the task ID (and the model it was created with).',
		);
	});

	it('not when the base URL ends in /api/v1', () => {
		expect(build({ httpCode: 404, taskId: 'task-9' }).description).toBe(
			'What to do: Check the task ID (and the model it was created with). Task ID: task-9',
		);
	});
});

it('never shows the API key, wherever APIXO echoed it', () => {
	const error = build({ httpCode: 401, body: { message: `Key ${KEY} is not valid` } });
	expect(error.message).toBe('APIXO status failed: 401 API key rejected — Key *** is not valid');
	expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(KEY);
});

it.each([
	['the message', { message: 'Content violates policy' }],
	['the detail only', { message: 'Forbidden', data: { error: 'content policy violation' } }],
])('a 403 is read by APIXO’s words in %s', (_, body) => {
	expect(build({ httpCode: 403, body }).description).toBe(
		'What to do: Change the prompt or the reference media.',
	);
});
