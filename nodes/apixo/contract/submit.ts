/**
 * The submit body, per mode, exactly as the API page's parameters and validation table say the
 * backend checks and normalizes it; plus its reference media duration rules.
 */
// zod's v4 API (shipped inside zod 3.25, the version n8n provides): about 5× faster to parse.
import { z } from 'zod/v4';

import {
	ASPECT_RATIOS,
	DEFAULTS,
	LIMITS,
	MODES,
	PROVIDERS,
	REQUEST_TYPES,
	RESOLUTIONS,
	type Mode,
} from './constants';
import { mustBe, oneOf, showValue, toContractIssues, type ContractIssue } from './messages';

const promptSchema = z
	.string({ error: mustBe('a non-empty text') })
	.trim()
	.min(1, { message: 'must not be empty or only spaces' });

/** A field whose rule is easier said as a function: `parse` returns the normalized value or undefined. */
const rule = <T>(allowed: string, parse: (value: unknown) => T | undefined) =>
	z.unknown().transform((value, ctx): T => {
		const parsed = parse(value); // each parse refuses undefined (a field set to nothing)
		if (parsed === undefined) {
			ctx.addIssue({
				code: 'custom',
				message: `must be ${allowed} (got ${showValue(value)})`,
			});
			return z.NEVER;
		}
		return parsed;
	});

const resolutionSchema = rule(oneOf(RESOLUTIONS), (v) => {
	const value = typeof v === 'string' ? v.trim().toLowerCase() : undefined;
	return RESOLUTIONS.find((r) => r === value);
});

const durationRule = `a whole number from ${LIMITS.duration.min} to ${LIMITS.duration.max} (seconds), or a numeric string such as "10"`;
const durationSchema = rule(durationRule, (v) => {
	const n =
		typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
	return Number.isInteger(n) && n >= LIMITS.duration.min && n <= LIMITS.duration.max
		? n
		: undefined;
});

const aspectRatioSchema = z.enum(ASPECT_RATIOS, {
	error: mustBe(oneOf(ASPECT_RATIOS)),
});
const booleanSchema = z.boolean({
	error: mustBe('true or false (a boolean, not a string)'),
});

const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
const mediaUrl = z
	.union([z.string(), z.object({ url: z.string() }).passthrough()], {
		error: mustBe('a URL string or an object with a non-empty "url"'),
	})
	.transform((v) => (typeof v === 'string' ? v : v.url).trim())
	.pipe(z.string().regex(HTTP_URL, { error: mustBe('a public http(s) URL') }));

const mediaList = (min: number, max: number, what: string) =>
	z
		.array(mediaUrl, {
			error: mustBe(`a list of ${min} to ${max} ${what} URLs`),
		})
		.min(min, { message: `must hold ${min} to ${max} ${what} URLs (got 0)` })
		.superRefine((list, ctx) => {
			if (list.length > max) {
				ctx.addIssue({
					code: 'custom',
					message: `must hold at most ${max} ${what} URLs (got ${list.length})`,
				});
			}
		});

const common = {
	prompt: promptSchema,
	resolution: resolutionSchema.default(DEFAULTS.resolution),
	duration: durationSchema.default(DEFAULTS.duration),
	aspect_ratio: aspectRatioSchema.default(DEFAULTS.aspectRatio),
	sound: booleanSchema.default(DEFAULTS.sound),
	web_search: booleanSchema.default(DEFAULTS.webSearch),
};

const notIn = (mode: Mode) =>
	z.undefined({ error: mustBe(`left out: it is not used in ${mode} mode`) }).optional();

const textToVideoInput = z.object({
	mode: z.literal('text-to-video'),
	...common,
	image_urls: notIn('text-to-video'),
	video_urls: notIn('text-to-video'),
	audio_urls: notIn('text-to-video'),
});

const firstAndLastFramesInput = z.object({
	mode: z.literal('first_and_last_frames'),
	...common,
	image_urls: mediaList(
		LIMITS.firstAndLastFramesImages.min,
		LIMITS.firstAndLastFramesImages.max,
		'image (first frame, then optional last frame)',
	),
	video_urls: notIn('first_and_last_frames'),
	audio_urls: notIn('first_and_last_frames'),
});

const omniReferenceInput = z.object({
	mode: z.literal('omni_reference'),
	...common,
	image_urls: mediaList(LIMITS.omniImages.min, LIMITS.omniImages.max, 'image').optional(),
	video_urls: mediaList(LIMITS.omniVideos.min, LIMITS.omniVideos.max, 'video').optional(),
	audio_urls: mediaList(LIMITS.omniAudios.min, LIMITS.omniAudios.max, 'audio').optional(),
});

const inputSchema = z
	.discriminatedUnion('mode', [textToVideoInput, firstAndLastFramesInput, omniReferenceInput], {
		error: (issue) => {
			const data = issue.input as { mode?: unknown } | undefined;
			return issue.code === 'invalid_union'
				? `must be ${oneOf(MODES)} (got ${showValue(data?.mode)})`
				: `must be an object with the generation settings (got ${showValue(data)})`;
		},
	})
	.superRefine((input, ctx) => {
		if (input.mode !== 'omni_reference') return;
		if (input.audio_urls?.length && !input.image_urls?.length && !input.video_urls?.length) {
			ctx.addIssue({
				code: 'custom',
				path: ['audio_urls'],
				message:
					'cannot be the only reference in omni_reference: add at least one image or video URL',
			});
		}
	});

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** True for http(s) URLs on this machine (the simulator's callbacks). */
export function isLoopbackUrl(url: string): boolean {
	try {
		return LOOPBACK_HOST.test(new URL(url).hostname);
	} catch {
		return false;
	}
}

export interface SubmitSchemaOptions {
	/**
	 * Accept plain http callback URLs on loopback hosts. Only for a local simulator: the real
	 * APIXO needs a public https URL.
	 */
	allowLoopbackHttpCallback?: boolean;
}

function callbackUrlProblem(url: string, allowLoopbackHttp: boolean): string | undefined {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return `must be a full https URL (got ${showValue(url)})`;
	}
	if (parsed.protocol === 'https:') return undefined;
	if (parsed.protocol === 'http:' && allowLoopbackHttp && isLoopbackUrl(url)) return undefined;
	return `must be a public https URL${
		allowLoopbackHttp ? ' (plain http only for localhost/127.0.0.1)' : ''
	} (got ${showValue(url)})`;
}

export function submitBodySchema(options: SubmitSchemaOptions = {}) {
	return z
		.object(
			{
				request_type: z
					.enum(REQUEST_TYPES, { error: mustBe(oneOf(REQUEST_TYPES)) })
					.default(DEFAULTS.requestType),
				callback_url: z
					.string({ error: mustBe('an https URL') })
					.trim()
					.optional(),
				provider: z.enum(PROVIDERS, { error: mustBe(oneOf(PROVIDERS)) }).optional(),
				input: inputSchema,
			},
			{ error: mustBe('a JSON object with "input"') },
		)
		.superRefine((body, ctx) => {
			if (body.request_type !== 'callback') return;
			const problem = body.callback_url
				? callbackUrlProblem(body.callback_url, options.allowLoopbackHttpCallback ?? false)
				: 'is required when request_type is "callback"';
			if (problem)
				ctx.addIssue({
					code: 'custom',
					path: ['callback_url'],
					message: problem,
				});
		});
}

export type SubmitBody = z.output<ReturnType<typeof submitBodySchema>>;
export type SubmitBodyInput = z.input<ReturnType<typeof submitBodySchema>>;
export type SubmitInput = SubmitBody['input'];

export type SubmitValidation =
	| { ok: true; body: SubmitBody }
	| { ok: false; issues: ContractIssue[] };

const submitSchemas: Record<string, ReturnType<typeof submitBodySchema>> = {};

/** Validate and normalize a submit body exactly as the API page says the backend does. */
export function validateSubmitBody(
	raw: unknown,
	options: SubmitSchemaOptions = {},
): SubmitValidation {
	// Building a zod schema costs far more than using one: build each variant once.
	const loopback = options.allowLoopbackHttpCallback === true;
	const schema = (submitSchemas[String(loopback)] ??= submitBodySchema({
		allowLoopbackHttpCallback: loopback,
	}));
	const parsed = schema.safeParse(raw);
	if (parsed.success) return { ok: true, body: parsed.data };
	// Every schema above words its own refusal: zod's generic "Invalid input" never shows.
	return { ok: false, issues: toContractIssues(parsed.error) };
}

// ---------------------------------------------------------------------------------------------
// Reference media durations (checked by the backend before task creation)

/**
 * The API page's duration rules for omni_reference video/audio: each file 2–15 s and at most
 * 15 s per media type in total. `secondsOf` says how long a URL is, or undefined when unknown
 * (unknown files are left to the API).
 */
export function referenceDurationIssues(
	input: SubmitInput,
	secondsOf: (url: string) => number | undefined,
): ContractIssue[] {
	if (input.mode !== 'omni_reference') return [];
	const { min, max, totalMax } = LIMITS.referenceMediaSeconds;
	const issues: ContractIssue[] = [];
	for (const [key, kind] of [
		['video_urls', 'video'],
		['audio_urls', 'audio'],
	] as const) {
		let total = 0;
		(input[key] ?? []).forEach((url, index) => {
			const seconds = secondsOf(url);
			if (seconds === undefined) return;
			total += seconds;
			if (seconds < min || seconds > max) {
				issues.push({
					path: `input.${key}.${index}`,
					message: `must be ${kind === 'audio' ? 'an' : 'a'} ${kind} file of ${min} to ${max} seconds (got ${seconds} s)`,
				});
			}
		});
		if (total > totalMax) {
			issues.push({
				path: `input.${key}`,
				message: `must total at most ${totalMax} seconds of ${kind} (got ${total} s)`,
			});
		}
	}
	return issues;
}
