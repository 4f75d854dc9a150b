import {
	callbackPayloadSchema,
	estimateCost,
	fromMicros,
	toMicros,
	isLoopbackUrl,
	parseResultJson,
	PRICE_PER_SECOND,
	showValue,
	referenceDurationIssues,
	validateSubmitBody,
	type SubmitInput,
} from '../../nodes/apixo/contract';
import { clientVerdict, judge, VALIDATION_TABLE } from '../fixtures/validation-table';

/** A submit body's refusals as "path message" lines, or "accepted". */
const refusal = (input: object, body: object = {}, allowLoopbackHttpCallback = false) => {
	const checked = validateSubmitBody(
		{ ...body, input: { mode: 'text-to-video', prompt: 'x', ...input } },
		{ allowLoopbackHttpCallback },
	);
	return checked.ok ? 'accepted' : checked.issues.map((i) => `${i.path} ${i.message}`).join('; ');
};
const callback = (callback_url: unknown) => ({ request_type: 'callback', callback_url });

// The same table runs against the simulator in test/integration/simulator.test.ts: the contract
// and the simulator are two independent readings of the API page.
describe('client schema follows the validation table', () => {
	it.each(VALIDATION_TABLE.map((row) => [row.rule, row] as const))('%s', (_rule, row) => {
		expect(judge(row, 'client', clientVerdict(row.body))).toEqual([]);
	});

	it('accepts plain-http loopback callbacks only when asked to (simulator mode)', () => {
		const body = {
			request_type: 'callback',
			callback_url: 'http://127.0.0.1:5678/webhook/apixo',
			input: { mode: 'text-to-video', prompt: 'x' },
		};
		expect(validateSubmitBody(body).ok).toBe(false);
		expect(validateSubmitBody(body, { allowLoopbackHttpCallback: true }).ok).toBe(true);
		const remote = { ...body, callback_url: 'http://10.0.0.8/hook' };
		expect(validateSubmitBody(remote, { allowLoopbackHttpCallback: true }).ok).toBe(false);
	});

	it('says what a callback URL must be, in either mode', () => {
		expect(refusal({}, callback('http://example.com/hook'), false)).toBe(
			'callback_url must be a public https URL (got "http://example.com/hook")',
		);
		expect(refusal({}, callback('http://example.com/hook'), true)).toBe(
			'callback_url must be a public https URL (plain http only for localhost/127.0.0.1) (got "http://example.com/hook")',
		);
		// Loopback is allowed for plain http only, not for any scheme.
		expect(refusal({}, callback('ftp://127.0.0.1/hook'), true)).toBe(
			'callback_url must be a public https URL (plain http only for localhost/127.0.0.1) (got "ftp://127.0.0.1/hook")',
		);
		expect(refusal({}, callback('https://example.com/hook'), false)).toBe('accepted');
	});

	it('a callback URL pasted with spaces around it is sent trimmed', () => {
		const checked = validateSubmitBody({
			...callback('  https://example.com/hook \n'),
			input: { mode: 'text-to-video', prompt: 'x' },
		});
		expect(checked.ok && checked.body.callback_url).toBe('https://example.com/hook');
	});

	// Number() alone would read hex, exponents and booleans as numbers.
	it.each([['0x5'], ['1e1'], [true], ['5s']])('refuses duration %p', (duration) => {
		const checked = validateSubmitBody({ input: { mode: 'text-to-video', prompt: 'x', duration } });
		expect(checked.ok ? [] : checked.issues.map((i) => i.path)).toEqual(['input.duration']);
	});
});

describe('each refusal says what is allowed and what was seen, word for word', () => {
	const omni = (urls: object) => ({
		mode: 'omni_reference',
		image_urls: ['https://a.example/a.png'],
		...urls,
	});
	const loopbackOnly = '(plain http only for localhost/127.0.0.1)';
	it.each([
		[{ prompt: 5 }, {}, false, 'input.prompt must be a non-empty text (got 5)'],
		[
			{ mode: 'omni_reference', image_urls: 'x' },
			{},
			false,
			'input.image_urls must be a list of 1 to 9 image URLs (got "x")',
		],
		[
			omni({ video_urls: 'x' }),
			{},
			false,
			'input.video_urls must be a list of 1 to 3 video URLs (got "x")',
		],
		[
			omni({ audio_urls: 'x' }),
			{},
			false,
			'input.audio_urls must be a list of 1 to 3 audio URLs (got "x")',
		],
		[
			{ mode: 'first_and_last_frames', image_urls: 'x' },
			{},
			false,
			'input.image_urls must be a list of 1 to 2 image (first frame, then optional last frame) URLs (got "x")',
		],
		[
			{},
			{ request_type: 'sync' },
			false,
			'request_type must be one of "async", "callback" (got "sync")',
		],
		[{}, callback(5), false, 'callback_url must be an https URL (got 5)'],
		[{}, { provider: 'x' }, false, 'provider must be one of "auto", "value", "official" (got "x")'],
		// An http(s) URL from its first character to its last, with no space inside.
		[
			omni({ image_urls: ['ftp://cdn.example/a.png?u=https://x.example'] }),
			{},
			false,
			'input.image_urls.0 must be a public http(s) URL (got "ftp://cdn.example/a.png?u=https://x.example")',
		],
		[
			omni({ image_urls: ['https://cdn.example/a b.png'] }),
			{},
			false,
			'input.image_urls.0 must be a public http(s) URL (got "https://cdn.example/a b.png")',
		],
		// Loopback means the host itself, not a name that contains it.
		[
			{},
			callback('http://notlocalhost/hook'),
			true,
			`callback_url must be a public https URL ${loopbackOnly} (got "http://notlocalhost/hook")`,
		],
		[
			{},
			callback('http://localhost.example.com/hook'),
			true,
			`callback_url must be a public https URL ${loopbackOnly} (got "http://localhost.example.com/hook")`,
		],
		[{}, callback('http://127.0.0.10:5678/hook'), true, 'accepted'],
	])('%p %p', (input, body, loopback, said) => {
		expect(refusal(input, body, loopback)).toBe(said);
	});

	it('a callback task id outside letters, digits, "_", "." and "-"', () => {
		const parsed = callbackPayloadSchema.safeParse({ data: { taskId: 'a b', state: 'success' } });
		expect(parsed.error?.issues.map((i) => i.message)).toEqual([
			'must hold only letters, digits, "_", "." or "-"',
		]);
	});

	it('a loopback check on something that is not a URL says no', () => {
		expect(isLoopbackUrl('not a url')).toBe(false);
	});
});

describe('refusals outside input, word for word', () => {
	const t2v = { mode: 'text-to-video', prompt: 'x' };
	it.each<[string, unknown, string, string]>([
		[
			'request_type',
			{ request_type: 'sync', input: t2v },
			'request_type',
			'must be one of "async", "callback" (got "sync")',
		],
		[
			'callback_url not text',
			{ request_type: 'callback', callback_url: 42, input: t2v },
			'callback_url',
			'must be an https URL (got 42)',
		],
		[
			'provider',
			{ provider: 'cheap', input: t2v },
			'provider',
			'must be one of "auto", "value", "official" (got "cheap")',
		],
		[
			'a body that is text',
			'not an object',
			'body',
			'must be a JSON object with "input" (got "not an object")',
		],
		['a body that is a list', [1], 'body', 'must be a JSON object with "input" (got [1])'],
	])('%s', (_, body, path, message) => {
		expect(validateSubmitBody(body)).toEqual({ ok: false, issues: [{ path, message }] });
	});
});

describe('showValue: how a refused value is shown', () => {
	it.each([
		[undefined, 'nothing'],
		['a'.repeat(80), JSON.stringify('a'.repeat(80))],
		['a'.repeat(81), JSON.stringify(`${'a'.repeat(77)}...`)],
		[NaN, 'NaN'],
		[-Infinity, '-Infinity'],
		[true, 'true'],
		[null, 'null'],
		[[1, 2], '[1,2]'],
		[{ k: 'v'.repeat(72) }, JSON.stringify({ k: 'v'.repeat(72) })],
		[{ k: 'v'.repeat(73) }, `${JSON.stringify({ k: 'v'.repeat(73) }).slice(0, 77)}...`],
		[10n, 'bigint'],
	])('%p', (value, shown) => {
		expect(showValue(value)).toBe(shown);
	});
});

describe('price table and cost', () => {
	const input = (over: Partial<SubmitInput>) =>
		({
			mode: 'text-to-video',
			prompt: 'x',
			resolution: '720p',
			duration: 10,
			aspect_ratio: 'auto',
			sound: true,
			web_search: false,
			...over,
		}) as SubmitInput;

	it('matches the API page', () => {
		expect(PRICE_PER_SECOND).toEqual({
			'480p': { withoutVideoReference: 0.0475, withVideoReference: 0.03 },
			'720p': { withoutVideoReference: 0.1025, withVideoReference: 0.0625 },
		});
	});

	it('bills output seconds without video references', () => {
		expect(estimateCost(input({})).usd).toBe(1.025);
		expect(estimateCost(input({ resolution: '480p', duration: 4 })).usd).toBe(0.19);
		const frames = input({
			mode: 'first_and_last_frames',
			image_urls: ['https://a/b.png'],
		} as never);
		expect(estimateCost(frames)).toMatchObject({
			usd: 1.025,
			withVideoReference: false,
			exact: true,
		});
		const omniImages = input({ mode: 'omni_reference', image_urls: ['https://a/b.png'] } as never);
		expect(estimateCost(omniImages).ratePerSecond).toBe(0.1025);
	});

	it('bills (output + reference video seconds) × the with-video rate', () => {
		const omni = input({ mode: 'omni_reference', video_urls: ['https://a/v.mp4'] } as never);
		expect(estimateCost(omni, 6)).toMatchObject({
			usd: 1,
			billedSeconds: 16,
			withVideoReference: true,
			exact: true,
		});
		// Lengths unknown: the page's maximum of 15 s of reference video, an upper bound.
		expect(estimateCost(omni)).toMatchObject({ usd: 1.5625, billedSeconds: 25, exact: false });
		const low = input({
			mode: 'omni_reference',
			resolution: '480p',
			duration: 5,
			video_urls: ['https://a/v.mp4'],
		} as never);
		expect(estimateCost(low, 3).usd).toBe(0.24);
		expect(estimateCost(low, 7.5)).toMatchObject({ usd: 0.375, micros: 375_000 });
	});

	it('prices in whole micro-dollars: sums compare with limits exactly', () => {
		const item = estimateCost(input({ resolution: '480p', duration: 4 }));
		expect(item.micros).toBe(190_000);
		// In floats 0.19 × 3 is 0.5700000000000001, above a $0.57 budget.
		expect(item.micros * 3).toBe(toMicros(0.57));
		expect(toMicros(0.1 + 0.2)).toBe(300_000);
		expect(fromMicros(570_000)).toBe(0.57);
	});
});

describe('resultJson is a JSON string', () => {
	it('parses resultUrls', () => {
		expect(parseResultJson('{"resultUrls":["https://f/v.mp4"]}')).toEqual({
			ok: true,
			resultUrls: ['https://f/v.mp4'],
		});
	});
	it.each([
		['missing', undefined, 'missing'],
		['null', null, 'resultJson is missing'],
		['empty', '', 'resultJson is missing'],
		['not JSON', 'not json', 'not valid JSON'],
		['no resultUrls', '{"urls":[]}', 'resultUrls'],
		['resultUrls not strings', '{"resultUrls":[1]}', 'resultUrls'],
	])('rejects %s', (_name, value, words) => {
		const parsed = parseResultJson(value);
		expect(parsed.ok).toBe(false);
		if (!parsed.ok) expect(parsed.message).toContain(words);
	});
});

describe('reference media durations', () => {
	const omni = (video: string[], audio: string[] = []) =>
		({
			mode: 'omni_reference',
			prompt: 'x',
			resolution: '720p',
			duration: 5,
			aspect_ratio: 'auto',
			sound: true,
			web_search: false,
			video_urls: video,
			audio_urls: audio,
		}) as SubmitInput;
	const lengths: Record<string, number> = { a: 2, b: 15, c: 1, d: 9, e: 7 };

	it('accepts files of 2–15 s within 15 s per type, and unknown lengths', () => {
		expect(referenceDurationIssues(omni(['a'], ['b']), (u) => lengths[u])).toEqual([]);
		expect(referenceDurationIssues(omni(['unknown', 'b']), (u) => lengths[u])).toEqual([]);
	});

	it('names each file out of range and each type over the total', () => {
		expect(referenceDurationIssues(omni(['c', 'd', 'e'], ['d', 'e']), (u) => lengths[u])).toEqual([
			{ path: 'input.video_urls.0', message: 'must be a video file of 2 to 15 seconds (got 1 s)' },
			{ path: 'input.video_urls', message: 'must total at most 15 seconds of video (got 17 s)' },
			{ path: 'input.audio_urls', message: 'must total at most 15 seconds of audio (got 16 s)' },
		]);
	});
});
