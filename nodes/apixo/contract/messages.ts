/**
 * How the contract speaks: every rule says what is allowed and shows the value that was seen,
 * with the API body path it is about.
 */
import type { z } from 'zod/v4';

/** A short, safe rendering of a value for an error message. */
export function showValue(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (typeof value === 'string') {
		const cut = value.length > 80 ? `${value.slice(0, 77)}...` : value;
		return JSON.stringify(cut);
	}
	// JSON would write NaN and Infinity as null; true, false and null read the same either way.
	if (typeof value === 'number') return String(value);
	try {
		const text = JSON.stringify(value);
		return text.length > 80 ? `${text.slice(0, 77)}...` : text;
	} catch {
		return typeof value;
	}
}

export const mustBe = (what: string) => (issue: { input?: unknown }) =>
	`must be ${what} (got ${showValue(issue.input)})`;

export const oneOf = (values: readonly string[]) =>
	`one of ${values.map((v) => `"${v}"`).join(', ')}`;

export interface ContractIssue {
	/** Dotted path in the API body, e.g. `input.duration` or `input.image_urls.2`. */
	path: string;
	message: string;
}

export function toContractIssues(error: z.ZodError): ContractIssue[] {
	return error.issues.map((issue) => ({
		path: issue.path.map(String).join('.') || 'body',
		message: issue.message,
	}));
}
