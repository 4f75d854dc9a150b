import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import {
	ASPECT_RATIOS,
	DEFAULTS,
	estimateCost,
	isLoopbackUrl,
	LIMITS,
	MODES,
	PRICE_PER_SECOND,
	PROVIDERS,
	referenceDurationIssues,
	RESOLUTIONS,
	validateSubmitBody,
	type ContractIssue,
	type Mode,
	type SubmitBody,
} from '../../apixo/contract';
import { nonPublicHost, nonPublicUrlIssues } from '../../apixo/publicUrl';
import { submitTask, CREDENTIAL_TYPE, normalizeBaseUrl } from '../../apixo/transport';
import { Batch, type Job } from './batch';
import {
	checkBudget,
	measureReferences,
	needsPreflight,
	referenceVideoSeconds,
	type PricedItem,
	type ReferenceMedia,
} from './costs';
import { waitOptions } from './descriptions';
import { finishTask } from './finish';
import { readWaitSettings } from './settings';

const MODE_NAMES: Record<Mode, string> = {
	'text-to-video': 'Text to Video',
	first_and_last_frames: 'First and Last Frames',
	omni_reference: 'Omni Reference',
};

const forModes = (...modes: Mode[]) => ({ show: { mode: modes } });

const urlListHint =
	'One URL, several separated by commas or new lines, or an expression giving a list of URLs (or of {url} objects)';

const properties: INodeProperties[] = [
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

export const description = updateDisplayOptions({ show: { operation: ['generate'] } }, properties);

/**
 * A URL-list field as users fill it: an array (from an expression) of strings or {url} objects,
 * or one string with URLs separated by new lines or commas. Commas split only before another
 * http(s) URL, since URLs themselves may contain commas. Empty entries are dropped; anything
 * else is kept for the contract to name.
 */
export function toUrlList(value: unknown): unknown[] {
	if (value === undefined || value === null) return [];
	const entries = Array.isArray(value) ? value : [value];
	return entries.flatMap((entry): unknown[] => {
		if (typeof entry === 'string') {
			return entry
				.split(/\s*[\r\n]+\s*|\s*,\s*(?=https?:\/\/)/i)
				.map((url) => url.trim().replace(/,+$/, ''))
				.filter(Boolean);
		}
		if (entry && typeof entry === 'object' && !Array.isArray(entry) && 'url' in entry) {
			const url = (entry as { url: unknown }).url;
			return typeof url === 'string' && !url.trim() ? [] : [entry];
		}
		return entry === '' ? [] : [entry];
	});
}

/** Reads one node parameter of the item being built. */
export type ParameterReader = (name: string, fallback?: unknown) => unknown;

/** The API body a node item asks for, before validation (pure: the benchmark calls it too). */
export function buildBody(param: ParameterReader, mode: Mode): Record<string, unknown> {
	const input: Record<string, unknown> = {
		mode,
		prompt: param('prompt'),
		resolution: param('resolution', DEFAULTS.resolution),
		duration: param('duration', DEFAULTS.duration),
		aspect_ratio: param('aspectRatio', DEFAULTS.aspectRatio),
		sound: param('sound', DEFAULTS.sound),
		web_search: param('webSearch', DEFAULTS.webSearch),
	};
	if (mode === 'first_and_last_frames') {
		input.image_urls = [
			...toUrlList(param('firstFrameUrl', '')),
			...toUrlList(param('lastFrameUrl', '')),
		];
	}
	if (mode === 'omni_reference') {
		for (const [field, key] of [
			['imageUrls', 'image_urls'],
			['videoUrls', 'video_urls'],
			['audioUrls', 'audio_urls'],
		] as const) {
			const list = toUrlList(param(field, ''));
			if (list.length) input[key] = list;
		}
	}
	const requestType = param('requestType', 'async');
	const body: Record<string, unknown> = { request_type: requestType, input };
	if (requestType === 'callback') body.callback_url = param('callbackUrl', '');
	const provider = (param('options', {}) as IDataObject).provider;
	if (provider !== undefined && provider !== '') body.provider = provider;
	return body;
}

/**
 * The frame fields hold one URL each, and a last frame needs a first one: the API only sees a
 * list, where a lone last frame would silently become the first (a paid, wrong video).
 */
export function frameIssues(param: ParameterReader): ContractIssue[] {
	const first = toUrlList(param('firstFrameUrl', ''));
	const last = toUrlList(param('lastFrameUrl', ''));
	const issues: ContractIssue[] = [];
	if (!first.length && last.length) {
		issues.push({
			path: 'input.image_urls.0',
			message:
				'is required when a Last Frame URL is set (got nothing): the video starts from the first frame',
		});
	}
	for (const [list, at] of [
		[first, 0],
		[last, 1],
	] as const) {
		if (list.length > 1) {
			issues.push({
				path: `input.image_urls.${at}`,
				message: `must be one URL (got ${list.length})`,
			});
		}
	}
	return issues;
}

/** API body path → the node field the user has to fix. */
function fieldFor(path: string, mode: Mode): string {
	const [head, key, index] = path.split('.');
	if (head !== 'input') {
		return (
			{ callback_url: 'callbackUrl', request_type: 'requestType', provider: 'options.provider' }[
				head
			] ?? head
		);
	}
	if (key === 'image_urls' && mode === 'first_and_last_frames') {
		return index === '1' ? 'lastFrameUrl' : 'firstFrameUrl';
	}
	return (
		{
			aspect_ratio: 'aspectRatio',
			web_search: 'webSearch',
			image_urls: 'imageUrls',
			video_urls: 'videoUrls',
			audio_urls: 'audioUrls',
		}[key] ?? key
	);
}

function invalidItem(ctx: IExecuteFunctions, i: number, mode: Mode, issues: ContractIssue[]) {
	const parts = issues.map((issue) => {
		const field = fieldFor(issue.path, mode);
		const entry = issue.path.split('.')[2];
		const where =
			entry !== undefined && !field.endsWith('FrameUrl') ? ` (entry ${Number(entry) + 1})` : '';
		return `${field}${where}: ${issue.message}`;
	});
	return new NodeOperationError(ctx.getNode(), `Invalid ${parts.join('; ')}`, {
		itemIndex: i,
		description: `Fix the field${issues.length > 1 ? 's' : ''} above; nothing was sent to APIXO for this item. (API fields: ${issues.map((x) => x.path).join(', ')})`,
	});
}

interface Prepared extends PricedItem {
	body: SubmitBody;
	referenceMedia?: ReferenceMedia[];
}

/**
 * Validate, pre-flight and price one item; throws a NodeOperationError naming the field.
 * Only reference media hosts may be contacted here (header reads), never APIXO.
 */
async function prepare(
	ctx: IExecuteFunctions,
	i: number,
	allowLoopbackHttp: boolean,
	localApi: boolean,
): Promise<Prepared> {
	const mode = ctx.getNodeParameter('mode', i, 'text-to-video') as Mode;
	if (!MODES.includes(mode)) {
		throw invalidItem(ctx, i, 'text-to-video', [
			{
				path: 'input.mode',
				message: `must be one of ${MODES.join(', ')} (got ${JSON.stringify(mode)})`,
			},
		]);
	}
	const param: ParameterReader = (name, fallback) => ctx.getNodeParameter(name, i, fallback);
	if (mode === 'first_and_last_frames') {
		const issues = frameIssues(param);
		if (issues.length) throw invalidItem(ctx, i, mode, issues);
	}
	const validation = validateSubmitBody(buildBody(param, mode), {
		allowLoopbackHttpCallback: allowLoopbackHttp,
	});
	if (!validation.ok) throw invalidItem(ctx, i, mode, validation.issues);
	// APIXO fetches references from the internet: reading private ones would probe this network.
	const privateUrls = localApi ? [] : nonPublicUrlIssues(validation.body.input);
	if (privateUrls.length) throw invalidItem(ctx, i, mode, privateUrls);
	const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
	const input = validation.body.input;
	let referenceMedia: ReferenceMedia[] | undefined;
	if (needsPreflight(input, options.preflightMedia)) {
		referenceMedia = await measureReferences.call(ctx, input, { allowNonPublic: localApi });
		const measured = new Map(referenceMedia.map((m) => [m.url, m.durationS]));
		const issues = referenceDurationIssues(input, (url) => measured.get(url));
		if (issues.length) throw invalidItem(ctx, i, mode, issues);
	}
	const cost = estimateCost(input, referenceMedia && referenceVideoSeconds(referenceMedia));
	const maxCost = options.maxCost;
	if (typeof maxCost === 'number' && cost.usd > maxCost) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Estimated cost $${cost.usd} is above Max Cost $${maxCost}`,
			{
				itemIndex: i,
				description: `${cost.billedSeconds} s × $${cost.ratePerSecond}/s (${validation.body.input.resolution}${cost.withVideoReference ? ', with video reference' : ''}). Lower the duration or resolution, or raise Max Cost. Nothing was sent to APIXO.`,
			},
		);
	}
	return {
		itemIndex: i,
		body: validation.body,
		referenceMedia,
		estimatedCostUsd: cost.usd,
		costNote: cost.exact
			? undefined
			: `Excludes the reference videos' seconds, billed at $${cost.ratePerSecond}/s on top`,
	};
}

async function settlePrepare(
	ctx: IExecuteFunctions,
	i: number,
	allowLoopbackHttp: boolean,
	localApi: boolean,
) {
	try {
		return await prepare(ctx, i, allowLoopbackHttp, localApi);
	} catch (error) {
		return error instanceof NodeOperationError
			? error
			: new NodeOperationError(ctx.getNode(), error as Error, { itemIndex: i });
	}
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const credentials = await this.getCredentials<{ baseUrl?: string }>(CREDENTIAL_TYPE);
	const baseUrl = normalizeBaseUrl(credentials.baseUrl);
	// Plain-http loopback callbacks only make sense with a local APIXO (the simulator), never
	// with the real API, which cannot reach this machine.
	const allowLoopbackHttp =
		isLoopbackUrl(baseUrl) || !/(^|\.)apixo\.ai$/i.test(new URL(baseUrl).hostname);
	// Likewise reference media on this machine's network are only fine for a local APIXO.
	const localApi = nonPublicHost(baseUrl) !== undefined;

	const batch = new Batch(this);
	const ready = new Map<number, INodeExecutionData>();
	const prepared: Prepared[] = [];
	// Every item is checked before the first request: a bad item never leaves half a batch paid.
	for (let i = 0; i < items.length; i++) {
		const item = await settlePrepare(this, i, allowLoopbackHttp, localApi);
		if (item instanceof NodeOperationError) {
			if (!this.continueOnFail()) throw item;
			ready.set(i, batch.errorItem(item, i));
		} else {
			prepared.push(item);
		}
	}

	// The batch budget: one free balance read, then all or nothing.
	const budgetUsd = prepared.length
		? (this.getNodeParameter('options', prepared[0].itemIndex, {}) as IDataObject).budgetUsd
		: undefined;
	if (typeof budgetUsd === 'number') await checkBudget.call(this, prepared, budgetUsd);

	const jobs: Job[] = prepared.map((item) => ({
		itemIndex: item.itemIndex,
		run: async (signal) => {
			const i = item.itemIndex;
			const settings = readWaitSettings.call(this, i, item.body.input.mode);
			const { taskId } = await submitTask.call(this, item.body, {
				itemIndex: i,
				signal,
				// A 429 on submit created nothing: wait and try again rather than fail the item.
				retry: { maxAttempts: 8 },
			});
			const startedAt = Date.now();
			batch.tasks.set(i, taskId);
			this.logger.info(`Seedance Mini: submitted task ${taskId} (item ${i})`, { taskId });
			const extra: IDataObject = {
				estimatedCostUsd: item.estimatedCostUsd,
				...(item.costNote ? { estimatedCostNote: item.costNote } : {}),
				...(item.referenceMedia
					? { referenceMedia: item.referenceMedia as unknown as IDataObject[] }
					: {}),
			};
			const wait =
				item.body.request_type === 'async' &&
				(this.getNodeParameter('waitForCompletion', i, true) as boolean);
			if (!wait) {
				return {
					json: { taskId, requestType: item.body.request_type, ...extra },
					pairedItem: { item: i },
				};
			}
			return await finishTask.call(this, taskId, settings, {
				itemIndex: i,
				wait: true,
				startedAt,
				signal,
				extra,
			});
		},
	}));

	const concurrency = prepared.length
		? readWaitSettings.call(this, prepared[0].itemIndex).concurrency
		: 1;
	return await batch.run(jobs, concurrency, ready);
}
