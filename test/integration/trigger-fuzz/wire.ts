/**
 * The callback fuzz's request generators: how a body travels to the trigger — its encoding,
 * content type and framing (JSON, form, multipart, chunked), and where the token goes (the
 * query, other names, headers, cookie, the body) — and `wireOf`, which turns a generated
 * request into the bytes and headers the client sends.
 */
import { gzipSync } from 'node:zlib';

import fc from 'fast-check';

import type { Wire } from './client';
import { layoutArb, payloadArb, render } from './bodies';
import type { Settings } from './oracle';

/** The trigger's token in the fuzz (its "SECRET" must never appear in an answer). */
export const TOKEN = 'cb-SECRET-tok-4f1d';

// Encodings, content types and framings.
const BAD_UTF8 = [
	[0xff],
	[0xc3, 0x28],
	[0xe2, 0x82],
	[0xf0, 0x9f, 0x98],
	[0xed, 0xa0, 0x80],
	[0xc0, 0xaf],
];
type Encoding =
	| { kind: 'utf8' | 'bom' | 'latin1' | 'utf16le' | 'gzip-declared' | 'gzip' }
	| { kind: 'invalid-utf8'; at: Array<[number, number]> }
	| { kind: 'cut'; at: number };
const encodingArb: fc.Arbitrary<Encoding> = fc.oneof(
	{ weight: 24, arbitrary: fc.constant({ kind: 'utf8' as const }) },
	{
		weight: 5,
		arbitrary: fc.constantFrom(
			...(['bom', 'latin1', 'utf16le', 'gzip-declared', 'gzip'] as const).map((kind) => ({ kind })),
		),
	},
	{
		weight: 2,
		arbitrary: fc
			.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(BAD_UTF8.length - 1)), {
				minLength: 1,
				maxLength: 3,
			})
			.map((at) => ({ kind: 'invalid-utf8' as const, at })),
	},
	{
		weight: 1,
		arbitrary: fc
			.double({ min: 0, max: 1, noNaN: true })
			.map((at) => ({ kind: 'cut' as const, at })),
	},
);

function encode(
	text: string,
	encoding: Encoding,
): { bytes: Buffer; headers: Record<string, string> } {
	const utf8 = Buffer.from(text, 'utf8');
	switch (encoding.kind) {
		case 'utf8':
			return { bytes: utf8, headers: {} };
		case 'bom':
			return { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]), headers: {} };
		case 'latin1':
		case 'utf16le':
			return { bytes: Buffer.from(text, encoding.kind), headers: {} };
		case 'gzip-declared':
			return { bytes: utf8, headers: { 'content-encoding': 'gzip' } };
		case 'gzip':
			return { bytes: gzipSync(utf8), headers: { 'content-encoding': 'gzip' } };
		case 'cut':
			return { bytes: utf8.subarray(0, Math.floor(utf8.length * encoding.at)), headers: {} };
		case 'invalid-utf8': {
			let bytes = utf8;
			for (const [where, which] of encoding.at) {
				const at = Math.floor(bytes.length * where);
				bytes = Buffer.concat([
					bytes.subarray(0, at),
					Buffer.from(BAD_UTF8[which]),
					bytes.subarray(at),
				]);
			}
			return { bytes, headers: {} };
		}
	}
}

export const BOUNDARY = 'fuzzBoundary7MA4YWxk';
const contentTypeArb = fc.oneof(
	{
		weight: 20,
		arbitrary: fc.constantFrom(
			'application/json',
			'application/json; charset=utf-8',
			'application/json;charset=UTF-8',
		),
	},
	{
		weight: 6,
		arbitrary: fc.constantFrom(
			'application/json; charset=iso-8859-1',
			'application/json; charset=utf-16',
			'application/vnd.apixo+json',
			'text/json',
			'APPLICATION/JSON',
			'text/plain',
			'text/plain; charset=utf-8',
			'application/x-www-form-urlencoded',
			`multipart/form-data; boundary=${BOUNDARY}`,
			'application/octet-stream',
			'text/html',
			'*/*',
			'',
		),
	},
	{ weight: 2, arbitrary: fc.constant(undefined) },
);

/** Form and multipart content types get a real form body (the JSON as a field) when asked. */
function frame(text: string, contentType: string | undefined, asForm: boolean): string {
	if (!asForm || !contentType) return text;
	if (contentType.startsWith('application/x-www-form-urlencoded'))
		return `code=200&data=${encodeURIComponent(text)}`;
	if (contentType.startsWith('multipart/form-data'))
		return [
			`--${BOUNDARY}`,
			'Content-Disposition: form-data; name="payload"; filename="callback.json"',
			'Content-Type: application/json',
			'',
			text,
			`--${BOUNDARY}--`,
			'',
		].join('\r\n');
	return text;
}

// Where the token travels. `ok`: whether the node is handed exactly TOKEN as ?token=
// ('either': n8n's query parser and the harness's differ on repeated keys; the answer decides).
export interface Place {
	name: string;
	query: string;
	headers?: Record<string, string>;
	inBody?: boolean;
	ok: boolean | 'either';
}
export const enc = encodeURIComponent;
export const percentAll = (value: string) =>
	[...Buffer.from(value, 'utf8')]
		.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
		.join('');
export const flipCase = (value: string) =>
	value.replace(/[a-z]/gi, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
export const PLACES: Place[] = [
	{ name: 'right', query: `?token=${TOKEN}`, ok: true },
	{ name: 'right among others', query: `?a=1&token=${enc(TOKEN)}&b=%26`, ok: true },
	{ name: 'right, fully percent-encoded', query: `?token=${percentAll(TOKEN)}`, ok: true },
	{ name: 'percent-encoded name', query: `?%74oken=${TOKEN}`, ok: true },
	{ name: 'none', query: '', ok: false },
	{ name: 'empty', query: '?token=', ok: false },
	{ name: 'bare name', query: '?token', ok: false },
	{ name: 'flipped case', query: `?token=${flipCase(TOKEN)}`, ok: false },
	{ name: 'upper case', query: `?token=${TOKEN.toUpperCase()}`, ok: false },
	{ name: 'lower case', query: `?token=${TOKEN.toLowerCase()}`, ok: false },
	{ name: 'leading space', query: `?token=%20${TOKEN}`, ok: false },
	{ name: 'trailing +', query: `?token=${TOKEN}+`, ok: false },
	{ name: 'leading tab', query: `?token=%09${TOKEN}`, ok: false },
	{ name: 'trailing newline', query: `?token=${TOKEN}%0A`, ok: false },
	{ name: 'trailing NUL', query: `?token=${TOKEN}%00`, ok: false },
	{ name: 'prefix', query: `?token=x${TOKEN}`, ok: false },
	{ name: 'suffix', query: `?token=${TOKEN}x`, ok: false },
	{ name: 'Bearer prefix', query: `?token=Bearer%20${TOKEN}`, ok: false },
	{ name: 'quoted', query: `?token="${TOKEN}"`, ok: false },
	{ name: 'truncated', query: `?token=${TOKEN.slice(0, -1)}`, ok: false },
	{ name: 'twice', query: `?token=${TOKEN}${TOKEN}`, ok: false },
	{ name: 'name Token', query: `?Token=${TOKEN}`, ok: false },
	{ name: 'name TOKEN', query: `?TOKEN=${TOKEN}`, ok: false },
	{ name: 'name token[]', query: `?token[]=${TOKEN}`, ok: false },
	{ name: 'name access_token', query: `?access_token=${TOKEN}`, ok: false },
	{ name: 'semicolon separator', query: `?a=1;token=${TOKEN}`, ok: false },
	{ name: 'right then wrong', query: `?token=${TOKEN}&token=nope`, ok: false },
	{ name: 'in the path', query: `/${TOKEN}`, ok: false },
	{
		name: 'Authorization header',
		query: '',
		headers: { authorization: `Bearer ${TOKEN}` },
		ok: false,
	},
	{ name: 'x-apixo-token header', query: '', headers: { 'x-apixo-token': TOKEN }, ok: false },
	{ name: 'token header', query: '', headers: { token: TOKEN }, ok: false },
	{ name: 'cookie', query: '', headers: { cookie: `token=${TOKEN}` }, ok: false },
	{ name: 'in the body', query: '', inBody: true, ok: false },
	{ name: 'wrong then right', query: `?token=nope&token=${TOKEN}`, ok: 'either' },
	{ name: 'right twice', query: `?token=${TOKEN}&token=${TOKEN}`, ok: 'either' },
];
const placeArb: fc.Arbitrary<Place> = fc.oneof(
	{ weight: 6, arbitrary: fc.constantFrom(...PLACES.filter((p) => p.ok === true)) },
	{ weight: 3, arbitrary: fc.constantFrom(...PLACES.filter((p) => p.ok !== true)) },
	{
		weight: 1,
		arbitrary: fc
			.string({ unit: 'grapheme', maxLength: 20 })
			.map((s) => ({ name: 'random', query: `?token=${enc(s)}`, ok: s === TOKEN })),
	},
);

export const requestArb = fc.record({
	payload: payloadArb,
	layout: layoutArb,
	place: placeArb,
	contentType: contentTypeArb,
	asForm: fc.boolean(),
	encoding: encodingArb,
	pieces: fc.oneof(
		{ weight: 4, arbitrary: fc.constant(1) },
		{ weight: 1, arbitrary: fc.integer({ min: 2, max: 5 }) },
	),
});
export type FuzzRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

export function wireOf(
	request: FuzzRequest,
	settings: Settings,
): { wire: Wire; contentType?: string } {
	// The token goes into a body only for a server that has one (with no token set the body would
	// be a plain valid delivery, and raw output carrying a secret would trip the secrets sweep).
	const extra = request.place.inBody && settings.token ? { token: TOKEN } : {};
	const text = frame(
		render(request.payload, request.layout, extra),
		request.contentType,
		request.asForm,
	);
	const { bytes, headers } = encode(text, request.encoding);
	if (request.contentType !== undefined) headers['content-type'] = request.contentType;
	return {
		wire: {
			query: request.place.query,
			headers: { ...headers, ...request.place.headers },
			bytes,
			pieces: request.pieces,
		},
		contentType: request.contentType,
	};
}
