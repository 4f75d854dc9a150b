/**
 * The callback fuzz's scenario generators, one section for each part of the test file:
 * sequential sessions (random trigger settings, steps of new requests, retries and restarts),
 * concurrent batches of retried tasks among invalid requests, random tokens and their
 * variations, odd task IDs and states among valid deliveries, and the big bodies (up to 2 MB).
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import { envelope, fieldsArb, finalStateArb, oddTaskIdArb, oversizeStateArb } from './bodies';
import type { Wire } from './client';
import { judge, type Expected, type Settings } from './oracle';
import { BOUNDARY, enc, flipCase, percentAll, type Place, requestArb, TOKEN } from './wire';

// ---------------------------------------------------------------------------------------------
// Sequential sessions

export const sessionSettingsArb: fc.Arbitrary<Settings> = fc.record({
	token: fc.constantFrom('', TOKEN),
	states: fc.constantFrom(
		undefined,
		['success', 'failed'],
		['success'],
		['failed'],
		[],
		['SUCCESS', 'Failed'],
	),
	includeRaw: fc.boolean(),
	dedupeWindow: fc.constantFrom(undefined, 1, 2, 3, 50),
});
/** Steps: a new request, a repeat of an earlier one (APIXO's retry), or an n8n restart. */
export const sessionStepArb = fc.oneof(
	{ weight: 15, arbitrary: requestArb },
	{
		weight: 6,
		arbitrary: fc.record({ again: fc.nat(), pieces: fc.integer({ min: 1, max: 3 }) }),
	},
	{ weight: 1, arbitrary: fc.constant('restart' as const) },
);

// ---------------------------------------------------------------------------------------------
// Concurrent batches

const taskArb = fieldsArb(fc.uuid(), finalStateArb)
	.map((f) => envelope({ ...f, code: 200, message: 'success', topExtra: undefined }))
	// As it travels (-0 becomes 0): the expected run is judged from what the node will read.
	.map((body) => JSON.parse(JSON.stringify(body)) as Record<string, unknown>)
	.filter((body) => judge(body).kind === 'final' && !JSON.stringify(body).includes('__proto__'));
const copyArb = fc.record({
	indent: fc.constantFrom<string | number | undefined>(undefined, 2, '\t'),
	reverseKeys: fc.boolean(),
	dropCode: fc.boolean(),
	message: fc.constantFrom<string | undefined>(undefined, 'success', 'retry'),
	contentType: fc.constantFrom(
		'application/json',
		'application/json; charset=utf-8',
		'application/json;charset=UTF-8',
	),
	otherParams: fc.boolean(),
	pieces: fc.integer({ min: 1, max: 4 }),
	pauseMs: fc.integer({ min: 0, max: 2 }),
	startMs: fc.integer({ min: 0, max: 3 }),
});
const NOISE = [
	'wrong token',
	'not final',
	'bad resultJson',
	'malformed',
	'text/plain',
	'form',
	'data array',
] as const;
const noiseArb = fc.record({
	kind: fc.constantFrom(...NOISE),
	task: fc.nat(),
	startMs: fc.integer({ min: 0, max: 3 }),
});
export const batchArb = fc.record({
	tokened: fc.boolean(),
	tasks: fc.uniqueArray(taskArb, {
		minLength: 1,
		maxLength: 6,
		selector: (body) => (body.data as IDataObject).taskId,
	}),
	copies: fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 6, maxLength: 6 }),
	looks: fc.array(copyArb, { minLength: 24, maxLength: 24 }),
	noise: fc.array(noiseArb, { maxLength: 8 }),
	order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 32, maxLength: 32 }),
	restart: fc.boolean(),
});
type Batch = typeof batchArb extends fc.Arbitrary<infer T> ? T : never;
/** One request of a batch: a copy of task `task`, or an invalid one with its expected answer. */
type Job = { task: number; copy: boolean; expected?: Expected; wire: Wire };

const reversed = (value: Record<string, unknown>) =>
	Object.fromEntries(Object.entries(value).reverse());

/**
 * A batch's requests in the order they are sent: each task's copies, then the invalid ones
 * (with the answer each must get), shuffled by `batch.order`; and the query that carries the
 * batch's token.
 */
export function batchJobs(batch: Batch): { order: Job[]; tokenQuery: (other: boolean) => string } {
	const tokenQuery = (other: boolean) =>
		batch.tokened ? `?${other ? 'src=apixo&' : ''}token=${enc(TOKEN)}` : other ? '?src=apixo' : '';
	const jobs: Job[] = [];
	batch.tasks.forEach((body, task) => {
		for (let n = 0; n < batch.copies[task]; n++) {
			const look = batch.looks[(task * 4 + n) % batch.looks.length];
			let shaped: Record<string, unknown> = { ...body };
			if (look.dropCode) delete shaped.code;
			if (look.message !== undefined) shaped.message = look.message;
			if (look.reverseKeys)
				shaped = reversed({
					...shaped,
					data: reversed(shaped.data as Record<string, unknown>),
				});
			jobs.push({
				task,
				copy: true,
				wire: {
					query: tokenQuery(look.otherParams),
					headers: { 'content-type': look.contentType },
					bytes: Buffer.from(JSON.stringify(shaped, null, look.indent)),
					pieces: look.pieces,
					pauseMs: look.pauseMs,
					startMs: look.startMs,
				},
			});
		}
	});
	for (const noise of batch.noise) {
		const task = noise.task % batch.tasks.length;
		const body = batch.tasks[task] as { data: IDataObject };
		const kind = noise.kind === 'wrong token' && !batch.tokened ? 'not final' : noise.kind;
		const json = (value: unknown, contentType = 'application/json') => ({
			headers: { 'content-type': contentType },
			bytes: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
		});
		const made: Record<typeof kind, [Expected, Omit<Wire, 'query'>]> = {
			'wrong token': [{ status: 401 }, json(body)],
			'not final': [
				{ status: 200, ignored: 'state processing is not final' },
				json({ ...body, data: { taskId: body.data.taskId, state: 'processing' } }),
			],
			'bad resultJson': [
				{ status: 400 },
				json({
					...body,
					data: { ...body.data, state: 'success', resultJson: '{"resultUrls":' },
				}),
			],
			malformed: [{ status: 422 }, json(JSON.stringify(body).slice(0, -1))],
			'text/plain': [{ status: 400 }, json(body, 'text/plain')],
			form: [
				{ status: 400 },
				json(`data=${enc(JSON.stringify(body.data))}`, 'application/x-www-form-urlencoded'),
			],
			'data array': [{ status: 400 }, json({ ...body, data: [body.data] })],
		};
		const [expected, wire] = made[kind];
		const query = kind === 'wrong token' ? `?token=${enc(TOKEN)}%20` : tokenQuery(false);
		jobs.push({
			task,
			copy: false,
			expected,
			wire: { ...wire, query, startMs: noise.startMs },
		});
	}
	const order = jobs
		.map((job, i) => ({ job, key: batch.order[i % batch.order.length] + i * 1e-9 }))
		.sort((a, b) => a.key - b.key)
		.map(({ job }) => job);
	return { order, tokenQuery };
}

// ---------------------------------------------------------------------------------------------
// Tokens

export const MUTATIONS: Array<[string, (token: string) => Omit<Place, 'name' | 'ok'>]> = [
	['exact', (t) => ({ query: `?token=${enc(t)}` })],
	['exact, every byte percent-encoded', (t) => ({ query: `?token=${percentAll(t)}` })],
	['unencoded', (t) => ({ query: `?token=${t.replace(/[^\x21-\x7e]|#/gu, (c) => enc(c))}` })],
	['upper case', (t) => ({ query: `?token=${enc(t.toUpperCase())}` })],
	['lower case', (t) => ({ query: `?token=${enc(t.toLowerCase())}` })],
	['flipped case', (t) => ({ query: `?token=${enc(flipCase(t))}` })],
	['NFD', (t) => ({ query: `?token=${enc(t.normalize('NFD'))}` })],
	['NFKC', (t) => ({ query: `?token=${enc(t.normalize('NFKC'))}` })],
	['leading space', (t) => ({ query: `?token=%20${enc(t)}` })],
	['trailing +', (t) => ({ query: `?token=${enc(t)}+` })],
	['trailing tab', (t) => ({ query: `?token=${enc(t)}%09` })],
	['last code point dropped', (t) => ({ query: `?token=${enc([...t].slice(0, -1).join(''))}` })],
	['one more character', (t) => ({ query: `?token=${enc(t)}0` })],
	['prefixed', (t) => ({ query: `?token=0${enc(t)}` })],
	[
		'in a header',
		(t) => ({ query: '', headers: { 'x-apixo-token': /^[\x20-\x7e]+$/.test(t) ? t : enc(t) } }),
	],
	['as Bearer', (t) => ({ query: '', headers: { authorization: `Bearer ${enc(t)}` } })],
	['other name', (t) => ({ query: `?Token=${enc(t)}` })],
	['right then wrong', (t) => ({ query: `?token=${enc(t)}&token=${enc(`${t}0`)}` })],
	['empty', () => ({ query: '?token=' })],
];

export const tokenArb = fc
	.tuple(
		fc.string({ unit: 'grapheme', maxLength: 10 }),
		fc.string({ unit: 'grapheme', maxLength: 10 }),
	)
	.map(([a, b]) => `${a}SECRET${b}`)
	// A parameter starting with "=" is an n8n expression, not a literal token.
	.filter((t) => !t.startsWith('='));

// ---------------------------------------------------------------------------------------------
// Odd task IDs and states

export const oddDeliveryArb = fc.oneof(
	{
		weight: 2,
		arbitrary: fc.record({ odd: fc.constant(true), taskId: oddTaskIdArb, state: finalStateArb }),
	},
	{
		weight: 2,
		arbitrary: fc.record({ odd: fc.constant(true), taskId: fc.uuid(), state: oversizeStateArb }),
	},
	{
		weight: 1,
		arbitrary: fc.record({ odd: fc.constant(false), taskId: fc.uuid(), state: finalStateArb }),
	},
);

// ---------------------------------------------------------------------------------------------
// Sizes

export const MB = 1024 * 1024;
const many = Array.from({ length: 25_000 }, (_, i) => `https://files.example.com/v/${i}.mp4`);
const longMessage = 'échec → 😀 '.repeat(Math.ceil((1.5 * MB) / 16));
const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const pattern = Buffer.alloc(2 * MB);
for (let i = 0; i < pattern.length; i++) pattern[i] = (i * 131 + 7) % 256;
type Big = {
	name: string;
	bytes: Buffer;
	contentType?: string;
	token?: string;
	pieces?: number;
	expect: { status: number[]; runs: number; check?: (item: IDataObject) => void };
};
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
export const bigs: Big[] = [
	{
		name: 'success with 25 000 result URLs',
		bytes: json(envelope({ taskId: 'big-urls', state: 'success', urls: many })),
		expect: {
			status: [200],
			runs: 1,
			check: (item) => {
				expect(item.resultUrls).toEqual(many);
				expect(item.videoUrl).toBe(many[0]);
			},
		},
	},
	{
		name: 'failed with a 1.5 MB multi-byte failMsg',
		bytes: json(envelope({ taskId: 'big-msg', state: 'failed', failMsg: longMessage })),
		expect: { status: [200], runs: 1, check: (item) => expect(item.failMsg).toBe(longMessage) },
	},
	{
		name: 'success with a 2 MB unknown field, chunked in 64 pieces',
		bytes: json(
			envelope({
				taskId: 'big-extra',
				state: 'success',
				urls: ['https://a.example/x.mp4'],
				dataExtra: { blob: 'b'.repeat(2 * MB) },
			}),
		),
		pieces: 64,
		expect: { status: [200], runs: 1 },
	},
	{
		name: 'valid delivery inside 1 MB of JSON whitespace',
		bytes: Buffer.from(
			' \n\t'.repeat(MB / 6) +
				JSON.stringify(envelope({ taskId: 'big-ws', state: 'failed' })) +
				'\r\n '.repeat(MB / 6),
		),
		expect: { status: [200], runs: 1 },
	},
	{
		name: 'valid delivery with 1 MB of nested arrays in an unknown field',
		bytes: Buffer.from(
			JSON.stringify(
				envelope({ taskId: 'big-deep', state: 'failed', dataExtra: { deep: 0 } }),
			).replace('"deep":0', `"deep":${deep(MB / 2)}`),
		),
		expect: { status: [200], runs: 1 },
	},
	{
		name: '1 MB of nested arrays as the body',
		bytes: Buffer.from(deep(MB / 2)),
		expect: { status: [400, 422], runs: 0 },
	},
	{
		name: '2 MB of binary as application/json',
		bytes: pattern,
		expect: { status: [422], runs: 0 },
	},
	{
		name: '2 MB valid JSON sent as text/plain',
		bytes: json(envelope({ taskId: 'big-plain', state: 'failed', failMsg: 'x'.repeat(2 * MB) })),
		contentType: 'text/plain',
		expect: { status: [400], runs: 0 },
	},
	{
		name: '1 MB form body',
		bytes: Buffer.from(
			`data=${enc(JSON.stringify(envelope({ taskId: 'big-form', state: 'failed', failMsg: 'f'.repeat(MB) })))}`,
		),
		contentType: 'application/x-www-form-urlencoded',
		expect: { status: [400], runs: 0 },
	},
	{
		name: '1 MB state (beyond 32 characters)',
		bytes: json(envelope({ taskId: 'big-state', state: `processing${'.'.repeat(MB)}` })),
		expect: { status: [400], runs: 0 },
	},
	{
		name: '1 MB taskId (beyond 128 characters)',
		bytes: json(envelope({ taskId: 'i'.repeat(MB), state: 'failed' })),
		expect: { status: [400], runs: 0 },
	},
	{
		name: '2 MB valid delivery with a wrong token',
		bytes: json(envelope({ taskId: 'big-token', state: 'failed', failMsg: 'w'.repeat(2 * MB) })),
		token: 'nope',
		expect: { status: [401], runs: 0 },
	},
];
export const EMPTY_TYPES = [
	undefined,
	'application/json',
	'application/json; charset=utf-8',
	'text/plain',
	'application/x-www-form-urlencoded',
	`multipart/form-data; boundary=${BOUNDARY}`,
	'application/octet-stream',
	'',
];
