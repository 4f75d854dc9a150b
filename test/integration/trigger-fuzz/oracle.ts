/**
 * The callback fuzz's oracle, written from the callback contract, not from the node:
 * - `nodeSees`: what n8n's body parsing (as the harness does it) hands the node — JSON for a
 *   JSON content type (422 before the node when it does not parse), an empty object otherwise;
 *   `handed`: the token its URL parsing hands the node;
 * - `judge`: what the contract (shared/apixo: status shape, resultJson a JSON string with
 *   resultUrls; a taskId of at most 128 letters, digits, "_", "." or "-"; a state of at most 32
 *   characters, in any case) says of that body: refused (400), not final (200, ignored) or a
 *   final task;
 * - `predict`: the node's rules over `judge`, with a model of the dedupe window (the last N
 *   task+state pairs that started a run) and of the token rule (`?token=` in the query, exact
 *   match);
 * - `checkAnswer` and `storeOf`: an answer and the workflow's static data against the prediction.
 */
import type { IDataObject } from 'n8n-workflow';

import type { Answer, Hook } from './client';

export type Sees = { parsed: false } | { parsed: true; body: unknown };

/** What the node receives (n8n's body parsing as the harness models it). */
export function nodeSees(contentType: string | undefined, bytes: Buffer): Sees {
	const text = bytes.toString('utf8');
	if (!text || !(contentType ?? '').includes('json')) return { parsed: true, body: {} };
	try {
		return { parsed: true, body: JSON.parse(text) };
	} catch {
		return { parsed: false };
	}
}

/** The token the harness's URL parsing hands the node (last value of a repeated key). */
export const handed = (query: string) =>
	query.startsWith('?')
		? new URL(`http://x/${query}`).searchParams.getAll('token').pop()
		: undefined;

/** The callback contract's bounds (shared/apixo: anyone can post to a trigger URL). */
export const TASK_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const STATE_MAX = 32;
export const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown) =>
	value === undefined || value === null || typeof value === 'string';
const isStamp = (value: unknown) =>
	isText(value) || (typeof value === 'number' && Number.isFinite(value));
const stamp = (value: unknown) =>
	value === undefined || value === null
		? null
		: typeof value === 'string' && /^\d+$/.test(value)
			? Number(value)
			: value;

/** resultJson per the API page: a JSON string of an object whose resultUrls are strings. */
export function resultUrlsOf(resultJson: unknown): string[] | undefined {
	if (typeof resultJson !== 'string' || resultJson === '') return undefined;
	let value: unknown;
	try {
		value = JSON.parse(resultJson);
	} catch {
		return undefined;
	}
	if (!isRecord(value) || !Array.isArray(value.resultUrls)) return undefined;
	return value.resultUrls.every((url) => typeof url === 'string')
		? (value.resultUrls as string[])
		: undefined;
}

type Verdict =
	| { kind: 'refused' }
	| { kind: 'not final'; state: string }
	| { kind: 'final'; key: string; state: string; item: IDataObject };

/** What the callback contract says of a body. */
export function judge(body: unknown): Verdict {
	const refused = { kind: 'refused' } as const;
	if (!isRecord(body) || !isRecord(body.data)) return refused;
	if (body.code !== undefined && !(typeof body.code === 'number' && Number.isFinite(body.code)))
		return refused;
	if (!isText(body.message)) return refused;
	const data = body.data;
	const { taskId } = data;
	if (typeof taskId !== 'string' || !TASK_ID.test(taskId)) return refused;
	if (typeof data.state !== 'string' || !data.state || data.state.length > STATE_MAX)
		return refused;
	// States are compared and emitted in lower case.
	const state = data.state.toLowerCase();
	if (![data.resultJson, data.failCode, data.failMsg].every(isText)) return refused;
	if (![data.createTime, data.completeTime, data.costTime].every(isStamp)) return refused;
	const urls = state === 'success' ? resultUrlsOf(data.resultJson) : [];
	if (!urls) return refused;
	if (state !== 'success' && state !== 'failed') return { kind: 'not final', state };
	return {
		kind: 'final',
		key: `${taskId}:${state}`,
		state,
		item: {
			taskId,
			state,
			resultUrls: urls,
			videoUrl: urls[0] ?? null,
			failCode: (data.failCode as string | null | undefined) ?? null,
			failMsg: (data.failMsg as string | null | undefined) ?? null,
			createTime: stamp(data.createTime) as IDataObject[string],
			completeTime: stamp(data.completeTime) as IDataObject[string],
			costTime: stamp(data.costTime) as IDataObject[string],
			verified: false,
		},
	};
}

export type Expected =
	| { status: 422 | 401 | 400 }
	| { status: 200; ignored: string }
	| { status: 200; emits: IDataObject; key: string };

export interface Settings {
	token: string;
	states?: string[];
	includeRaw: boolean;
	dedupeWindow?: number;
}

export const parametersOf = (settings: Settings): IDataObject => ({
	token: settings.token,
	...(settings.states ? { states: settings.states } : {}),
	options: {
		includeRaw: settings.includeRaw,
		...(settings.dedupeWindow ? { dedupeWindow: settings.dedupeWindow } : {}),
	},
});

/** The node's rules over `judge`, with `recent` the task+state pairs that started a run. */
export function predict(
	settings: Settings,
	recent: string[],
	sees: Sees,
	tokenOk: boolean,
): Expected {
	if (!sees.parsed) return { status: 422 };
	if (settings.token && !tokenOk) return { status: 401 };
	const verdict = judge(sees.body);
	if (verdict.kind === 'refused') return { status: 400 };
	if (verdict.kind === 'not final')
		return { status: 200, ignored: `state ${verdict.state} is not final` };
	if (recent.includes(verdict.key)) return { status: 200, ignored: 'duplicate delivery' };
	const wanted = (settings.states ?? ['success', 'failed']).map((s) => s.toLowerCase());
	if (!wanted.includes(verdict.state))
		return { status: 200, ignored: `state ${verdict.state} is not selected` };
	const item = settings.includeRaw
		? { ...verdict.item, raw: sees.body as IDataObject }
		: verdict.item;
	return { status: 200, emits: item, key: verdict.key };
}

export const outcomeOf = (expected: Expected) =>
	'emits' in expected
		? 'started'
		: 'ignored' in expected
			? expected.ignored.replace(/^state .* is /s, 'state is ')
			: String(expected.status);

/** The task+state pairs the trigger keeps in the workflow's static data, and their size. */
export function storeOf(hook: Hook): { keys: string[]; bytes: number } {
	const data = hook.server.staticData();
	const node = Object.values(data)[0] as { recent?: string[] } | undefined;
	return { keys: node?.recent ?? [], bytes: JSON.stringify(data).length };
}

/** The answer is the predicted one, and only a predicted run started. */
export function checkAnswer(answer: Answer, expected: Expected, ran: IDataObject[][]) {
	expect(answer.status).toBeLessThan(500);
	expect(answer.text).not.toContain('SECRET');
	expect(answer.status).toBe(expected.status);
	if ('emits' in expected) {
		expect(answer.json).toEqual({ received: true });
		expect(ran).toEqual([[expected.emits]]);
		return;
	}
	expect(ran).toEqual([]);
	if ('ignored' in expected) {
		expect(answer.json).toEqual({ received: true, ignored: expected.ignored });
	} else if (expected.status === 401) {
		expect(answer.json).toEqual({ received: false, error: 'missing or wrong token' });
	} else if (expected.status === 400) {
		expect(answer.json).toEqual({ received: false, error: expect.any(String) });
		// Errors quote what they saw, shortened: never the whole (possibly huge) body.
		expect(answer.text.length).toBeLessThan(400);
	}
}
