/**
 * From a node item's fields to the API body and back (actions/generate/body.ts), pure: what each
 * field becomes, and the error that names a field when APIXO's rules refuse it.
 */
import type { ContractIssue } from '../../nodes/apixo/contract';
import {
	buildBody,
	fieldFor,
	frameIssues,
	invalidItem,
	toUrlList,
	type ParameterReader,
} from '../../nodes/SeedanceMini/actions/generate/body';
import { SEEDANCE_NODE as NODE } from '../harness/node';

/** A parameter reader over `values`: a missing parameter gives the caller's fallback, as n8n does. */
const reader =
	(values: Record<string, unknown>): ParameterReader =>
	(name, fallback) =>
		name in values ? values[name] : fallback;

describe('toUrlList', () => {
	it.each<[string, unknown, unknown[]]>([
		['nothing', undefined, []],
		['null', null, []],
		['one URL', 'https://a/1.png', ['https://a/1.png']],
		[
			'new lines, blank lines, spaces',
			' https://a/1.png \r\n\r\n  https://a/2.png\n',
			['https://a/1.png', 'https://a/2.png'],
		],
		[
			'commas before https URLs',
			'https://a/1.png, https://a/2.png',
			['https://a/1.png', 'https://a/2.png'],
		],
		[
			'commas before http URLs',
			'https://a/1.png,http://b/2.png',
			['https://a/1.png', 'http://b/2.png'],
		],
		[
			'commas before any case',
			'https://a/1.png,HTTPS://B/2.png',
			['https://a/1.png', 'HTTPS://B/2.png'],
		],
		['a comma inside a URL stays', 'https://a/x,y.png', ['https://a/x,y.png']],
		['trailing commas go', 'https://a/1.png,,', ['https://a/1.png']],
		['empty entries go', ' , \n', []],
		[
			'an array of strings',
			['https://a/1.png', '', 'https://a/2.png\nhttps://a/3.png'],
			['https://a/1.png', 'https://a/2.png', 'https://a/3.png'],
		],
		[
			'{url} objects stay for the contract',
			[{ url: 'https://a/1.png' }],
			[{ url: 'https://a/1.png' }],
		],
		['a {url} object with a blank url goes', [{ url: '  ' }, { url: '' }], []],
		['a {url} object with a url that is not text stays', [{ url: 5 }], [{ url: 5 }]],
		[
			'odd entries stay for the contract to name',
			[5, null, true, ['x'], { href: 'x' }],
			[5, null, true, ['x'], { href: 'x' }],
		],
	])('%s', (_, value, expected) => {
		expect(toUrlList(value)).toStrictEqual(expected);
	});
});

describe('buildBody', () => {
	const fields = {
		prompt: 'a fox',
		resolution: '720p',
		duration: 6,
		aspectRatio: '16:9',
		sound: false,
		webSearch: true,
	};
	const input = {
		prompt: 'a fox',
		resolution: '720p',
		duration: 6,
		aspect_ratio: '16:9',
		sound: false,
		web_search: true,
	};

	it('text-to-video: the fields by their API names, async, nothing else', () => {
		expect(buildBody(reader(fields), 'text-to-video')).toStrictEqual({
			request_type: 'async',
			input: { mode: 'text-to-video', ...input },
		});
	});

	it('the page’s defaults for fields a saved node does not have', () => {
		expect(buildBody(reader({ prompt: 'p' }), 'text-to-video')).toStrictEqual({
			request_type: 'async',
			input: {
				mode: 'text-to-video',
				prompt: 'p',
				resolution: '720p',
				duration: 5,
				aspect_ratio: 'auto',
				sound: true,
				web_search: false,
			},
		});
	});

	it('reference fields left from another mode are not sent', () => {
		const leftovers = {
			...fields,
			firstFrameUrl: 'https://a/first.png',
			imageUrls: 'https://a/1.png',
			videoUrls: 'https://a/1.mp4',
			audioUrls: 'https://a/1.mp3',
		};
		expect(buildBody(reader(leftovers), 'text-to-video').input).toStrictEqual({
			mode: 'text-to-video',
			...input,
		});
		expect(buildBody(reader(leftovers), 'first_and_last_frames').input).toStrictEqual({
			mode: 'first_and_last_frames',
			...input,
			image_urls: ['https://a/first.png'],
		});
	});

	it('first_and_last_frames: first then last; missing fields are no frames', () => {
		const both = { ...fields, firstFrameUrl: 'https://a/1.png', lastFrameUrl: 'https://a/2.png' };
		expect(buildBody(reader(both), 'first_and_last_frames').input).toMatchObject({
			image_urls: ['https://a/1.png', 'https://a/2.png'],
		});
		expect(buildBody(reader(fields), 'first_and_last_frames').input).toMatchObject({
			image_urls: [],
		});
	});

	it('omni_reference: each list by its API name, empty or missing lists left out', () => {
		const lists = {
			...fields,
			imageUrls: 'https://a/1.png',
			videoUrls: ' ',
			audioUrls: ['https://a/1.mp3'],
		};
		expect(buildBody(reader(lists), 'omni_reference').input).toStrictEqual({
			mode: 'omni_reference',
			...input,
			image_urls: ['https://a/1.png'],
			audio_urls: ['https://a/1.mp3'],
		});
		expect(buildBody(reader(fields), 'omni_reference').input).toStrictEqual({
			mode: 'omni_reference',
			...input,
		});
	});

	it('callback: the callback URL, or an empty one for the contract to refuse', () => {
		const callback = { ...fields, requestType: 'callback', callbackUrl: 'https://hooks.example/x' };
		expect(buildBody(reader(callback), 'text-to-video')).toMatchObject({
			request_type: 'callback',
			callback_url: 'https://hooks.example/x',
		});
		const noUrl = { ...fields, requestType: 'callback' };
		expect(buildBody(reader(noUrl), 'text-to-video').callback_url).toBe('');
		// Async sends no callback URL, even one left in the field.
		const async = { ...fields, callbackUrl: 'https://hooks.example/x' };
		expect(buildBody(reader(async), 'text-to-video')).not.toHaveProperty('callback_url');
	});

	it.each<[string, unknown, boolean]>([
		['not set', undefined, false],
		['empty', '', false],
		['set', 'cheap', true],
	])('provider %s', (_, provider, sent) => {
		const options = provider === undefined ? {} : { provider };
		const body = buildBody(reader({ ...fields, options }), 'text-to-video');
		if (sent) expect(body.provider).toBe(provider);
		else expect(body).not.toHaveProperty('provider');
	});
});

describe('frameIssues', () => {
	it('none for one first frame, with or without a last one, or for no frames at all', () => {
		expect(frameIssues(reader({ firstFrameUrl: 'https://a/1.png' }))).toEqual([]);
		expect(
			frameIssues(reader({ firstFrameUrl: 'https://a/1.png', lastFrameUrl: 'https://a/2.png' })),
		).toEqual([]);
		expect(frameIssues(reader({}))).toEqual([]);
	});

	it('a last frame without a first one (the field missing or empty)', () => {
		const issue = {
			path: 'input.image_urls.0',
			message:
				'is required when a Last Frame URL is set (got nothing): the video starts from the first frame',
		};
		expect(frameIssues(reader({ lastFrameUrl: 'https://a/2.png' }))).toEqual([issue]);
		expect(frameIssues(reader({ firstFrameUrl: ' ', lastFrameUrl: 'https://a/2.png' }))).toEqual([
			issue,
		]);
	});

	it('two URLs in one frame field, for each field', () => {
		const two = 'https://a/1.png\nhttps://a/2.png';
		expect(frameIssues(reader({ firstFrameUrl: two, lastFrameUrl: two }))).toEqual([
			{ path: 'input.image_urls.0', message: 'must be one URL (got 2)' },
			{ path: 'input.image_urls.1', message: 'must be one URL (got 2)' },
		]);
	});
});

describe('fieldFor', () => {
	it.each<[string, Parameters<typeof fieldFor>[1], string]>([
		['callback_url', 'text-to-video', 'callbackUrl'],
		['request_type', 'text-to-video', 'requestType'],
		['provider', 'text-to-video', 'options.provider'],
		['model', 'text-to-video', 'model'],
		['input.prompt', 'first_and_last_frames', 'prompt'],
		['input.aspect_ratio', 'text-to-video', 'aspectRatio'],
		['input.web_search', 'text-to-video', 'webSearch'],
		['input.image_urls', 'first_and_last_frames', 'firstFrameUrl'],
		['input.image_urls.0', 'first_and_last_frames', 'firstFrameUrl'],
		['input.image_urls.1', 'first_and_last_frames', 'lastFrameUrl'],
		['input.image_urls.1', 'omni_reference', 'imageUrls'],
		['input.video_urls.2', 'omni_reference', 'videoUrls'],
		['input.audio_urls', 'omni_reference', 'audioUrls'],
		['input.duration', 'omni_reference', 'duration'],
	])('%s in %s is %s', (path, mode, field) => {
		expect(fieldFor(path, mode)).toBe(field);
	});
});

describe('invalidItem', () => {
	const ctx = { getNode: () => NODE };
	const issue = (path: string, message: string): ContractIssue => ({ path, message });

	it('one field: named with its entry, word for word', () => {
		const error = invalidItem.call(ctx, 2, 'omni_reference', [
			issue('input.video_urls.1', 'must be a full https URL (got "x")'),
		]);
		expect(error.message).toBe('Invalid videoUrls (entry 2): must be a full https URL (got "x")');
		expect(error.description).toBe(
			'Fix the field above; nothing was sent to APIXO for this item. (API fields: input.video_urls.1)',
		);
		expect(error.context.itemIndex).toBe(2);
	});

	it('several fields: each named, frames without an entry number', () => {
		const error = invalidItem.call(ctx, 0, 'first_and_last_frames', [
			issue('input.image_urls.1', 'must be one URL (got 2)'),
			issue('input.duration', 'must be 4 to 15 (got 20)'),
		]);
		expect(error.message).toBe(
			'Invalid lastFrameUrl: must be one URL (got 2); duration: must be 4 to 15 (got 20)',
		);
		expect(error.description).toBe(
			'Fix the fields above; nothing was sent to APIXO for this item. (API fields: input.image_urls.1, input.duration)',
		);
		expect(error.context.itemIndex).toBe(0);
	});
});
