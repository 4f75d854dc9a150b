/**
 * What APIXO's HTTP statuses and failCodes mean and what the user should do (the API page's
 * tables, widened by APIXO's error pages). Pure data + text: the transport and the nodes turn it
 * into n8n errors.
 */

export interface Advice {
	meaning: string;
	action: string;
}

const KEY_REJECTED: Advice = {
	meaning: 'API key rejected',
	action: 'Check the API key in the "APIXO API" credential (a missing, wrong or revoked key)',
};

/** 403 is documented three ways; APIXO's message (shown beside the advice) says which. */
const FORBIDDEN = {
	content: {
		meaning: 'Content refused by APIXO’s policy',
		action: 'Change the prompt or the reference media',
	},
	permission: {
		meaning: 'This API key lacks the permission',
		action: 'Give the key access to this model in the APIXO dashboard, or use another key',
	},
	any: {
		meaning: 'Forbidden: this key or route cannot access the model',
		action:
			'APIXO’s message says which of these applies: the key lacks permission for the model (check it in the APIXO dashboard), the route cannot serve it (check the route strategy: the "Provider" option), or the content violates APIXO’s policy (change the prompt or reference media)',
	},
} satisfies Record<string, Advice>;

export const HTTP_ADVICE: Record<number, Advice> = {
	400: {
		meaning: 'Invalid request',
		action: 'Fix the request before retrying (APIXO’s detail names the field)',
	},
	401: KEY_REJECTED,
	402: {
		meaning: 'Insufficient balance or quota',
		action: 'Add balance to your APIXO account or switch to another account/key',
	},
	403: FORBIDDEN.any,
	404: {
		meaning: 'Task not found',
		action: 'Check the task ID (and the model it was created with)',
	},
	429: {
		meaning: 'Rate limit or concurrency limit reached',
		action: 'Slow down: lower the concurrency, or retry later with backoff',
	},
	500: { meaning: 'APIXO server error', action: 'Retry later with backoff' },
	502: { meaning: 'Upstream error', action: 'Retry later with backoff' },
	503: {
		meaning: 'Service or model temporarily unavailable',
		action: 'Retry later with backoff',
	},
	504: {
		meaning: 'Upstream timeout',
		action: 'Retry later, or use callback mode for long-running jobs',
	},
};

/**
 * Advice for an HTTP status of one call. `what` is the call (`balance`, `submit`, `status`):
 * a wrong key may get 403 from the balance endpoint, which is then a rejected key too.
 */
export function httpAdvice(status: number, what?: string, apiText = ''): Advice {
	if (status === 403) {
		if (what === 'balance') return KEY_REJECTED;
		if (/polic|violat|sensitive|nsfw|safety|moderat|content/i.test(apiText))
			return FORBIDDEN.content;
		if (/permission|not allowed|unauthori[sz]ed|api ?key/i.test(apiText))
			return FORBIDDEN.permission;
	}
	if (status === 404 && what !== 'status') {
		return {
			meaning: 'Not found',
			action:
				'Check the base URL in the "APIXO API" credential: APIXO’s is https://api.apixo.ai/api/v1',
		};
	}
	return (
		HTTP_ADVICE[status] ??
		(status >= 500
			? { meaning: `Server error ${status}`, action: 'Retry later with backoff' }
			: {
					meaning: `Unexpected HTTP status ${status}`,
					action: 'Read APIXO’s message; check the base URL and the request',
				})
	);
}

// ---------------------------------------------------------------------------------------------
// failCodes: an open set, spelled several ways across APIXO's pages. Known codes first, then
// families recognised by their words, then a fallback: never a switch over all of them.

/** The API page's table, exactly. */
const FAIL_CODE_ADVICE: Record<string, Advice> = {
	SensitiveContent: {
		meaning: 'The prompt or the input/output content was rejected by safety checks',
		action: 'Change the prompt or the reference media',
	},
	PromptInvalid: {
		meaning: 'The prompt was invalid or rejected upstream',
		action: 'Rewrite the prompt and retry',
	},
	ImageFormatIncorrect: {
		meaning: 'A reference image could not be processed',
		action: 'Use a public, direct image URL in a common image format',
	},
	RateLimited: {
		meaning: 'The upstream rate limit was reached',
		action: 'Retry later with exponential backoff',
	},
	Timeout: { meaning: 'Upstream timeout', action: 'Retry later or use callback mode' },
	StreamError: {
		meaning: 'Upstream returned a 500-class generation error',
		action: 'Retry with backoff',
	},
	'Unknown error': {
		meaning: 'Upstream returned an unmapped failure',
		action: 'Retry with backoff, or contact APIXO support with the task ID',
	},
};

/** Families, in order: the first whose pattern matches the code wins. */
const FAIL_CODE_FAMILIES: Array<[RegExp, Advice]> = [
	[
		/sensitive|nsfw|violat|safety|moderat|polic|content/i,
		{
			meaning: 'The prompt or the input/output content was rejected by safety checks',
			action: 'Change the prompt or the reference media',
		},
	],
	[
		/credit|balance|quota|insufficient|payment/i,
		{
			meaning: 'The account’s balance or quota could not pay for the task',
			action: 'Add balance to your APIXO account or switch to another account/key',
		},
	],
	[
		/prompt.*(length|long|exceed)/i,
		{
			meaning: 'The prompt is too long',
			action: 'Shorten the prompt and retry',
		},
	],
	[
		/prompt/i,
		{
			meaning: 'The prompt was invalid or rejected upstream',
			action: 'Rewrite the prompt and retry',
		},
	],
	[
		/image|video|audio|media|format|download|url|file/i,
		{
			meaning: 'A reference file could not be fetched or processed',
			action: 'Use public, direct URLs to files in common formats',
		},
	],
	[
		/rate|limit|throttl|concurren|too.?many/i,
		{
			meaning: 'An upstream rate or concurrency limit was reached',
			action: 'Retry later with exponential backoff, or lower the concurrency',
		},
	],
	[
		/timed?.?out|expired/i,
		{ meaning: 'The task timed out upstream', action: 'Retry later or use callback mode' },
	],
	[
		/upstream|stream|server|internal|unavailable|error/i,
		{
			meaning: 'Upstream generation error',
			action: 'Retry with backoff, or contact APIXO support with the task ID',
		},
	],
];

const UNKNOWN_FAILURE: Advice = {
	meaning: 'The task failed',
	action: 'Retry with backoff, or contact APIXO support with the task ID',
};

export function failCodeAdvice(failCode: string | null | undefined): Advice {
	if (!failCode) return UNKNOWN_FAILURE;
	return (
		FAIL_CODE_ADVICE[failCode] ??
		FAIL_CODE_FAMILIES.find(([pattern]) => pattern.test(failCode))?.[1] ??
		UNKNOWN_FAILURE
	);
}

// ---------------------------------------------------------------------------------------------
// What an error answer says

export interface ApiErrorText {
	/** The envelope's `message` ("Invalid request"). */
	message?: string;
	/** The detail in `data.error` ("Missing required field: input.prompt"). */
	detail?: string;
	/** A provider's error identifier, when APIXO passes one on. */
	errorId?: string;
}

// `provider_error` alone is an id too; `provider_error_id` is read by the first branch.
const ERROR_ID_KEY = /^(?:provider_?)?(?:error|request|trace)_?id$|^provider_error$/i;
const short = (text: string) => {
	const line = text.replace(/\s+/g, ' ').trim();
	return line.length > 300 ? `${line.slice(0, 297)}...` : line;
};
const textOf = (value: unknown) =>
	typeof value === 'string' && value.trim()
		? short(value)
		: typeof value === 'number'
			? String(value)
			: undefined;

/**
 * The readable parts of an error body: `message`, `data.error` (APIXO's error page) and any
 * provider error id, from JSON or, for a short plain-text body, the text itself.
 */
export function readErrorBody(body: unknown): ApiErrorText {
	if (typeof body === 'string') {
		// Plain text is shown when it is a sentence, not an HTML page.
		return /^[^<]{1,300}$/.test(body.trim()) ? { message: short(body) } : {};
	}
	if (!body || typeof body !== 'object') return {};
	const { message, data, error } = body as { message?: unknown; data?: unknown; error?: unknown };
	const nested = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
	const detail =
		textOf(nested.error) ??
		textOf(nested.message) ??
		textOf(typeof data === 'string' ? data : undefined) ??
		textOf(error);
	const idEntry = [...Object.entries(nested), ...Object.entries(body)].find(
		([key, value]) => ERROR_ID_KEY.test(key) && textOf(value),
	);
	return {
		message: textOf(message),
		detail,
		errorId: idEntry ? textOf(idEntry[1]) : undefined,
	};
}

/** One line for an error message: "Invalid request — Missing field (provider error id: x)". */
export function describeErrorBody(text: ApiErrorText, meaning?: string): string | undefined {
	const parts = [text.message, text.detail].filter(
		(part, index, all): part is string =>
			!!part && all.indexOf(part) === index && part.toLowerCase() !== meaning?.toLowerCase(),
	);
	if (text.errorId) parts.push(`(provider error id: ${text.errorId})`);
	return parts.length ? parts.join(' — ').replace(' — (', ' (') : undefined;
}

/** Remove a secret from any text that may leave the node (messages, descriptions, logs). */
export function redact(text: string, secret: string | undefined): string {
	if (!secret || secret.length < 4) return text;
	return text.split(secret).join('***');
}
