/**
 * The simulator's own reading of the Seedance 2.0 Mini API page (its parameter list, "Validation
 * notes" and "Billing" tables), written from the page and not from the package's contract: the
 * shared case table (test/fixtures/validation-table.ts) runs against both, so a misreading in
 * either shows up as a disagreement instead of being shared.
 *
 * Where the page is silent the simulator behaves like a backend that ignores what it does not
 * use: media arrays a mode has no use for, unknown fields and a callback_url without callback
 * mode are accepted and dropped; URL strings are not checked beyond being non-empty.
 * A refusal names one problem, the first found, as APIXO's `data.error` does
 * ("Missing required field: input.prompt").
 */

export const MODEL_ID = 'seedance-2-0-mini';
export const ENDPOINTS = {
	submit: `/generateTask/${MODEL_ID}`,
	status: `/statusTask/${MODEL_ID}`,
	balance: '/apikeys/current-balance',
} as const;

export const MODES = ['text-to-video', 'first_and_last_frames', 'omni_reference'] as const;
export const RESOLUTIONS = ['480p', '720p'] as const;
export const ASPECT_RATIOS = ['auto', '16:9', '4:3', '1:1', '3:4', '9:16', '21:9'] as const;
export const REQUEST_TYPES = ['async', 'callback'] as const;
/** facts.md: the route strategy; leaving it out means auto. */
export const PROVIDERS = ['auto', 'value', 'official'] as const;

export type Mode = (typeof MODES)[number];
export type Resolution = (typeof RESOLUTIONS)[number];

export interface SimInput {
	mode: Mode;
	prompt: string;
	resolution: Resolution;
	duration: number;
	aspect_ratio: string;
	sound: boolean;
	web_search: boolean;
	image_urls?: string[];
	video_urls?: string[];
	audio_urls?: string[];
}

/** A submit body as the simulator stores it: defaults filled in, ignored fields dropped. */
export interface SimSubmitBody {
	request_type: 'async' | 'callback';
	callback_url?: string;
	provider?: string;
	input: SimInput;
}

export type Checked = { ok: true; body: SimSubmitBody } | { ok: false; error: string };

/** The billing table, $ per output second. */
export const PRICE_PER_SECOND: Record<Resolution, { withoutVideo: number; withVideo: number }> = {
	'480p': { withoutVideo: 0.0475, withVideo: 0.03 },
	'720p': { withoutVideo: 0.1025, withVideo: 0.0625 },
};

/** Reference video/audio: each file 2–15 s, at most 15 s in total per media type. */
export const REFERENCE_SECONDS = { min: 2, max: 15, total: 15 } as const;

/** Which media arrays a mode reads, and how many items each may hold when given. */
const MEDIA: Record<Mode, Partial<Record<MediaField, { min: number; max: number }>>> = {
	'text-to-video': {},
	first_and_last_frames: { image_urls: { min: 1, max: 2 } },
	omni_reference: {
		image_urls: { min: 1, max: 9 },
		video_urls: { min: 1, max: 3 },
		audio_urls: { min: 1, max: 3 },
	},
};
type MediaField = 'image_urls' | 'video_urls' | 'audio_urls';

class Refusal extends Error {}
const missing = (path: string) => new Refusal(`Missing required field: ${path}`);
const invalid = (path: string, rule: string, value: unknown) =>
	new Refusal(`Invalid field ${path}: ${rule} (got ${show(value)})`);

function show(value: unknown): string {
	if (value === undefined) return 'nothing';
	const text = JSON.stringify(value) ?? String(value);
	return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);
/**
 * Only a field left out takes its default: `null` is a value, and not a valid one ("must be a
 * boolean when provided"). A required field sent as null is reported missing.
 */
const absent = (value: unknown) => value === undefined;
const required = (value: unknown) => value === undefined || value === null;
const oneOf = (values: readonly string[]) => `must be one of ${values.join(', ')}`;

/** Validate and normalize a parsed JSON submit body. */
export function checkSubmitBody(body: unknown): Checked {
	try {
		return { ok: true, body: normalize(body) };
	} catch (error) {
		if (error instanceof Refusal) return { ok: false, error: error.message };
		throw error;
	}
}

function normalize(body: unknown): SimSubmitBody {
	if (!isObject(body)) throw invalid('body', 'must be a JSON object', body);

	const requestType = absent(body.request_type) ? 'async' : body.request_type;
	if (requestType !== 'async' && requestType !== 'callback')
		throw invalid('request_type', oneOf(REQUEST_TYPES), body.request_type);
	const top: Omit<SimSubmitBody, 'input'> = { request_type: requestType };
	if (requestType === 'callback') top.callback_url = callbackUrl(body.callback_url);
	if (!absent(body.provider)) {
		if (!PROVIDERS.includes(body.provider as never))
			throw invalid('provider', oneOf(PROVIDERS), body.provider);
		top.provider = body.provider as string;
	}

	const raw = body.input;
	if (required(raw)) throw missing('input');
	if (!isObject(raw)) throw invalid('input', 'must be an object', raw);

	if (required(raw.mode)) throw missing('input.mode');
	if (!MODES.includes(raw.mode as never)) throw invalid('input.mode', oneOf(MODES), raw.mode);
	const mode = raw.mode as Mode;

	if (required(raw.prompt)) throw missing('input.prompt');
	if (typeof raw.prompt !== 'string') throw invalid('input.prompt', 'must be a string', raw.prompt);
	const prompt = raw.prompt.trim();
	if (!prompt) throw invalid('input.prompt', 'must not be empty', raw.prompt);

	const input: SimInput = {
		mode,
		prompt,
		resolution: resolution(raw.resolution),
		duration: duration(raw.duration),
		aspect_ratio: aspectRatio(raw.aspect_ratio),
		sound: flag('input.sound', raw.sound, true),
		web_search: flag('input.web_search', raw.web_search, false),
	};

	const rules = MEDIA[mode];
	for (const field of ['image_urls', 'video_urls', 'audio_urls'] as const) {
		const limits = rules[field];
		// A mode with no use for an array ignores it (page silent; see the file comment).
		if (!limits) continue;
		const value = raw[field];
		if (absent(value)) {
			if (mode === 'first_and_last_frames' && field === 'image_urls')
				throw missing(`input.${field}`);
			continue;
		}
		input[field] = urlList(`input.${field}`, value, limits);
	}
	if (mode === 'omni_reference' && input.audio_urls && !input.image_urls && !input.video_urls) {
		throw invalid(
			'input.audio_urls',
			'audio references need at least one image or video reference as well',
			input.audio_urls,
		);
	}
	return { ...top, input };
}

function resolution(value: unknown): Resolution {
	if (absent(value)) return '720p';
	const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
	if (!RESOLUTIONS.includes(text as never))
		throw invalid('input.resolution', oneOf(RESOLUTIONS), value);
	return text as Resolution;
}

function duration(value: unknown): number {
	if (absent(value)) return 5;
	const seconds =
		typeof value === 'number'
			? value
			: typeof value === 'string' && /^\d+$/.test(value.trim())
				? Number(value.trim())
				: NaN;
	if (!Number.isInteger(seconds) || seconds < 4 || seconds > 15)
		throw invalid('input.duration', 'must be a whole number of seconds from 4 through 15', value);
	return seconds;
}

function aspectRatio(value: unknown): string {
	if (absent(value)) return 'auto';
	if (!ASPECT_RATIOS.includes(value as never))
		throw invalid('input.aspect_ratio', oneOf(ASPECT_RATIOS), value);
	return value as string;
}

function flag(path: string, value: unknown, fallback: boolean): boolean {
	if (absent(value)) return fallback;
	if (typeof value !== 'boolean') throw invalid(path, 'must be a boolean (true or false)', value);
	return value;
}

/** Strings, or objects with a non-empty `url`, normalized to strings. */
function urlList(path: string, value: unknown, limits: { min: number; max: number }): string[] {
	if (!Array.isArray(value)) throw invalid(path, 'must be an array of URLs', value);
	if (value.length > limits.max)
		throw new Refusal(
			`Invalid field ${path}: must hold at most ${limits.max} URLs (got ${value.length})`,
		);
	if (value.length < limits.min)
		throw new Refusal(
			`Invalid field ${path}: must hold at least ${limits.min} URL (got ${value.length})`,
		);
	return value.map((item, index) => {
		const url = isObject(item) ? item.url : item;
		if (typeof url !== 'string' || url.trim() === '')
			throw invalid(
				`${path}.${index}`,
				'must be a URL string or an object with a non-empty url',
				item,
			);
		return url;
	});
}

/**
 * Required for callback mode; the page asks for a public HTTPS URL. Plain http is allowed for
 * loopback hosts only, so that local tests can receive callbacks (facts.md) — never a public one.
 */
function callbackUrl(value: unknown): string {
	if (required(value) || value === '') throw missing('callback_url');
	let url: URL | undefined;
	try {
		url = typeof value === 'string' ? new URL(value) : undefined;
	} catch {
		url = undefined;
	}
	const loopback = url && /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i.test(url.hostname);
	if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)))
		throw invalid('callback_url', 'must be a public https URL', value);
	return value as string;
}

/**
 * The page's duration rules for omni_reference video/audio: each file 2–15 s, at most 15 s in
 * total per type. `secondsOf` answers undefined for an unknown length, which passes.
 */
export function checkReferenceDurations(
	input: SimInput,
	secondsOf: (url: string) => number | undefined,
): string | undefined {
	if (input.mode !== 'omni_reference') return undefined;
	for (const [field, kind] of [
		['video_urls', 'video'],
		['audio_urls', 'audio'],
	] as const) {
		const urls = input[field] ?? [];
		let total = 0;
		for (const [index, url] of urls.entries()) {
			const seconds = secondsOf(url);
			if (seconds === undefined) continue;
			if (seconds < REFERENCE_SECONDS.min || seconds > REFERENCE_SECONDS.max) {
				return `Invalid field input.${field}.${index}: each reference ${kind} must be ${REFERENCE_SECONDS.min} to ${REFERENCE_SECONDS.max} seconds long (got ${seconds} s)`;
			}
			total += seconds;
		}
		if (total > REFERENCE_SECONDS.total) {
			return `Invalid field input.${field}: reference ${kind} must total at most ${REFERENCE_SECONDS.total} seconds (got ${total} s)`;
		}
	}
	return undefined;
}

/**
 * The billing table: output seconds × the resolution's rate; omni_reference with video_urls is
 * billed (output + total reference video seconds) × the with-video rate. Other modes never use
 * the with-video rate (their video_urls are ignored anyway).
 */
export function priceUsd(input: SimInput, referenceVideoSeconds = 0): number {
	const withVideo = input.mode === 'omni_reference' && (input.video_urls?.length ?? 0) > 0;
	const rates = PRICE_PER_SECOND[input.resolution];
	const usd = withVideo
		? (input.duration + referenceVideoSeconds) * rates.withVideo
		: input.duration * rates.withoutVideo;
	return Math.round(usd * 1e6) / 1e6;
}

/** The API field path a refusal names: "Missing required field: input.prompt" → input.prompt. */
export function refusedPath(error: string): string | undefined {
	return /^(?:Missing required field: |Invalid field )([\w.]+)/.exec(error)?.[1];
}
