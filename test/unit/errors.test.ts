/** What an APIXO error answer says, in the shapes APIXO's pages show, and the advice for it. */
import {
	describeErrorBody,
	failCodeAdvice,
	httpAdvice,
	readErrorBody,
	redact,
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

describe('HTTP advice, as the API page and APIXO’s error pages word it', () => {
	it.each([
		[400, 'submit', 'Invalid request', 'Fix the request before retrying'],
		[401, 'status', 'API key rejected', 'Check the API key in the "APIXO API" credential'],
		[402, 'submit', 'Insufficient balance or quota', 'Add balance to your APIXO account'],
		[404, 'status', 'Task not found', 'Check the task ID'],
		[404, 'submit', 'Not found', 'https://api.apixo.ai/api/v1'],
		[404, 'balance', 'Not found', 'Check the base URL'],
		[429, 'submit', 'Rate limit or concurrency limit reached', 'lower the concurrency'],
		[500, 'status', 'APIXO server error', 'Retry later with backoff'],
		[502, 'status', 'Upstream error', 'Retry later with backoff'],
		[503, 'status', 'Service or model temporarily unavailable', 'Retry later with backoff'],
		[504, 'status', 'Upstream timeout', 'use callback mode'],
		[507, 'status', 'Server error 507', 'Retry later with backoff'],
		[418, 'status', 'Unexpected HTTP status 418', 'check the base URL and the request'],
		[422, 'submit', 'Unexpected HTTP status 422', 'Read APIXO’s message'],
	])('%s on %s: %s', (status, what, meaning, action) => {
		const advice = httpAdvice(status, what);
		expect(advice.meaning).toBe(meaning);
		expect(advice.action).toContain(action);
	});

	it.each([
		['Content violates policy', 'Content refused by APIXO’s policy'],
		['NSFW input', 'Content refused by APIXO’s policy'],
		['sensitive image', 'Content refused by APIXO’s policy'],
		['failed safety review', 'Content refused by APIXO’s policy'],
		['moderation', 'Content refused by APIXO’s policy'],
		['key lacks permission', 'This API key lacks the permission'],
		['model not allowed for this key', 'This API key lacks the permission'],
		['Unauthorized model', 'This API key lacks the permission'],
		['unauthorised', 'This API key lacks the permission'],
		['apikey cannot use route', 'This API key lacks the permission'],
		['route unavailable', 'Forbidden: this key or route cannot access the model'],
	])('403 with %j: %s', (apiText, meaning) => {
		expect(httpAdvice(403, 'submit', apiText).meaning).toBe(meaning);
		// On the balance endpoint a 403 is a rejected key whatever the text.
		expect(httpAdvice(403, 'balance', apiText).meaning).toBe('API key rejected');
	});
});

describe('failCode advice: the page’s table exactly, then families, then a fallback', () => {
	/** The advice texts, word for word, each written once ([meaning, action]). */
	const SAFETY = [
		'The prompt or the input/output content was rejected by safety checks',
		'Change the prompt or the reference media',
	];
	const PROMPT = ['The prompt was invalid or rejected upstream', 'Rewrite the prompt and retry'];
	const RETRY_OR_SUPPORT = 'Retry with backoff, or contact APIXO support with the task ID';
	const FAMILY = {
		balance: [
			'The account’s balance or quota could not pay for the task',
			'Add balance to your APIXO account or switch to another account/key',
		],
		tooLong: ['The prompt is too long', 'Shorten the prompt and retry'],
		file: [
			'A reference file could not be fetched or processed',
			'Use public, direct URLs to files in common formats',
		],
		rate: [
			'An upstream rate or concurrency limit was reached',
			'Retry later with exponential backoff, or lower the concurrency',
		],
		timeout: ['The task timed out upstream', 'Retry later or use callback mode'],
		upstream: ['Upstream generation error', RETRY_OR_SUPPORT],
		unknown: ['The task failed', RETRY_OR_SUPPORT],
	};

	it.each([
		['SensitiveContent', SAFETY],
		['PromptInvalid', PROMPT],
		[
			'ImageFormatIncorrect',
			[
				'A reference image could not be processed',
				'Use a public, direct image URL in a common image format',
			],
		],
		[
			'RateLimited',
			['The upstream rate limit was reached', 'Retry later with exponential backoff'],
		],
		['Timeout', ['Upstream timeout', 'Retry later or use callback mode']],
		['StreamError', ['Upstream returned a 500-class generation error', 'Retry with backoff']],
		['Unknown error', ['Upstream returned an unmapped failure', RETRY_OR_SUPPORT]],
		// Families: the first that matches wins.
		['CONTENT_POLICY_PROMPT', SAFETY],
		['ModerationFailed', SAFETY],
		['PAYMENT_REQUIRED', FAMILY.balance],
		['QuotaExceeded', FAMILY.balance],
		['PromptTooLong', FAMILY.tooLong],
		['PROMPT_EMPTY', PROMPT],
		['VideoDownloadTimeout', FAMILY.file],
		['BAD_URL', FAMILY.file],
		['ConcurrencyExceeded', FAMILY.rate],
		['TOO_MANY_REQUESTS', FAMILY.rate],
		['TooManyRequests', FAMILY.rate],
		['THROTTLED', FAMILY.rate],
		['JOB_EXPIRED', FAMILY.timeout],
		['Timed_Out_Internal', FAMILY.timeout],
		['TimedOut', FAMILY.timeout],
		['RenderTimeout', FAMILY.timeout],
		['TIME_OUT', FAMILY.timeout],
		['InternalServerError', FAMILY.upstream],
		['SERVICE_UNAVAILABLE', FAMILY.upstream],
		['E1234', FAMILY.unknown],
		['', FAMILY.unknown],
		[null, FAMILY.unknown],
	] as const)('%j', (failCode, [meaning, action]) => {
		expect(failCodeAdvice(failCode)).toEqual({ meaning, action });
	});
});

describe('readErrorBody and describeErrorBody', () => {
	it.each([
		[
			'data.message when data.error is absent',
			{ message: 'Bad', data: { message: 'no prompt' } },
			{ message: 'Bad', detail: 'no prompt' },
		],
		['a top-level error', { error: 'quota' }, { detail: 'quota' }],
		['a numeric message', { message: 42 }, { message: '42' }],
		['blank strings are nothing', { message: '  ', data: { error: ' ' } }, {}],
		['request_id', { message: 'x', request_id: 'r-1' }, { message: 'x', errorId: 'r-1' }],
		['traceId in data', { data: { traceId: 't-9' } }, { errorId: 't-9' }],
		['providerErrorId', { data: { providerErrorId: 'p-2' } }, { errorId: 'p-2' }],
		['provider_error', { data: { provider_error: 'p-3' } }, { errorId: 'p-3' }],
		['provider_error_id', { data: { provider_error_id: 'p-4' } }, { errorId: 'p-4' }],
		['requestId', { requestId: 'r-2' }, { errorId: 'r-2' }],
		['TRACEID', { data: { TRACEID: 't-3' } }, { errorId: 't-3' }],
		// Keys that only contain an id name are other things.
		['parent_request_id is not one', { data: { parent_request_id: 'r-0' } }, {}],
		['request_identity is not one', { data: { request_identity: 'user' } }, {}],
		['upstream_provider_error is not one', { data: { upstream_provider_error: 'x' } }, {}],
		['provider_error_message is not one', { data: { provider_error_message: 'x' } }, {}],
		['provider_errorcode is not one', { data: { provider_errorcode: 'E2' } }, {}],
		['error_code is not an id', { data: { error_code: 'E1' } }, {}],
		// APIXO's envelope sends `data: null` on errors; a number in data is not a detail.
		['data null', { code: 500, message: 'Server error', data: null }, { message: 'Server error' }],
		['data a number', { message: 'x', data: 0 }, { message: 'x' }],
		['data a string', { message: 'x', data: 'no credits' }, { message: 'x', detail: 'no credits' }],
		[
			'an id key with an empty value is skipped',
			{ request_id: '', data: { trace_id: 'tr' } },
			{ errorId: 'tr' },
		],
	])('%s', (_name, body, expected) => {
		const { message, detail, errorId } = readErrorBody(body);
		expect(JSON.parse(JSON.stringify({ message, detail, errorId }))).toEqual(expected);
	});

	it('plain text: up to 300 characters, trimmed to one line; longer or HTML is not shown', () => {
		expect(readErrorBody(`  ${'a'.repeat(300)}  `)).toEqual({ message: 'a'.repeat(300) });
		expect(readErrorBody('a'.repeat(301))).toEqual({});
		expect(readErrorBody('bad\n\ngateway')).toEqual({ message: 'bad gateway' });
		expect(readErrorBody('')).toEqual({});
		// Nothing at all, not an object of undefined fields.
		expect(readErrorBody(7)).toStrictEqual({});
		expect(readErrorBody(true)).toStrictEqual({});
	});

	it('long details are cut at 300 characters with an ellipsis', () => {
		expect(readErrorBody({ message: 'm'.repeat(300) }).message).toBe('m'.repeat(300));
		expect(readErrorBody({ message: 'm'.repeat(301) }).message).toBe(`${'m'.repeat(297)}...`);
	});

	it.each([
		[{ message: 'Invalid request', detail: 'Invalid request' }, undefined, 'Invalid request'],
		[{ message: 'INVALID REQUEST', detail: 'no prompt' }, 'invalid request', 'no prompt'],
		[{ errorId: 'p-1' }, undefined, '(provider error id: p-1)'],
		[{ message: 'Upstream', errorId: 'p-1' }, undefined, 'Upstream (provider error id: p-1)'],
		[{}, undefined, undefined],
	])('%j (meaning %j) → %j', (text, meaning, expected) => {
		expect(describeErrorBody(text, meaning)).toBe(expected);
	});
});

it('redact replaces every occurrence of a secret of 4 characters or more', () => {
	expect(redact('key sk-1 and sk-1', 'sk-1')).toBe('key *** and ***');
	expect(redact('key abc', 'abc')).toBe('key abc');
	expect(redact('key abc', undefined)).toBe('key abc');
});
