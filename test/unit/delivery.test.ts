/**
 * The trigger's pure parts: reading a delivery, which states are selected, the Dedupe Window as a
 * number, and the store of claimed task+state pairs with its count and byte bounds.
 */
import {
	clip,
	DEDUPE_LIMITS,
	dedupeWindow,
	DeliveryStore,
	isKnownState,
	isSelected,
	parseDelivery,
} from '../../nodes/ApixoTrigger/delivery';

const success = (data: object = {}) => ({
	code: 200,
	message: 'success',
	data: {
		taskId: 'task_1',
		state: 'success',
		resultJson: '{"resultUrls":["https://cdn.example.com/v.mp4"]}',
		...data,
	},
});

describe('parseDelivery', () => {
	it('reads a success with its result URLs, and a failure', () => {
		expect(parseDelivery(success())).toMatchObject({
			ok: true,
			data: { taskId: 'task_1', state: 'success' },
			result: { taskId: 'task_1', resultUrls: ['https://cdn.example.com/v.mp4'] },
		});
		expect(
			parseDelivery(success({ state: 'failed', resultJson: null, failCode: 'Timeout' })),
		).toMatchObject({ ok: true, data: { state: 'failed', failCode: 'Timeout' } });
	});

	it.each([
		[null, 'body must be a JSON object like {"code":200,"data":{"taskId":…,"state":…}} (got null)'],
		[
			'text',
			'body must be a JSON object like {"code":200,"data":{"taskId":…,"state":…}} (got "text")',
		],
		[[1], 'body must be a JSON object like {"code":200,"data":{"taskId":…,"state":…}} (got [1])'],
		[{ code: 200 }, 'data is missing or invalid (got nothing)'],
		[success({ taskId: 'a b' }), 'data.taskId is missing or invalid (got "a b")'],
		[
			success({ taskId: 'x'.repeat(200) }),
			`data.taskId is missing or invalid (got "${'x'.repeat(77)}...")`,
		],
		[success({ state: 7 }), 'data.state is missing or invalid (got 7)'],
		[
			success({ resultJson: 'not json' }),
			expect.stringMatching(/^data\.resultJson .*not valid JSON/),
		],
	])('%j is refused: %s', (body, error) => {
		expect(parseDelivery(body)).toEqual({ ok: false, error });
	});

	it('a "__proto__" key anywhere (as JSON.parse keeps it) is refused', () => {
		const nested = JSON.parse(
			'{"code":200,"data":{"taskId":"t","state":"success","x":{"__proto__":{"a":1}}}}',
		);
		expect(parseDelivery(nested)).toEqual({
			ok: false,
			error: 'body must not contain a "__proto__" key',
		});
		// Looked for 32 levels deep (the body is level 0): deeper nesting is no JSON a delivery has.
		const deep = (levels: number) =>
			JSON.parse(
				`{"code":200,"data":{"taskId":"t","state":"success","x":${'{"y":'.repeat(levels - 2)}{"__proto__":{}}${'}'.repeat(levels - 2)}}}`,
			);
		expect(parseDelivery(deep(32))).toEqual({
			ok: false,
			error: 'body must not contain a "__proto__" key',
		});
		expect(parseDelivery(JSON.parse('{"__proto__":{"code":200}}'))).toEqual({
			ok: false,
			error: 'body must not contain a "__proto__" key',
		});
	});
});

describe('states', () => {
	it('isKnownState: the four states the page names, in any case; others are not', () => {
		for (const state of ['pending', 'PROCESSING', 'Success', 'failed'])
			expect(isKnownState(state)).toBe(true);
		for (const state of ['processing_r2', 'queued', '']) expect(isKnownState(state)).toBe(false);
	});

	it('isSelected: a list or a single value, compared without case; non-strings never match', () => {
		expect(isSelected(['success', 'failed'], 'FAILED')).toBe(true);
		expect(isSelected(['Success'], 'success')).toBe(true);
		expect(isSelected('success', 'success')).toBe(true);
		expect(isSelected(['success'], 'failed')).toBe(false);
		expect(isSelected([1, null, {}], 'success')).toBe(false);
		expect(isSelected(undefined, 'success')).toBe(false);
	});

	it('clip keeps at most max characters and marks the cut', () => {
		expect(clip('abcdef', 6)).toBe('abcdef');
		expect(clip('abcdefg', 6)).toBe('abcdef…');
	});
});

describe('Dedupe Window', () => {
	it.each([
		[undefined, 1000],
		['50', 1000],
		[Number.NaN, 1000],
		[0, 1000],
		[0.5, 1000],
		[1, 1],
		[2.9, 2],
		[10_000, 10_000],
		[10_001, 10_000],
		[Infinity, 10_000],
	])('%s → %s', (value, count) => {
		expect(dedupeWindow(value)).toBe(count);
	});
});

describe('DeliveryStore', () => {
	it('claims a key once; a release lets it be claimed again; the key is task:state', () => {
		const data = { recent: undefined as unknown };
		const store = new DeliveryStore(data, 10);
		const key = DeliveryStore.key({ taskId: 't1', state: 'success' } as never);
		expect(key).toBe('t1:success');
		expect(store.claim(key)).toBe(true);
		expect(store.claim(key)).toBe(false);
		expect(store.claim('t1:failed')).toBe(true);
		store.release(key);
		expect(data.recent).toEqual(['t1:failed']);
		expect(store.claim(key)).toBe(true);
		expect(data.recent).toEqual(['t1:failed', 't1:success']);
	});

	it('keeps the newest `window` keys, dropping the oldest', () => {
		const data: { recent?: unknown } = {};
		const store = new DeliveryStore(data, 3);
		for (const n of [1, 2, 3, 4]) store.claim(`t${n}:success`);
		expect(data.recent).toEqual(['t2:success', 't3:success', 't4:success']);
		expect(store.claim('t1:success')).toBe(true); // forgotten: runs again
	});

	it('ignores what is not a list of strings in static data', () => {
		const data: { recent?: unknown } = { recent: ['a:success', 7, null, 'b:failed'] };
		const store = new DeliveryStore(data, 10);
		expect(store.claim('a:success')).toBe(false);
		expect(store.claim('c:success')).toBe(true);
		expect(data.recent).toEqual(['a:success', 'b:failed', 'c:success']);
		const broken: { recent?: unknown } = { recent: 'a:success' };
		expect(new DeliveryStore(broken, 10).claim('a:success')).toBe(true);
		expect(broken.recent).toEqual(['a:success']);
	});

	it(`stays within ${DEDUPE_LIMITS.maxBytes} bytes of JSON at the largest window, dropping the oldest`, () => {
		const data: { recent?: unknown } = {};
		const store = new DeliveryStore(data, Infinity);
		const key = (n: number) => `${String(n).padStart(6, '0')}${'x'.repeat(120)}:success`;
		for (let n = 0; n < 3000; n++) store.claim(key(n));
		const kept = data.recent as string[];
		const bytes = Buffer.byteLength(JSON.stringify(kept));
		expect(bytes).toBeLessThanOrEqual(DEDUPE_LIMITS.maxBytes);
		// As many as fit: one more would not.
		expect(bytes + Buffer.byteLength(JSON.stringify(key(0))) + 1).toBeGreaterThan(
			DEDUPE_LIMITS.maxBytes,
		);
		expect(kept.at(-1)).toBe(key(2999));
		expect(kept[0]).toBe(key(3000 - kept.length));
	});

	it('a list of exactly the byte limit is kept whole; one more key drops just the oldest', () => {
		// 27 keys of 9706 characters: 27 × ("…" + comma) + "[]" − 1 comma = 262 144 bytes.
		const key = (n: number) => `${String(n).padStart(2, '0')}${'k'.repeat(9704)}`;
		const data: { recent?: unknown } = {};
		const store = new DeliveryStore(data, 1000);
		for (let n = 0; n < 27; n++) store.claim(key(n));
		expect(Buffer.byteLength(JSON.stringify(data.recent))).toBe(DEDUPE_LIMITS.maxBytes);
		expect(data.recent).toHaveLength(27);
		store.claim(key(27));
		expect(Buffer.byteLength(JSON.stringify(data.recent))).toBe(DEDUPE_LIMITS.maxBytes);
		expect((data.recent as string[])[0]).toBe(key(1));
	});
});
