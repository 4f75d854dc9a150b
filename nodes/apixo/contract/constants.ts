/** The API page's names, limits, polling advice and price table: plain data. */

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
