/**
 * The guards before paying: Get Balance, the batch budget, and reference media measured from
 * real files' headers (tools/simulator/media) served by the simulator's file host with Range.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { runNode, type RunNodeOptions } from '../../tools/engine';
import { startSimulator, type Simulator } from '../../tools/simulator/server';

const API_KEY = 'sk-costs-SECRET-1618';
let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [API_KEY], timing: { pendingMs: 50, processingMs: 50 } });
});
afterAll(async () => await sim.close());
beforeEach(() => {
	sim.reset();
	sim.balanceUsd = 100;
});

const media = (name: string) => `${sim.fileOrigin}/media/${name}`;
const run = (parameters: IDataObject, itemCount = 1) =>
	runNode({
		node: new SeedanceMini(),
		parameters: parameters as RunNodeOptions['parameters'],
		items: Array.from({ length: itemCount }, (_, i) => ({ json: { i } })),
		credentials: { apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
	});
const omni = (params: IDataObject, options: IDataObject = {}) => ({
	operation: 'generate',
	mode: 'omni_reference',
	prompt: 'dance like @video1 to @audio1',
	resolution: '720p',
	duration: 5,
	waitForCompletion: false,
	options,
	...params,
});
const mediaRequests = () => sim.requests.filter((r) => r.path.startsWith('/media/'));

it('Get Balance returns the account balance, free', async () => {
	sim.balanceUsd = 12.345;
	const { items, error } = await run({ operation: 'getBalance' }, 2);
	expect(error).toBeUndefined();
	expect(items.map((i) => i.json)).toEqual([{ balanceUsd: 12.345 }, { balanceUsd: 12.345 }]);
	expect(sim.count('balance')).toBe(1);
	expect(sim.balanceUsd).toBe(12.345);
});

describe('reference media pre-flight', () => {
	it('reads durations from the headers with Range requests and makes the cost exact', async () => {
		const { items, error } = await run(
			omni({
				videoUrls: `${media('video-3s.mp4')}\n${media('video-8s-moov-at-end.mp4')}`,
				audioUrls: `${media('audio-4s.m4a')}\n${media('audio-3s.wav')}`,
			}),
		);
		expect(error).toBeUndefined();
		expect(sim.count('submit')).toBe(1);
		const json = items[0].json;
		expect(json.referenceMedia).toEqual([
			{ url: media('video-3s.mp4'), type: 'video', durationS: 3, format: 'mp4' },
			{ url: media('video-8s-moov-at-end.mp4'), type: 'video', durationS: 8, format: 'mp4' },
			{ url: media('audio-4s.m4a'), type: 'audio', durationS: 4, format: 'm4a' },
			{ url: media('audio-3s.wav'), type: 'audio', durationS: 3, format: 'wav' },
		]);
		// (5 s output + 11 s of reference video) × $0.0625, the API page's 720p rate with video
		// references (a literal: the product's own price table would agree with a wrong rate)
		expect(json.estimatedCostUsd).toBe(1);
		expect(json.estimatedCostNote).toBeUndefined();
		// Headers only: a Range on every read, a few reads a file, and no credential to the media host.
		expect(mediaRequests().every((r) => /^bytes=\d+-\d+$/.test(String(r.headers.range)))).toBe(
			true,
		);
		expect(mediaRequests().every((r) => r.headers.authorization === undefined)).toBe(true);
		expect(mediaRequests().length).toBeLessThanOrEqual(4 + 2);
		expect(mediaRequests().filter((r) => r.path.includes('moov-at-end')).length).toBe(2);
	});

	it.each([
		[
			'a video over 15 s',
			{ videoUrls: 'video-16s.mp4' },
			/videoUrls \(entry 1\): must be a video file of 2 to 15 seconds \(got 16 s\)/,
		],
		[
			'an audio over 15 s',
			{ videoUrls: 'video-3s.mp4', audioUrls: 'audio-16s.mp3' },
			/audioUrls \(entry 1\): must be an audio file of 2 to 15 seconds \(got 16\.\d+ s\)/,
		],
		[
			'videos over 15 s in total',
			{ videoUrls: 'video-8s-moov-at-end.mp4\nvideo-8s-moov-at-end.mp4' },
			/videoUrls: must total at most 15 seconds of video \(got 16 s\)/,
		],
		[
			'audio over 15 s in total',
			{
				imageUrls: 'https://cdn.example.com/a.png',
				audioUrls: 'audio-7s-vbr.mp3\naudio-6s-cbr.mp3\naudio-4s.m4a',
			},
			/audioUrls: must total at most 15 seconds of audio/,
		],
	])('%s is refused with nothing submitted', async (_name, lists, message) => {
		const params = Object.fromEntries(
			Object.entries(lists).map(([field, names]) => [
				field,
				field === 'imageUrls' ? names : names.split('\n').map(media).join('\n'),
			]),
		);
		const { error } = await run(omni(params));
		expect(error?.message).toMatch(message);
		expect(String(error?.description)).toContain('nothing was sent to APIXO');
		expect(sim.count('submit')).toBe(0);
	});

	it('a server that ignores Range is read from the start and cut off', async () => {
		const { items, error } = await run(omni({ videoUrls: `${media('video-5s.mov')}?norange=1` }));
		expect(error).toBeUndefined();
		expect(items[0].json.referenceMedia).toEqual([
			expect.objectContaining({ durationS: 5, format: 'mov' }),
		]);
	});

	it('an unreadable header is said in the output and left to the API; the estimate is an upper bound', async () => {
		const { items, error } = await run(omni({ videoUrls: media('garbage-5s.mp4') }));
		expect(error).toBeUndefined();
		expect(sim.count('submit')).toBe(1);
		const [reference] = items[0].json.referenceMedia as IDataObject[];
		expect(reference.error).toMatch(/header not read .*APIXO checks this file/);
		expect(items[0].json.estimatedCostNote).toBe(
			"Upper bound: the reference videos' lengths were not measured, so 15 s of reference video (the most the API accepts) is counted at $0.0625/s; the real cost is lower when they are shorter",
		);
	});

	it('only videos and audios are read: images alone read nothing, images with an audio read that', async () => {
		const image = 'https://cdn.example.com/a.png';
		const imagesOnly = await run(omni({ imageUrls: image, prompt: 'like @image1' }));
		expect(imagesOnly.error).toBeUndefined();
		expect(imagesOnly.items[0].json.referenceMedia).toBeUndefined();
		const withAudio = await run(omni({ imageUrls: image, audioUrls: media('audio-4s.m4a') }));
		expect(withAudio.error).toBeUndefined();
		expect(withAudio.items[0].json.referenceMedia).toEqual([
			{ url: media('audio-4s.m4a'), type: 'audio', durationS: 4, format: 'm4a' },
		]);
		expect(mediaRequests().every((r) => r.path.startsWith('/media/audio-4s.m4a'))).toBe(true);
	});

	it('one of two videos unread: the estimate counts the most reference video the API accepts and says so', async () => {
		const { items, error } = await run(
			omni({ videoUrls: `${media('video-3s.mp4')}\n${media('garbage-5s.mp4')}` }),
		);
		expect(error).toBeUndefined();
		// (5 s output + 15 s, the most reference video allowed) × $0.0625 (720p with video
		// references): an upper bound no guard can be surprised by; the 3 s read are not enough.
		expect(items[0].json.estimatedCostUsd).toBe(1.25);
		expect(items[0].json.estimatedCostNote).toMatch(/^Upper bound: /);
	});

	it('with the check off, nothing is read and the API refuses an over-long file itself', async () => {
		const { error } = await run(
			omni({ videoUrls: media('video-16s.mp4') }, { preflightMedia: false }),
		);
		expect(mediaRequests()).toHaveLength(0);
		expect(sim.count('submit')).toBe(1);
		expect(sim.tasks.size).toBe(0);
		expect(error?.message).toMatch(/400|422/);
	});
});

describe('Max Cost', () => {
	// 5 s at 720p with a video reference, not measured: (5 + 15 s of reference video at most)
	// × $0.0625 (the page's rate) = $1.25, an upper bound.
	const unmeasured = (maxCost: number) =>
		run(omni({ videoUrls: media('video-3s.mp4') }, { preflightMedia: false, maxCost }));

	it('an estimate at or under Max Cost is submitted', async () => {
		for (const maxCost of [1.25, 5]) {
			const { items, error } = await unmeasured(maxCost);
			expect(error).toBeUndefined();
			expect(items[0].json.estimatedCostUsd).toBe(1.25);
		}
		expect(sim.count('submit')).toBe(2);
	});

	it('above it: the estimate, how it is made and what to do, word for word; nothing sent', async () => {
		// Between the output alone ($0.3125) and the upper bound: refused, as the file could be 15 s.
		const { error } = await unmeasured(0.5);
		expect(error!.message).toBe('Estimated cost $1.25 is above Max Cost $0.5');
		expect(error!.description).toBe(
			'20 s × $0.0625/s (720p, with video reference). Lower the duration or resolution, or raise Max Cost. Nothing was sent to APIXO.',
		);
		const textOnly = await run({ ...omni({}), mode: 'text-to-video', options: { maxCost: 0.1 } });
		expect(textOnly.error!.description).toBe(
			'5 s × $0.1025/s (720p). Lower the duration or resolution, or raise Max Cost. Nothing was sent to APIXO.',
		);
		expect(sim.count()).toBe(0);
	});
});

describe('reference media behind a redirect', () => {
	it('with a local APIXO (a stand-in), a redirect to a local media host is followed', async () => {
		const redirector = http.createServer((_request, response) => {
			response.writeHead(302, { location: media('video-3s.mp4') });
			response.end();
		});
		await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
		const { port } = redirector.address() as AddressInfo;
		try {
			const { items, error } = await run(omni({ videoUrls: `http://127.0.0.1:${port}/video.mp4` }));
			expect(error).toBeUndefined();
			expect(items[0].json.referenceMedia).toEqual([
				{ url: `http://127.0.0.1:${port}/video.mp4`, type: 'video', durationS: 3, format: 'mp4' },
			]);
		} finally {
			redirector.closeAllConnections();
			await new Promise((r) => redirector.close(r));
		}
	});
});

describe('batch budget', () => {
	const costly = {
		operation: 'generate',
		mode: 'text-to-video',
		prompt: 'a long shot',
		resolution: '720p',
		duration: 15,
		waitForCompletion: false,
	};
	/** 15 s × $0.1025 (the API page's 720p rate without video references) a task, 3 tasks. */

	it('a batch over the budget is refused whole, listing the total and the most expensive items', async () => {
		const { error } = await run({ ...costly, options: { budgetUsd: 2 } }, 3);
		expect(error?.message).toBe('Estimated total $4.6125 for 3 items is above the budget of $2');
		expect(error?.description).toMatch(
			/Budget \$2, balance \$100\. Most expensive: item 0: \$1\.5375, item 1: \$1\.5375, item 2: \$1\.5375\. .*Nothing was submitted/,
		);
		expect(sim.count('submit')).toBe(0);
		expect(sim.count('balance')).toBe(1);
	});

	it('a batch over the account balance is refused too', async () => {
		sim.balanceUsd = 3;
		const { error } = await run({ ...costly, options: { budgetUsd: 50 } }, 3);
		expect(error?.message).toMatch(/is above the account balance of \$3$/);
		expect(sim.count('submit')).toBe(0);
	});

	it('the three most expensive items are named, dearest first', async () => {
		// 4, 15, 6 and 10 s at $0.1025/s: $0.41, $1.5375, $0.615, $1.025.
		const { error } = await run(
			{ ...costly, duration: '={{ [4, 15, 6, 10][$json.i] }}', options: { budgetUsd: 1 } },
			4,
		);
		expect(error?.message).toBe('Estimated total $3.5875 for 4 items is above the budget of $1');
		expect(error?.description).toContain(
			'Most expensive: item 1: $1.5375, item 3: $1.025, item 2: $0.615. Nothing was submitted',
		);
		expect(sim.count('submit')).toBe(0);
	});

	it('a total equal to the budget or to the balance is within them', async () => {
		// One 10 s task: $1.025.
		const ten = { ...costly, duration: 10 };
		sim.balanceUsd = 1.025;
		expect((await run({ ...ten, options: { budgetUsd: 1.025 } })).error).toBeUndefined();
		expect(sim.count('submit')).toBe(1);
	});

	it('a total equal to the budget but above the balance names the balance, for 1 item', async () => {
		sim.balanceUsd = 1;
		const { error } = await run({ ...costly, duration: 10, options: { budgetUsd: 1.025 } });
		expect(error?.message).toBe(
			'Estimated total $1.025 for 1 item is above the account balance of $1',
		);
		expect(error?.description).not.toContain('reference video');
	});

	it('with an item whose reference lengths are unknown, the total is said to count the most allowed', async () => {
		const { error } = await run(
			{
				...omni({
					videoUrls: `={{ [${JSON.stringify(media('garbage-5s.mp4'))}, ${JSON.stringify(media('video-3s.mp4'))}][$json.i] }}`,
				}),
				options: { budgetUsd: 0.01 },
			},
			2,
		);
		expect(error?.message).toMatch(/^Estimated total \$[\d.]+ for 2 items is above the budget/);
		expect(error?.description).toContain(
			'Some estimates count 15 s of reference video (the most the API accepts) because their lengths could not be measured.',
		);
		expect(sim.count('submit')).toBe(0);
	});

	it("the balance read's error names the first item that is sent (item 0 failed under Continue On Fail)", async () => {
		sim.inject({ endpoint: 'balance', kind: 'http', status: 401, times: 5 });
		const { error } = await runNode({
			node: new SeedanceMini(),
			parameters: {
				...costly,
				prompt: '={{ $json.i === 0 ? "" : "a long shot" }}',
				options: { budgetUsd: 50 },
			} as RunNodeOptions['parameters'],
			items: [0, 1, 2].map((i) => ({ json: { i } })),
			credentials: { apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
			continueOnFail: true,
		});
		expect(error?.message).toMatch(/401/);
		expect(error!.context!.itemIndex).toBe(1);
		expect(sim.count('submit')).toBe(0);
	});

	it('a batch within budget and balance is submitted', async () => {
		const { items, error } = await run({ ...costly, options: { budgetUsd: 5 } }, 3);
		expect(error).toBeUndefined();
		expect(items).toHaveLength(3);
		expect(sim.count('submit')).toBe(3);
	});
});
