/**
 * From a node item's fields to the API body, and from the API's complaints back to the fields:
 * pure (the benchmark and the tests call these), no request is made here.
 */
import type { IDataObject, IExecuteFunctions, NodeOperationError } from 'n8n-workflow';

import { DEFAULTS, type ContractIssue, type Mode } from '../../../apixo/contract';
import { operationError } from '../../helpers/operationError';

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
		return [entry];
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
export function fieldFor(path: string, mode: Mode): string {
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

/** The error for an item whose fields break the API's rules: names each field and entry. */
export function invalidItem(
	this: Pick<IExecuteFunctions, 'getNode'>,
	itemIndex: number,
	mode: Mode,
	issues: ContractIssue[],
): NodeOperationError {
	const parts = issues.map((issue) => {
		const field = fieldFor(issue.path, mode);
		const entry = issue.path.split('.')[2];
		const where =
			entry !== undefined && !field.endsWith('FrameUrl') ? ` (entry ${Number(entry) + 1})` : '';
		return `${field}${where}: ${issue.message}`;
	});
	return operationError(this.getNode(), `Invalid ${parts.join('; ')}`, {
		itemIndex,
		description: `Fix the field${issues.length > 1 ? 's' : ''} above; nothing was sent to APIXO for this item. (API fields: ${issues.map((x) => x.path).join(', ')})`,
	});
}
