/**
 * What an APIXO callback delivery says, checked before anything runs: the shape (same as a status
 * answer, for any APIXO model), a readable resultJson on success, the URL token, and whether the
 * same task+state was seen already. Pure: the node decides how to answer.
 */
import { createHash, timingSafeEqual } from 'crypto';

import { callbackPayloadSchema, isFinalState, showValue, type TaskData } from '../apixo/contract';
import { readTaskResult, type TaskResult } from '../apixo/result';

export type Parsed =
	| { ok: true; data: TaskData; result: TaskResult }
	| { ok: false; error: string };

/** Parse a delivery body into task data; says what is wrong otherwise. */
export function parseDelivery(body: unknown): Parsed {
	if (!body || typeof body !== 'object' || Array.isArray(body)) {
		return {
			ok: false,
			error: `body must be a JSON object like {"code":200,"data":{"taskId":…,"state":…}} (got ${showValue(body)})`,
		};
	}
	// JSON.parse keeps "__proto__" as an own key; copied onto a new object it would become the
	// prototype and supply fields the schema never checked.
	if (hasProtoKey(body)) {
		return { ok: false, error: 'body must not contain a "__proto__" key' };
	}
	const parsed = callbackPayloadSchema.safeParse(body);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		const where = issue.path.join('.') || 'body';
		const seen = issue.path.reduce<unknown>(
			(value, key) =>
				value && typeof value === 'object'
					? (value as Record<PropertyKey, unknown>)[key]
					: undefined,
			body,
		);
		return { ok: false, error: `${where} is missing or invalid (got ${showValue(seen)})` };
	}
	const read = readTaskResult(parsed.data.data);
	if (!read.ok) return { ok: false, error: `data.${read.message}` };
	return { ok: true, data: parsed.data.data, result: read.result };
}

function hasProtoKey(value: unknown, depth = 0): boolean {
	if (!value || typeof value !== 'object' || depth > 32) return false;
	if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
	return Object.values(value).some((child) => hasProtoKey(child, depth + 1));
}

/** Constant-time token check: hashing first makes the comparison independent of length too. */
export function tokenMatches(expected: string, given: unknown): boolean {
	const digest = (value: string) => createHash('sha256').update(value).digest();
	const candidate = typeof given === 'string' ? given : '';
	return timingSafeEqual(digest(expected), digest(candidate)) && candidate.length > 0;
}

export const isFinal = (data: TaskData) => isFinalState(data.state);

/**
 * The task+state pairs already emitted, oldest first, kept in the workflow's static data so a
 * retried delivery is recognised after a restart (n8n persists static data).
 */
export class RecentDeliveries {
	constructor(
		private readonly store: { recent?: unknown },
		private readonly window: number,
	) {}

	private get list(): string[] {
		return Array.isArray(this.store.recent) ? (this.store.recent as string[]) : [];
	}

	static key(data: TaskData): string {
		return `${data.taskId}:${data.state}`;
	}

	has(key: string): boolean {
		return this.list.includes(key);
	}

	// Whole-array assignments: n8n notices changes to static data through its top-level keys.
	add(key: string): void {
		this.store.recent = [...this.list, key].slice(-Math.max(1, this.window));
	}

	remove(key: string): void {
		this.store.recent = this.list.filter((entry) => entry !== key);
	}
}
