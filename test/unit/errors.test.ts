/** What an APIXO error answer says, in the shapes APIXO's pages show, and the advice for it. */
import {
	describeErrorBody,
	failCodeAdvice,
	httpAdvice,
	readErrorBody,
} from '../../nodes/apixo/errors';

it.each([
	[
		'the error page shape',
		{
			code: 400,
			message: 'Invalid request',
			data: { error: 'Missing required field: input.prompt' },
		},
		'Missing required field: input.prompt',
	],
	[
		'a provider error id beside the detail',
		{
			code: 502,
			message: 'Upstream error',
			data: { error: 'render failed', provider_error_id: 'p-91' },
		},
		'Upstream error — render failed (provider error id: p-91)',
	],
	[
		'message only (the optional body)',
		{ code: 429, message: 'Too many requests' },
		'Too many requests',
	],
	[
		'data as a string',
		{ code: 400, message: 'Invalid request', data: 'bad duration' },
		'bad duration',
	],
	['a plain-text body', 'Service temporarily unavailable', 'Service temporarily unavailable'],
	['an HTML page', '<html><body>502</body></html>', undefined],
	['nothing', undefined, undefined],
])('%s', (_name, body, expected) => {
	// The headline already says "Invalid request" for a 400: it is not repeated.
	expect(describeErrorBody(readErrorBody(body), 'Invalid request')).toBe(expected);
});

it('a very long detail is cut to one short line', () => {
	const text = describeErrorBody(readErrorBody({ message: `x${'y'.repeat(1000)}\n\nz` }));
	expect(text!.length).toBeLessThanOrEqual(300);
	expect(text).not.toContain('\n');
});

it.each([
	['SensitiveContent', /safety checks/],
	['InputImageSensitiveContentDetected', /safety checks/],
	['NSFW_DETECTED', /safety checks/],
	['INSUFFICIENT_CREDITS', /balance/],
	['PromptLengthExceeded', /too long/],
	['PROCESSING_TIMEOUT', /timed out/],
	['UPSTREAM_ERROR', /Upstream/],
	['Unknown error', /unmapped/],
	['ZzTop', /The task failed/],
	[undefined, /The task failed/],
])('failCode %s → %s', (failCode, meaning) => {
	expect(failCodeAdvice(failCode).meaning).toMatch(meaning);
});

it('401 anywhere, and 403 on the balance endpoint, are a rejected key', () => {
	expect(httpAdvice(401, 'submit').meaning).toBe('API key rejected');
	expect(httpAdvice(403, 'balance').meaning).toBe('API key rejected');
	expect(httpAdvice(403, 'submit', 'Your prompt violates our content policy').action).toContain(
		'Change the prompt',
	);
	expect(httpAdvice(403, 'submit', '').meaning).toContain('cannot access the model');
});
