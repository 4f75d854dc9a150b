/**
 * What an APIXO callback delivery says, checked before anything runs: the shape (same as a status
 * answer, for any APIXO model, with bounded taskId and state), a readable resultJson on success,
 * the URL token, and the dedupe store of task+state pairs already claimed. Pure: the node decides
 * how to answer.
 */
import {
	callbackPayloadSchema,
	isFinalState,
	showValue,
	TASK_STATES,
	type TaskData,
} from '../apixo/contract';
import { toTaskResult, type TaskResult } from '../apixo/result';

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
		// showValue shortens: an oversize taskId or state is never echoed whole.
		return { ok: false, error: `${where} is missing or invalid (got ${showValue(seen)})` };
	}
	const task = toTaskResult(parsed.data.data);
	if (!task.ok) return { ok: false, error: `data.${task.message}` };
	return { ok: true, data: parsed.data.data, result: task.result };
}

function hasProtoKey(value: unknown, depth = 0): boolean {
	if (!value || typeof value !== 'object' || depth > 32) return false;
	if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
	return Object.values(value).some((child) => hasProtoKey(child, depth + 1));
}

export { tokenMatches } from '../apixo/secrets';

export const isFinal = (data: TaskData) => isFinalState(data.state);

/** Whether a state is one the API page names (others exist: `processing_r2` was seen). */
export const isKnownState = (state: string) =>
	(TASK_STATES as readonly string[]).includes(state.toLowerCase());

/** Whether the States option selects `state`; both sides lower-cased (APIXO's case is not promised). */
export function isSelected(states: unknown, state: string): boolean {
	const wanted = Array.isArray(states) ? states : [states];
	return wanted.some((s) => typeof s === 'string' && s.toLowerCase() === state.toLowerCase());
}

/** At most `max` characters of a text that goes back to an unauthenticated caller or a log. */
export const clip = (text: string, max: number) =>
	text.length > max ? `${text.slice(0, max)}…` : text;

export const DEDUPE_LIMITS = {
	defaultWindow: 1000,
	maxWindow: 10_000,
	/** The stored list as JSON, whatever the window: static data is saved after every call. */
	maxBytes: 256 * 1024,
} as const;

/**
 * The Dedupe Window option as a count the store can use. It may come from an expression: a value
 * that is not a number ≥ 1 gets the default, a huge one (Infinity included) the maximum.
 */
export function dedupeWindow(value: unknown): number {
	if (typeof value !== 'number' || Number.isNaN(value) || value < 1) {
		return DEDUPE_LIMITS.defaultWindow;
	}
	return Math.min(DEDUPE_LIMITS.maxWindow, Math.floor(value));
}

/**
 * The task+state pairs claimed so far, oldest first, kept in the workflow's static data so a
 * retried delivery is recognised after a restart (n8n persists static data). Bounded by the
 * window and by DEDUPE_LIMITS.maxBytes, the oldest dropped first.
 *
 * Best effort across concurrent deliveries: n8n gives each webhook call its own copy of static
 * data, so two deliveries at the same instant can both claim the same pair.
 */
export class DeliveryStore {
	private readonly window: number;

	constructor(
		private readonly store: { recent?: unknown },
		window: unknown,
	) {
		this.window = dedupeWindow(window);
	}

	static key(data: TaskData): string {
		return `${data.taskId}:${data.state}`;
	}

	private get list(): string[] {
		const recent = this.store.recent;
		return Array.isArray(recent) ? recent.filter((key) => typeof key === 'string') : [];
	}

	/** Remember `key`; false when it is remembered already (a duplicate delivery). */
	claim(key: string): boolean {
		const list = this.list;
		if (list.includes(key)) return false;
		// Whole-array assignments: n8n notices changes to static data through its top-level keys.
		this.store.recent = newest([...list, key], this.window, DEDUPE_LIMITS.maxBytes);
		return true;
	}

	/** Forget `key`, so that the next delivery of it runs (its claim did not end in a run). */
	release(key: string): void {
		this.store.recent = this.list.filter((entry) => entry !== key);
	}
}

/** The newest keys within `count` entries and `maxBytes` of JSON. */
function newest(keys: string[], count: number, maxBytes: number): string[] {
	const kept = keys.slice(-count);
	let bytes = Buffer.byteLength(JSON.stringify(kept));
	let drop = 0;
	// Measured whole once; entries are sized only when some must go (rare: the window is full).
	while (bytes > maxBytes && drop < kept.length) {
		bytes -= Buffer.byteLength(JSON.stringify(kept[drop++])) + 1; // and its comma
	}
	return kept.slice(drop);
}
