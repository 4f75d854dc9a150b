/** The fields of Generate, as a user sees them in the editor. */
import type { INodeProperties } from 'n8n-workflow';

import {
	ASPECT_RATIOS,
	LIMITS,
	MODES,
	PRICE_PER_SECOND,
	PROVIDERS,
	RESOLUTIONS,
	type Mode,
} from '../../../apixo/contract';
import { waitOptions } from '../descriptions';

const MODE_NAMES: Record<Mode, string> = {
	'text-to-video': 'Text to Video',
	first_and_last_frames: 'First and Last Frames',
	omni_reference: 'Omni Reference',
};

const forModes = (...modes: Mode[]) => ({ show: { mode: modes } });

const urlListHint =
	'One URL, several separated by commas or new lines, or an expression giving a list of URLs (or of {url} objects)';

/** The Generate fields, per mode (shown only where the mode uses them), and its options. */
export const properties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: MODES.map((mode) => ({
			name: MODE_NAMES[mode],
			value: mode,
			description: {
				'text-to-video': 'Generate a video from a text prompt',
				first_and_last_frames: 'Animate between a first frame and an optional last frame',
				omni_reference: 'Generate from image, video and audio references',
			}[mode],
		})),
		default: 'text-to-video',
	},
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'e.g. a cinematic drone shot above a rainy city at night',
		description: 'What the video should show',
	},
	{
		displayName: 'First Frame URL',
		name: 'firstFrameUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://example.com/frame-start.png',
		description: 'Public, direct URL of the image the video starts from',
		displayOptions: forModes('first_and_last_frames'),
	},
	{
		displayName: 'Last Frame URL',
		name: 'lastFrameUrl',
		type: 'string',
		default: '',
		placeholder: 'https://example.com/frame-end.png',
		description: 'Optional public URL of the image the video ends on',
		displayOptions: forModes('first_and_last_frames'),
	},
	{
		displayName: 'Image URLs',
		name: 'imageUrls',
		type: 'string',
		default: '',
		description: `Up to ${LIMITS.omniImages.max} reference images. ${urlListHint}.`,
		displayOptions: forModes('omni_reference'),
	},
	{
		displayName: 'Video URLs',
		name: 'videoUrls',
		type: 'string',
		default: '',
		description: `Up to ${LIMITS.omniVideos.max} reference videos, each ${LIMITS.referenceMediaSeconds.min}–${LIMITS.referenceMediaSeconds.max} s, ${LIMITS.referenceMediaSeconds.totalMax} s in total. Billed at the with-video-reference rate on output + reference seconds. ${urlListHint}.`,
		displayOptions: forModes('omni_reference'),
	},
	{
		displayName: 'Audio URLs',
		name: 'audioUrls',
		type: 'string',
		default: '',
		description: `Up to ${LIMITS.omniAudios.max} reference audio files, each ${LIMITS.referenceMediaSeconds.min}–${LIMITS.referenceMediaSeconds.max} s, ${LIMITS.referenceMediaSeconds.totalMax} s in total. Needs at least one image or video reference too. ${urlListHint}.`,
		displayOptions: forModes('omni_reference'),
	},
	{
		displayName: 'Resolution',
		name: 'resolution',
		type: 'options',
		options: RESOLUTIONS.map((r) => ({
			name: r,
			value: r,
			description: `$${PRICE_PER_SECOND[r].withoutVideoReference}/s ($${PRICE_PER_SECOND[r].withVideoReference}/s with video references)`,
		})),
		default: '720p',
	},
	{
		displayName: 'Duration (Seconds)',
		name: 'duration',
		type: 'number',
		typeOptions: { minValue: LIMITS.duration.min, maxValue: LIMITS.duration.max },
		default: 5,
		description: `Length of the video, a whole number from ${LIMITS.duration.min} to ${LIMITS.duration.max}`,
	},
	{
		displayName: 'Aspect Ratio',
		name: 'aspectRatio',
		type: 'options',
		options: ASPECT_RATIOS.map((ratio) => ({
			name: ratio === 'auto' ? 'Auto' : ratio,
			value: ratio,
		})),
		default: 'auto',
	},
	{
		displayName: 'Sound',
		name: 'sound',
		type: 'boolean',
		default: true,
		description: 'Whether to generate audio with the video',
	},
	{
		displayName: 'Web Search',
		name: 'webSearch',
		type: 'boolean',
		default: false,
		description: 'Whether to allow real-time web search during generation',
	},
	{
		displayName: 'Request Type',
		name: 'requestType',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Async (Poll for the Result)',
				value: 'async',
				description: 'Submit, then optionally wait here until the video is ready',
			},
			{
				name: 'Callback (Webhook)',
				value: 'callback',
				description: 'Submit and return at once; APIXO posts the result to a URL',
			},
		],
		default: 'async',
	},
	{
		displayName: 'Callback URL',
		name: 'callbackUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://your-n8n.example.com/webhook/apixo?token=…',
		description:
			'Public https URL APIXO posts the finished task to. Paste the production URL of an active APIXO Trigger workflow (with ?token=… if the trigger has a token), or use {{$execution.resumeUrl}} with a Wait node set to "On Webhook Call" to continue this execution. Plain http is accepted only for localhost/127.0.0.1 (a local APIXO simulator).',
		displayOptions: { show: { requestType: ['callback'] } },
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: true,
		description:
			'Whether to wait here until the video is ready (items are waited for in parallel). Turn off on hosts that stop long executions, and check later with "Get Status".',
		displayOptions: { show: { requestType: ['async'] } },
	},
	{
		displayName: 'Wait Mode',
		name: 'waitMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Poll (Keep the Execution Running)',
				value: 'poll',
				description:
					'Check the tasks on APIXO until they finish; the execution runs the whole time',
			},
			{
				name: 'Pause Until APIXO Calls Back',
				value: 'pause',
				description:
					"The execution sleeps in n8n's database until APIXO calls back (nothing held in memory, survives restarts). Needs n8n reachable on a public https WEBHOOK_URL. Failed tasks come out as items with an error field.",
			},
		],
		default: 'poll',
		displayOptions: { show: { requestType: ['async'], waitForCompletion: [true] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			...waitOptions,
			{
				displayName: 'Max Cost (USD)',
				name: 'maxCost',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 4 },
				default: 1,
				description:
					'Refuse to submit an item whose estimated cost is above this (nothing is sent to APIXO then)',
			},
			{
				displayName: 'Budget (USD)',
				name: 'budgetUsd',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 4 },
				default: 10,
				description:
					'Refuse the whole batch, before anything is submitted, when the estimated total of all items is above this or above the account balance (read once, free)',
			},
			{
				displayName: 'Check Reference Media',
				name: 'preflightMedia',
				type: 'boolean',
				default: true,
				description:
					'Whether to read the length of each reference video and audio from its header (a few KB with Range requests) before submitting: too long or too short files are refused for free, and the cost estimate includes the reference video seconds. Files whose header cannot be read are left to APIXO to check.',
				displayOptions: { show: { '/mode': ['omni_reference'] } },
			},
			{
				displayName: 'Provider',
				name: 'provider',
				type: 'options',
				options: PROVIDERS.map((p) => ({
					name: { auto: 'Auto', value: 'Value', official: 'Official' }[p],
					value: p,
					description: {
						auto: 'Let APIXO choose the route',
						value: 'Prefer the cheaper route',
						official: 'Prefer the official route',
					}[p],
				})),
				default: 'auto',
				description: "APIXO's route strategy",
			},
		],
	},
];
