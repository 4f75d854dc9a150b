/**
 * The callback fuzz's body generators: callbacks of the contract's shape (APIXO's status
 * envelope with any task ID, state, result URLs, fail fields and timestamps), near misses
 * (one field mutated), junk and raw texts, and how a body is laid out as JSON text (indent,
 * leading and trailing whitespace, padding up to 96 KB).
 */
import fc from 'fast-check';

import { isRecord, resultUrlsOf, TASK_ID } from './oracle';

const urlArb = fc.webUrl({ withQueryParameters: true });
const stampArb = fc.oneof(
	fc.integer({ min: 0, max: 2 ** 45 }),
	fc.integer({ min: 0, max: 2 ** 45 }).map(String),
	fc.constant(null),
	fc.string({ maxLength: 6 }),
	fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const extraArb = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
	maxKeys: 2,
});
export const finalStateArb = fc.constantFrom('success', 'failed');
/** States beyond the contract's 32 characters (refused, never stored). */
export const oversizeStateArb = fc.oneof(
	fc.constantFrom('success'.padEnd(33, ' '), 'f'.repeat(33), `processing${'.'.repeat(4096)}`),
	fc.string({ minLength: 33, maxLength: 200 }),
);
const stateArb = fc.oneof(
	{ weight: 8, arbitrary: finalStateArb },
	{ weight: 2, arbitrary: fc.constantFrom('pending', 'processing', 'processing_r2') },
	{
		weight: 1,
		arbitrary: fc.constantFrom('SUCCESS', ' success', 'Failed', 'failed ', 'done', 'success\u0000'),
	},
	{ weight: 1, arbitrary: oversizeStateArb },
);
/** Task IDs outside the contract: too long, or other characters (refused, never stored). */
export const oddTaskIdArb = fc.oneof(
	fc.constantFrom('tâche-é', '任务-1', 'задача 😀', 'a:success', 'a b', 'x'.repeat(129)),
	fc.string({ minLength: 129, maxLength: 4096 }),
	fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((id) => !TASK_ID.test(id)),
);
/** A small pool makes repeats (retries) common within a session. */
const taskIdArb = fc.oneof(
	{ weight: 4, arbitrary: fc.constantFrom('task_a', 'task_b', 'T.1-x', 'a'.repeat(128)) },
	{ weight: 2, arbitrary: fc.uuid() },
	{ weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/) },
	{ weight: 2, arbitrary: oddTaskIdArb },
);

interface Fields {
	taskId: string;
	state: string;
	urls?: string[];
	resultExtra?: Record<string, unknown>;
	/** For a state other than success: what resultJson holds (ignored there). */
	otherResult?: string | null;
	failCode?: string | null;
	failMsg?: string | null;
	createTime?: unknown;
	completeTime?: unknown;
	costTime?: unknown;
	dataExtra?: Record<string, unknown>;
	code?: number;
	message?: string | null;
	topExtra?: Record<string, unknown>;
}

/** The status shape APIXO posts: {code, message, data:{taskId, state, resultJson|failCode…}}. */
export function envelope(f: Fields): Record<string, unknown> {
	const data: Record<string, unknown> = { ...f.dataExtra, taskId: f.taskId, state: f.state };
	if (f.state === 'success')
		data.resultJson = JSON.stringify({ ...f.resultExtra, resultUrls: f.urls ?? [] });
	else if (f.otherResult !== undefined) data.resultJson = f.otherResult;
	for (const key of ['failCode', 'failMsg', 'createTime', 'completeTime', 'costTime'] as const) {
		if (f[key] !== undefined) data[key] = f[key];
	}
	const body: Record<string, unknown> = { ...f.topExtra };
	if (f.code !== undefined) body.code = f.code;
	if (f.message !== undefined) body.message = f.message;
	body.data = data;
	return body;
}

export const fieldsArb = (taskId: fc.Arbitrary<string>, state: fc.Arbitrary<string>) =>
	fc.record(
		{
			taskId,
			state,
			urls: fc.array(urlArb, { maxLength: 4 }),
			resultExtra: extraArb,
			otherResult: fc.oneof(fc.constant(null), fc.constant('{oops'), fc.string({ maxLength: 8 })),
			failCode: fc.oneof(fc.constantFrom('SensitiveContent', 'Timeout', ''), fc.constant(null)),
			failMsg: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constant(null)),
			createTime: stampArb,
			completeTime: stampArb,
			costTime: stampArb,
			dataExtra: extraArb,
			code: fc.oneof(fc.constant(200), fc.integer({ min: -1, max: 999 })),
			message: fc.oneof(fc.constant('success'), fc.string({ maxLength: 10 }), fc.constant(null)),
			topExtra: extraArb,
		},
		{ requiredKeys: ['taskId', 'state', 'urls'] },
	);

const DROP = Symbol('drop');
const junkArb = fc.oneof(
	fc.jsonValue({ maxDepth: 2 }),
	fc.constantFrom<unknown>(null, '', 0, true, [], {}, '200', DROP),
);
/** resultJson texts near the contract: some valid, most not. */
const resultJsonOddities = fc.oneof(
	fc.constantFrom(
		'{oops',
		'[]',
		'null',
		'"x"',
		'{"urls":[]}',
		'{"resultUrls":"https://a.example/v.mp4"}',
		'{"resultUrls":[1,null]}',
		'{"resultUrls":[]}',
		' {"resultUrls":["https://a.example/v.mp4"]} ',
		'{"resultUrls":["https://a.example/v.mp4"],"resultUrls":5}',
		'{"resultUrls":["https://a.example/v.mp4"],"x":1e400}',
	),
	fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
);
const PATHS = [
	'code',
	'message',
	'data',
	'data.taskId',
	'data.state',
	'data.resultJson',
	'data.failCode',
	'data.failMsg',
	'data.createTime',
	'data.completeTime',
	'data.costTime',
] as const;
type Mutation =
	| { at: (typeof PATHS)[number]; to: unknown }
	| { at: ''; to: 'array' | 'string' | 'data-array' | 'resultJson-object' };
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
	{ weight: 6, arbitrary: fc.record({ at: fc.constantFrom(...PATHS), to: junkArb }) },
	{
		weight: 3,
		arbitrary: fc.record({ at: fc.constant('data.resultJson' as const), to: resultJsonOddities }),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			at: fc.constant('' as const),
			to: fc.constantFrom('array', 'string', 'data-array', 'resultJson-object') as fc.Arbitrary<
				'array' | 'string' | 'data-array' | 'resultJson-object'
			>,
		}),
	},
);

function mutate(body: Record<string, unknown>, mutation: Mutation): unknown {
	const copy = JSON.parse(JSON.stringify(body)) as Record<string, any>;
	if (mutation.at === '') {
		if (mutation.to === 'array') return [copy];
		if (mutation.to === 'string') return JSON.stringify(copy);
		if (mutation.to === 'data-array') return { ...copy, data: [copy.data] };
		const parsed = resultUrlsOf(copy.data.resultJson);
		return { ...copy, data: { ...copy.data, resultJson: { resultUrls: parsed ?? [] } } };
	}
	const [head, tail] = mutation.at.split('.');
	const parent = tail ? copy[head] : copy;
	const key = tail ?? head;
	if (mutation.to === DROP) delete parent[key];
	else parent[key] = mutation.to;
	return copy;
}

const RAW_TEXTS = [
	'',
	' ',
	'\n',
	'null',
	'true',
	'0',
	'"x"',
	'[]',
	'{}',
	'{',
	'{"data":',
	'{"code":200,"data":{"taskId":"t","state":"failed"}',
	'{"code":1e400,"data":{"taskId":"inf","state":"failed"}}',
	'{"data":{"taskId":"inf","state":"failed","createTime":1e400}}',
	'{"data":{"taskId":"big","state":"failed","createTime":1e300}}',
	'{"data":{"taskId":"dup-keys","state":"pending","state":"failed"}}',
	'code=200&data%5BtaskId%5D=form&data%5Bstate%5D=failed',
	"{'data':{'taskId':'single','state':'failed'}}",
	'{"data":{"taskId":"nul\u0000","state":"failed"}}',
];
type Payload = { value: unknown } | { text: string };
export const payloadArb: fc.Arbitrary<Payload> = fc
	.oneof(
		{ weight: 10, arbitrary: fieldsArb(taskIdArb, stateArb).map((f) => ({ value: envelope(f) })) },
		{
			weight: 4,
			arbitrary: fc
				.tuple(fieldsArb(taskIdArb, stateArb), mutationArb)
				.map(([f, m]) => ({ value: mutate(envelope(f), m) })),
		},
		{ weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ value })) },
		{ weight: 1, arbitrary: fc.constantFrom(...RAW_TEXTS).map((text) => ({ text })) },
		{
			weight: 1,
			arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map((text) => ({ text })),
		},
		{
			weight: 1,
			arbitrary: fc
				.tuple(fieldsArb(taskIdArb, finalStateArb), fc.double({ min: 0, max: 1, noNaN: true }))
				.map(([f, cut]) => {
					const text = JSON.stringify(envelope(f));
					return { text: text.slice(0, Math.floor(text.length * cut)) };
				}),
		},
	)
	// Known bug, kept out of the random fuzz: see the "__proto__" test at the end of
	// trigger-fuzz.test.ts.
	.filter((p) => !('value' in p ? (JSON.stringify(p.value) ?? '') : p.text).includes('__proto__'));

export const layoutArb = fc.record({
	indent: fc.constantFrom<string | number | undefined>(undefined, 2, '\t', ' \n'),
	lead: fc.constantFrom('', ' ', '\r\n', '\t\n '),
	trail: fc.constantFrom('', ' ', '\n'),
	pad: fc.oneof(
		{ weight: 14, arbitrary: fc.constant(0) },
		{ weight: 1, arbitrary: fc.integer({ min: 1024, max: 96 * 1024 }) },
	),
});
type Layout = typeof layoutArb extends fc.Arbitrary<infer T> ? T : never;

export function render(
	payload: Payload,
	layout: Layout,
	extra: Record<string, unknown> = {},
): string {
	if ('text' in payload) return payload.text;
	let value = payload.value;
	if (isRecord(value) && (layout.pad || Object.keys(extra).length)) {
		value = { ...value, ...extra, ...(layout.pad ? { pad: 'p'.repeat(layout.pad) } : {}) };
	}
	return layout.lead + JSON.stringify(value, null, layout.indent) + layout.trail;
}
