/**
 * The APIXO Seedance 2.0 Mini contract, written once from APIXO's API page
 * (https://apixo.ai/docs/models/seedance-2-0-mini). Pure zod + numbers: the nodes and the tests
 * import it, so the package's reading of the API lives here and nowhere else. The test simulator
 * keeps its own, independent reading; one table of cases runs against both. Imports nothing
 * from n8n.
 */
// zod's v4 API (shipped inside zod 3.25, the version n8n provides): about 5× faster to parse.
import { z } from 'zod/v4';

export const MODEL_ID = 'seedance-2-0-mini';
export const DEFAULT_BASE_URL = 'https://api.apixo.ai/api/v1';

export const ENDPOINTS = {
	submit: (model: string) => `/generateTask/${model}`,
	status: (model: string) => `/statusTask/${model}`,
	balance: '/apikeys/current-balance',
} as const;

export const MODES = ['text-to-video', 'first_and_last_frames', 'omni_reference'] as const;
export const RESOLUTIONS = ['480p', '720p'] as const;
export const ASPECT_RATIOS = ['auto', '16:9', '4:3', '1:1', '3:4', '9:16', '21:9'] as const;
export const REQUEST_TYPES = ['async', 'callback'] as const;
export const PROVIDERS = ['auto', 'value', 'official'] as const;
export const TASK_STATES = ['pending', 'processing', 'success', 'failed'] as const;
export const FINAL_STATES = ['success', 'failed'] as const;

export type Mode = (typeof MODES)[number];
export type Resolution = (typeof RESOLUTIONS)[number];
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export type RequestType = (typeof REQUEST_TYPES)[number];
export type Provider = (typeof PROVIDERS)[number];
export type TaskState = (typeof TASK_STATES)[number];

export const DEFAULTS = {
	resolution: '720p' as Resolution,
	duration: 5,
	aspectRatio: 'auto' as AspectRatio,
	sound: true,
	webSearch: false,
	requestType: 'async' as RequestType,
	provider: 'auto' as Provider,
};

export const LIMITS = {
	duration: { min: 4, max: 15 },
	firstAndLastFramesImages: { min: 1, max: 2 },
	omniImages: { min: 1, max: 9 },
	omniVideos: { min: 1, max: 3 },
	omniAudios: { min: 1, max: 3 },
	/** Each reference video/audio file, and the total per media type, in seconds. */
	referenceMediaSeconds: { min: 2, max: 15, totalMax: 15 },
} as const;

/** The API page's "Latency and polling" table, in seconds. */
export const POLLING = {
	firstPollDelay: {
		'text-to-video': 180,
		first_and_last_frames: 180,
		omni_reference: 200,
	} satisfies Record<Mode, number>,
	pollInterval: 15,
} as const;

/** USD per output second (the API page's billing table). */
export const PRICE_PER_SECOND: Record<
	Resolution,
	{ withoutVideoReference: number; withVideoReference: number }
> = {
	'480p': { withoutVideoReference: 0.0475, withVideoReference: 0.03 },
	'720p': { withoutVideoReference: 0.1025, withVideoReference: 0.0625 },
};

// ---------------------------------------------------------------------------------------------
// Error messages: every rule says what is allowed and shows the value that was seen.

/** A short, safe rendering of a value for an error message. */
export function showValue(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (typeof value === 'string') {
		const cut = value.length > 80 ? `${value.slice(0, 77)}...` : value;
		return JSON.stringify(cut);
	}
	if (typeof value === 'number' || typeof value === 'boolean' || value === null)
		return String(value);
	try {
		const text = JSON.stringify(value);
		return text.length > 80 ? `${text.slice(0, 77)}...` : text;
	} catch {
		return typeof value;
	}
}

const expect = (what: string) => (issue: { input?: unknown }) =>
	`must be ${what} (got ${showValue(issue.input)})`;

const oneOf = (values: readonly string[]) => `one of ${values.map((v) => `"${v}"`).join(', ')}`;

// ---------------------------------------------------------------------------------------------
// Submit body

const promptSchema = z
	.string({ error: expect('a non-empty text') })
	.trim()
	.min(1, { message: 'must not be empty or only spaces' });

/** A field whose rule is easier said as a function: `parse` returns the normalized value or undefined. */
const rule = <T>(allowed: string, parse: (value: unknown) => T | undefined) =>
	z.unknown().transform((value, ctx): T => {
		const parsed = value === undefined ? undefined : parse(value);
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
	error: expect(oneOf(ASPECT_RATIOS)),
});
const booleanSchema = z.boolean({
	error: expect('true or false (a boolean, not a string)'),
});

const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
const mediaUrl = z
	.union([z.string(), z.object({ url: z.string() }).passthrough()], {
		error: expect('a URL string or an object with a non-empty "url"'),
	})
	.transform((v) => (typeof v === 'string' ? v : v.url).trim())
	.pipe(z.string().regex(HTTP_URL, { message: 'must be a public http(s) URL' }));

const mediaList = (min: number, max: number, what: string) =>
	z
		.array(mediaUrl, {
			error: expect(`a list of ${min} to ${max} ${what} URLs`),
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
	z.undefined({ error: expect(`left out: it is not used in ${mode} mode`) }).optional();

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
					.enum(REQUEST_TYPES, { error: expect(oneOf(REQUEST_TYPES)) })
					.default(DEFAULTS.requestType),
				callback_url: z
					.string({ error: expect('an https URL') })
					.trim()
					.optional(),
				provider: z.enum(PROVIDERS, { error: expect(oneOf(PROVIDERS)) }).optional(),
				input: inputSchema,
			},
			{ error: expect('a JSON object with "input"') },
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

export interface ContractIssue {
	/** Dotted path in the API body, e.g. `input.duration` or `input.image_urls.2`. */
	path: string;
	message: string;
}

/** For schemas without a message of their own: zod's default would say "Invalid input...". */
export const requiredMessage = (issue: { code?: string; input?: unknown }) =>
	issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined;

export function toContractIssues(error: z.ZodError): ContractIssue[] {
	return error.issues.map((issue) => ({
		path: issue.path.map(String).join('.') || 'body',
		message: issue.message,
	}));
}

export function describeIssues(issues: ContractIssue[]): string {
	return issues.map((i) => `${i.path} ${i.message}`).join('; ');
}

export type SubmitValidation =
	| { ok: true; body: SubmitBody }
	| { ok: false; issues: ContractIssue[]; message: string };

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
	const parsed = schema.safeParse(raw, { error: requiredMessage });
	if (parsed.success) return { ok: true, body: parsed.data };
	const issues = toContractIssues(parsed.error);
	return { ok: false, issues, message: describeIssues(issues) };
}

// ---------------------------------------------------------------------------------------------
// Responses

/** `{code, message, data}`: every APIXO answer, and the callback body. */
export const envelope = <T extends z.ZodType>(data: T) =>
	// `code` repeats the HTTP status; tolerate its absence (only `data` carries the answer).
	z.object({ code: z.number().optional(), message: z.string().nullish(), data }).passthrough();

/** Unix ms per the API page; numeric strings are read as numbers, other text is kept. */
const timestamp = z
	.union([z.number(), z.string()])
	.transform((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v))
	.nullish();

export const submitDataSchema = z.object({ taskId: z.string().min(1) }).passthrough();
export const submitResponseSchema = envelope(submitDataSchema);

/**
 * States are an open set (a public APIXO client sees `processing_r2`) and their case is not
 * promised: they are lower-cased here, once, so `SUCCESS` is a success everywhere downstream.
 */
const stateSchema = z
	.string()
	.min(1)
	.transform((state) => state.toLowerCase());

export const taskDataSchema = z
	.object({
		taskId: z.string().min(1),
		state: stateSchema,
		resultJson: z.string().nullish(),
		failCode: z.string().nullish(),
		failMsg: z.string().nullish(),
		createTime: timestamp,
		completeTime: timestamp,
		costTime: timestamp,
	})
	.passthrough();
export type TaskData = z.output<typeof taskDataSchema>;

export const statusResponseSchema = envelope(taskDataSchema);

/** What a callback may carry: anyone can post to a trigger URL, so sizes are bounded. */
export const CALLBACK_LIMITS = { taskIdMax: 128, stateMax: 32 } as const;
const TASK_ID = /^[A-Za-z0-9_.-]+$/;

/** The callback body has the same shape as a status answer, with bounded `taskId` and `state`. */
export const callbackPayloadSchema = envelope(
	taskDataSchema.extend({
		taskId: z
			.string()
			.min(1)
			.max(CALLBACK_LIMITS.taskIdMax)
			.regex(TASK_ID, { message: 'must hold only letters, digits, "_", "." or "-"' }),
		state: z.string().min(1).max(CALLBACK_LIMITS.stateMax).pipe(stateSchema),
	}),
);
export type CallbackPayload = z.output<typeof callbackPayloadSchema>;

export const balanceResponseSchema = envelope(z.number());

/**
 * Error answers: a JSON body is optional and may not be JSON at all. APIXO's error page puts the
 * detail in `data.error` (`{"code":400,"message":"Invalid request","data":{"error":"Missing
 * required field: input.prompt"}}`), sometimes with a provider's error identifier beside it.
 */
export const errorBodySchema = z
	.object({
		code: z.number().optional(),
		message: z.string().optional(),
		data: z.unknown().optional(),
	})
	.passthrough();

export const resultPayloadSchema = z.object({ resultUrls: z.array(z.string()) }).passthrough();

/** `success` or `failed`, in any case; every other state (an open set) is still running. */
export function isFinalState(state: string): state is (typeof FINAL_STATES)[number] {
	return (FINAL_STATES as readonly string[]).includes(state.toLowerCase());
}

/** `resultJson` is a JSON *string*; returns the URLs or why it could not be read. */
export function parseResultJson(
	resultJson: string | null | undefined,
): { ok: true; resultUrls: string[] } | { ok: false; message: string } {
	if (resultJson === undefined || resultJson === null || resultJson === '') {
		return { ok: false, message: 'resultJson is missing' };
	}
	let value: unknown;
	try {
		value = JSON.parse(resultJson);
	} catch {
		return {
			ok: false,
			message: `resultJson is not valid JSON (got ${showValue(resultJson)})`,
		};
	}
	const parsed = resultPayloadSchema.safeParse(value);
	if (!parsed.success) {
		return {
			ok: false,
			message: `resultJson has no "resultUrls" list of strings (got ${showValue(value)})`,
		};
	}
	return { ok: true, resultUrls: parsed.data.resultUrls };
}

// ---------------------------------------------------------------------------------------------
// Billing

export interface CostEstimate {
	usd: number;
	ratePerSecond: number;
	billedSeconds: number;
	withVideoReference: boolean;
	/** False when video references are given but their durations were not known. */
	exact: boolean;
}

/**
 * The billing table. With video references the API bills
 * `(output duration + total reference video duration) × rate`; pass the reference seconds when
 * known, otherwise the estimate covers the output only and says so (`exact: false`).
 */
export function estimateCost(input: SubmitInput, referenceVideoSeconds?: number): CostEstimate {
	const withVideoReference = input.mode === 'omni_reference' && (input.video_urls?.length ?? 0) > 0;
	const rates = PRICE_PER_SECOND[input.resolution];
	const ratePerSecond = withVideoReference ? rates.withVideoReference : rates.withoutVideoReference;
	const billedSeconds = input.duration + (withVideoReference ? (referenceVideoSeconds ?? 0) : 0);
	return {
		usd: Math.round(billedSeconds * ratePerSecond * 1e6) / 1e6,
		ratePerSecond,
		billedSeconds,
		withVideoReference,
		exact: !withVideoReference || referenceVideoSeconds !== undefined,
	};
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
