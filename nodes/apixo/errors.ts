/**
 * What APIXO's HTTP statuses and failCodes mean and what the user should do (the API page's
 * tables). Pure data + text: the transport and the nodes turn it into n8n errors.
 */

export interface Advice {
	meaning: string;
	action: string;
}

export const HTTP_ADVICE: Record<number, Advice> = {
	400: {
		meaning: 'Invalid request',
		action: 'Fix the request before retrying (see the message for the field)',
	},
	401: {
		meaning: 'Missing or invalid API key',
		action: 'Check the API key in the "APIXO API" credential',
	},
	402: {
		meaning: 'Insufficient balance or quota',
		action: 'Add balance to your APIXO account or switch to another account/key',
	},
	403: {
		meaning: 'This key or route cannot access the model',
		action: 'Check the key\'s permissions and the route strategy (the "Provider" option)',
	},
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
	503: { meaning: 'Service unavailable', action: 'Retry later with backoff' },
	504: {
		meaning: 'Upstream timeout',
		action: 'Retry later, or use callback mode for long-running jobs',
	},
};

export function httpAdvice(status: number): Advice {
	return (
		HTTP_ADVICE[status] ??
		(status >= 500
			? { meaning: `Server error ${status}`, action: 'Retry later with backoff' }
			: {
					meaning: `Unexpected HTTP status ${status}`,
					action: 'Check the base URL and the request',
				})
	);
}

/** failCode is an open set: look up the known ones, never switch on it exhaustively. */
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

export function failCodeAdvice(failCode: string | null | undefined): Advice {
	return (
		(failCode && FAIL_CODE_ADVICE[failCode]) || {
			meaning: 'The task failed',
			action: 'Retry with backoff, or contact APIXO support with the task ID',
		}
	);
}

/** Remove a secret from any text that may leave the node (messages, descriptions, logs). */
export function redact(text: string, secret: string | undefined): string {
	if (!secret || secret.length < 4) return text;
	return text.split(secret).join('***');
}
