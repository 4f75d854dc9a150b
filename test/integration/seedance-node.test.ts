/**
 * The Seedance Mini node in n8n-core's execution engine, over real HTTP against the simulator.
 */
import http from 'node:http';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { POLLING, DEFAULTS } from '../../nodes/apixo/contract';
import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { toUrlList } from '../../nodes/SeedanceMini/actions/generate/body';
import { runNode, type RunNodeOptions } from '../../tools/engine';
import { loggedLines } from '../harness/sweep';
import { collector } from '../harness/gc';
import { startSimulator, type Simulator } from '../../tools/simulator/server';

const API_KEY = 'sk-node-SECRET-4242424242';
const TASK_MS = { pendingMs: 150, processingMs: 350 };
/** Small timings: the simulator's tasks take 0.5 s. */
const FAST = { firstPollDelay: 0.1, pollInterval: 0.05, maxWait: 20 };

let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [API_KEY], timing: TASK_MS, resultBytes: 64 * 1024 });
});
afterAll(async () => await sim.close());
beforeEach(() => sim.reset());

const node = new SeedanceMini();

function run(
	parameters: IDataObject,
	extra: Partial<RunNodeOptions> & { itemCount?: number } = {},
) {
	return runNode({
		node,
		parameters: parameters as RunNodeOptions['parameters'],
		items: Array.from({ length: extra.itemCount ?? 1 }, (_, i) => ({ json: { i } })),
		credentials: { apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
		...extra,
	});
}

const submits = () => sim.requests.filter((r) => r.endpoint === 'submit');
const generate = (params: IDataObject = {}) => ({
	operation: 'generate',
	mode: 'text-to-video',
	prompt: 'a fox in the snow',
	options: FAST,
	...params,
});

describe('request bodies per mode', () => {
	it('text-to-video sends the documented defaults', async () => {
		const { error } = await run(generate({ waitForCompletion: false }));
		expect(error).toBeUndefined();
		expect(submits()[0].body).toEqual({
			request_type: 'async',
			input: {
				mode: 'text-to-video',
				prompt: 'a fox in the snow',
				resolution: '720p',
				duration: 5,
				aspect_ratio: 'auto',
				sound: true,
				web_search: false,
			},
		});
	});

	it('text-to-video sends every field as set, normalized', async () => {
		await run(
			generate({
				prompt: '  a fox  ',
				resolution: '480p',
				duration: '10',
				aspectRatio: '9:16',
				sound: false,
				webSearch: true,
				waitForCompletion: false,
				options: { ...FAST, provider: 'official' },
			}),
		);
		expect(submits()[0].body).toEqual({
			request_type: 'async',
			provider: 'official',
			input: {
				mode: 'text-to-video',
				prompt: 'a fox',
				resolution: '480p',
				duration: 10,
				aspect_ratio: '9:16',
				sound: false,
				web_search: true,
			},
		});
	});

	it('first_and_last_frames sends first then last frame', async () => {
		await run(
			generate({
				mode: 'first_and_last_frames',
				firstFrameUrl: 'https://img.example.com/start.png',
				lastFrameUrl: 'https://img.example.com/end.png',
				waitForCompletion: false,
			}),
		);
		expect((submits()[0].body as IDataObject).input).toMatchObject({
			mode: 'first_and_last_frames',
			image_urls: ['https://img.example.com/start.png', 'https://img.example.com/end.png'],
		});
	});

	it('first_and_last_frames without a last frame sends one image', async () => {
		await run(
			generate({
				mode: 'first_and_last_frames',
				firstFrameUrl: 'https://img.example.com/start.png',
				waitForCompletion: false,
			}),
		);
		expect((submits()[0].body as IDataObject).input).toMatchObject({
			image_urls: ['https://img.example.com/start.png'],
		});
	});

	it('omni_reference takes lists as text, arrays and {url} objects', async () => {
		await run(
			generate({
				mode: 'omni_reference',
				imageUrls:
					'https://img.example.com/a.png, https://img.example.com/b.png\n\nhttps://img.example.com/c,w_100,h_50.png',
				videoUrls: '={{ ["https://vid.example.com/v.mp4"] }}',
				audioUrls: '={{ [{ "url": "https://aud.example.com/a.mp3" }, { "url": "" }] }}',
				waitForCompletion: false,
			}),
		);
		expect((submits()[0].body as IDataObject).input).toMatchObject({
			mode: 'omni_reference',
			image_urls: [
				'https://img.example.com/a.png',
				'https://img.example.com/b.png',
				'https://img.example.com/c,w_100,h_50.png',
			],
			video_urls: ['https://vid.example.com/v.mp4'],
			audio_urls: ['https://aud.example.com/a.mp3'],
		});
	});

	it('omni_reference leaves empty lists out', async () => {
		await run(
			generate({
				mode: 'omni_reference',
				imageUrls: 'https://img.example.com/a.png',
				videoUrls: '',
				waitForCompletion: false,
			}),
		);
		const input = (submits()[0].body as IDataObject).input as IDataObject;
		expect(input.image_urls).toEqual(['https://img.example.com/a.png']);
		expect(input).not.toHaveProperty('video_urls');
		expect(input).not.toHaveProperty('audio_urls');
	});

	it('toUrlList drops empty entries and keeps odd ones for the contract to name', () => {
		expect(toUrlList(' , \n')).toEqual([]);
		expect(toUrlList(['', 'https://a/x.png', 5])).toEqual(['https://a/x.png', 5]);
		expect(toUrlList(undefined)).toEqual([]);
	});
});

describe('waiting for results', () => {
	it.each(['text-to-video', 'first_and_last_frames', 'omni_reference'])(
		'%s: waits and outputs the parsed result',
		async (mode) => {
			const { items, error } = await run(
				generate({
					mode,
					firstFrameUrl: 'https://img.example.com/start.png',
					imageUrls: 'https://img.example.com/a.png',
				}),
			);
			expect(error).toBeUndefined();
			const json = items[0].json;
			const task = sim.tasks.get(json.taskId as string)!;
			expect(json).toMatchObject({
				state: 'success',
				videoUrl: (json.resultUrls as string[])[0],
				failCode: null,
				failMsg: null,
				estimatedCostUsd: 0.5125,
			});
			expect(json.resultUrls).toEqual([expect.stringContaining(sim.fileOrigin)]);
			expect(json.createTime).toEqual(expect.any(Number));
			expect(json.completeTime).toEqual(expect.any(Number));
			expect(json.costTime).toEqual(expect.any(Number));
			expect(task).toBeDefined();
			expect(items[0].pairedItem).toEqual({ item: 0 });
		},
	);

	it('does not poll before the first poll delay, then polls at the interval', async () => {
		const { items } = await run(
			generate({ options: { firstPollDelay: 0.3, pollInterval: 0.1, maxWait: 20 } }),
		);
		const submitAt = submits()[0].respondedAt!;
		const polls = sim.requests.filter((r) => r.endpoint === 'status');
		expect(items[0].json.state).toBe('success');
		expect(polls[0].receivedAt - submitAt).toBeGreaterThanOrEqual(295);
		for (let n = 1; n < polls.length; n++) {
			expect(polls[n].receivedAt - polls[n - 1].respondedAt!).toBeGreaterThanOrEqual(95);
		}
		// A 0.5 s task: first look at 0.3 s, then every 0.1 s — a handful of calls, not a storm.
		expect(polls.length).toBeLessThanOrEqual(1 + Math.ceil((500 - 300) / 100) + 2);
	});

	it('uses the mode-aware first poll delay when none is set', () => {
		expect(POLLING.firstPollDelay).toEqual({
			'text-to-video': 180,
			first_and_last_frames: 180,
			omni_reference: 200,
		});
		const fields = node.description.properties.flatMap(
			(p) => p.options ?? [],
		) as unknown as IDataObject[];
		const byName = (name: string) => fields.find((f) => f.name === name);
		// n8n's linter wants literal defaults; they must say what the contract says.
		expect(byName('firstPollDelay')!.default).toBe(POLLING.firstPollDelay['text-to-video']);
		expect(byName('pollInterval')!.default).toBe(POLLING.pollInterval);
		const top = (name: string) => node.description.properties.find((p) => p.name === name)!.default;
		expect([
			top('resolution'),
			top('duration'),
			top('aspectRatio'),
			top('sound'),
			top('webSearch'),
		]).toEqual([
			DEFAULTS.resolution,
			DEFAULTS.duration,
			DEFAULTS.aspectRatio,
			DEFAULTS.sound,
			DEFAULTS.webSearch,
		]);
	});

	it('a timed-out wait returns the item with timedOut and its taskId', async () => {
		sim.planNextTasks({ outcome: 'stuck' });
		const { items, error } = await run(
			generate({ options: { firstPollDelay: 0.05, pollInterval: 0.05, maxWait: 0.6 } }),
		);
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ timedOut: true, state: 'processing' });
		expect(items[0].json.taskId).toBe([...sim.tasks.keys()][0]);
		expect(sim.count('submit')).toBe(1);
	});

	it('a failed task is an error naming taskId, failCode, its advice and failMsg', async () => {
		sim.planNextTasks({
			outcome: 'failed',
			failCode: 'SensitiveContent',
			failMsg: 'blocked by safety',
		});
		const { error } = await run(generate());
		const taskId = [...sim.tasks.keys()][0];
		expect(error!.message).toBe(`Task ${taskId} failed: SensitiveContent — blocked by safety`);
		expect(String(error!.description)).toContain('Change the prompt or the reference media');
		expect(String(error!.description)).toContain(taskId);
	});

	it('an unknown failCode still gets advice', async () => {
		sim.planNextTasks({ outcome: 'failed', failCode: 'BrandNewCode', failMsg: 'odd' });
		const { error } = await run(generate());
		expect(error!.message).toContain('BrandNewCode');
		expect(String(error!.description)).toContain('contact APIXO support with the task ID');
	});

	it('with continueOnFail a failed task is an item with error, taskId, state, failCode, failMsg', async () => {
		sim.planNextTasks({}, { outcome: 'failed', failCode: 'Timeout', failMsg: 'slow upstream' }, {});
		const { items, error } = await run(generate(), { itemCount: 3, continueOnFail: true });
		expect(error).toBeUndefined();
		expect(items.map((i) => i.json.state)).toEqual(['success', 'failed', 'success']);
		expect(items[1].json).toMatchObject({
			error: expect.stringContaining('Timeout'),
			taskId: expect.stringMatching(/^[0-9a-f]{32}$/),
			failCode: 'Timeout',
			failMsg: 'slow upstream',
		});
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	it('a success whose resultJson is not JSON is a clear error with the taskId', async () => {
		sim.planNextTasks({ resultJson: 'not json' });
		const { error } = await run(generate());
		const taskId = [...sim.tasks.keys()][0];
		expect(error!.message).toContain(taskId);
		expect(error!.message).toContain('not valid JSON');
	});

	it('when one item fails the error lists the other tasks of the run', async () => {
		sim.planNextTasks({ outcome: 'failed', failCode: 'PromptInvalid' }, { outcome: 'stuck' });
		const { error } = await run(generate({ options: { ...FAST, maxWait: 10 } }), { itemCount: 2 });
		const [failed, other] = [...sim.tasks.keys()];
		expect(error!.message).toContain(failed);
		expect(String(error!.description)).toContain(other);
	});
});

describe('concurrency', () => {
	const settleTimes = () =>
		[...sim.tasks.values()].map((t) => t.createdAt + TASK_MS.pendingMs + TASK_MS.processingMs);
	/** Submits go one at a time: tasks of 3 s leave room for 20 of them on a busy machine. */
	const SLOW_MS = 3000;
	const slowTasks = (n: number) =>
		sim.planNextTasks(
			...Array.from({ length: n }, () => ({ pendingMs: 1000, processingMs: SLOW_MS - 1000 })),
		);
	const allSubmittedBeforeOneFinished = () =>
		Math.max(...submits().map((r) => r.receivedAt)) <
		Math.min(...[...sim.tasks.values()].map((t) => t.createdAt + SLOW_MS));

	it('20 items with concurrency 20 are all in flight at once', async () => {
		slowTasks(20);
		const { items, error } = await run(generate({ options: { ...FAST, concurrency: 20 } }), {
			itemCount: 20,
		});
		expect(error).toBeUndefined();
		expect(items).toHaveLength(20);
		expect(items.every((i) => i.json.state === 'success')).toBe(true);
		// Every task was submitted before the first one could finish: one task's time in all.
		expect(allSubmittedBeforeOneFinished()).toBe(true);
		expect(new Set(items.map((i) => i.json.taskId)).size).toBe(20);
		expect(items.map((i) => (i.pairedItem as unknown as IDataObject).item)).toEqual([
			...Array(20).keys(),
		]);
	});

	it('a Concurrency the user set (10) is a hard cap: the second ten start as the first ten finish', async () => {
		const { items } = await run(generate({ options: { ...FAST, concurrency: 10 } }), {
			itemCount: 20,
		});
		expect(items.every((i) => i.json.state === 'success')).toBe(true);
		const created = [...sim.tasks.values()].map((t) => t.createdAt).sort((a, b) => a - b);
		const firstDone = Math.min(...settleTimes());
		expect(created.filter((t) => t < firstDone)).toHaveLength(10);
	});

	it('left unset, the concurrency grows while APIXO accepts: 20 items all in flight at once', async () => {
		slowTasks(20);
		const { items } = await run(generate(), { itemCount: 20 });
		expect(items.every((i) => i.json.state === 'success')).toBe(true);
		expect(allSubmittedBeforeOneFinished()).toBe(true);
		expect(sim.count('submit')).toBe(20);
	});

	it("left unset, it finds the account's limit: waves of k tasks, one 429 per back-off step", async () => {
		// The account holds at most 4 unfinished tasks; a 5th submit is refused (creating nothing).
		sim.taskLimit = { tasks: 4 };
		try {
			const { items, error } = await run(generate(), { itemCount: 12 });
			expect(error).toBeUndefined();
			expect(items.every((i) => i.json.state === 'success')).toBe(true);
			expect(sim.tasks.size).toBe(12);
			// Never more than 4 in flight, so never more than one refused submit at a time...
			const refused = sim.requests.filter((r) => r.endpoint === 'submit' && r.status === 429);
			const submitsSeen = sim.requests.filter((r) => r.endpoint === 'submit');
			for (const limited of refused) {
				const next = submitsSeen.find((r) => r.seq > limited.seq);
				// ...and the next submit waits at least the backoff floor after a 429.
				if (next) expect(next.receivedAt - limited.respondedAt!).toBeGreaterThanOrEqual(480);
			}
			// One probe per wave at most: 12 items in waves of 4 is 3 waves.
			expect(refused.length).toBeLessThanOrEqual(4);
		} finally {
			sim.taskLimit = undefined;
		}
	});

	it('a 429 on submit (too many tasks) waits and retries; nothing is lost or doubled', async () => {
		sim.inject({ endpoint: 'submit', kind: 'http', status: 429, retryAfterSeconds: 0.2, times: 3 });
		const { items, error } = await run(generate({ options: { ...FAST, concurrency: 5 } }), {
			itemCount: 5,
		});
		expect(error).toBeUndefined();
		expect(items.every((i) => i.json.state === 'success')).toBe(true);
		expect(sim.tasks.size).toBe(5);
		expect(sim.count('submit')).toBe(8);
	});
});

describe('submit without waiting and callbacks', () => {
	it('async without waiting returns taskId, requestType and the estimate', async () => {
		const { items } = await run(
			generate({ waitForCompletion: false, resolution: '480p', duration: 8 }),
		);
		expect(items[0].json).toEqual({
			taskId: expect.stringMatching(/^[0-9a-f]{32}$/),
			requestType: 'async',
			estimatedCostUsd: 0.38,
		});
		expect(sim.count('status')).toBe(0);
	});

	it('callback mode sends callback_url, returns at once, and APIXO delivers there', async () => {
		const received: IDataObject[] = [];
		const receiver = http.createServer((req, res) => {
			let body = '';
			req.on('data', (c) => (body += c));
			req.on('end', () => {
				received.push(JSON.parse(body));
				res.end('ok');
			});
		});
		await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
		const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/webhook/apixo?token=t`;
		const { items, error } = await run(generate({ requestType: 'callback', callbackUrl: url }));
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ requestType: 'callback', taskId: expect.any(String) });
		expect((submits()[0].body as IDataObject).callback_url).toBe(url);
		for (let i = 0; i < 100 && received.length === 0; i++)
			await new Promise((r) => setTimeout(r, 50));
		receiver.closeAllConnections();
		receiver.close();
		expect((received[0].data as IDataObject).taskId).toBe(items[0].json.taskId);
	});

	it('callback mode rejects a public plain-http URL before sending', async () => {
		const { error } = await run(
			generate({ requestType: 'callback', callbackUrl: 'http://hooks.example.com/x' }),
		);
		expect(error!.message).toContain('callbackUrl');
		expect(error!.message).toContain('https');
		expect(sim.count()).toBe(0);
	});
});

describe('invalid input: a clear error and no request', () => {
	const cases: Array<[string, IDataObject, string[]]> = [
		['empty prompt', { prompt: '   ' }, ['prompt', 'empty']],
		['duration out of range', { duration: 20 }, ['duration', '4 to 15', 'got 20']],
		['duration not a number', { duration: 'ten' }, ['duration', 'got "ten"']],
		['resolution', { resolution: '1080p' }, ['resolution', '"480p"', '"1080p"']],
		['aspect ratio', { aspectRatio: '2:1' }, ['aspectRatio', '"21:9"', '"2:1"']],
		['sound not boolean', { sound: 'yes' }, ['sound', 'boolean', '"yes"']],
		['webSearch not boolean', { webSearch: 'no' }, ['webSearch', 'boolean']],
		['mode', { mode: 'image-to-video' }, ['mode', 'omni_reference', '"image-to-video"']],
		[
			// A required field left empty is stopped by n8n itself; an expression giving nothing reaches us.
			'first frame missing',
			{ mode: 'first_and_last_frames', firstFrameUrl: '={{ "" }}' },
			['firstFrameUrl', '1 to 2'],
		],
		[
			// Defect: the last frame alone was sent as the first (a paid, wrong video).
			'last frame without a first frame',
			{
				mode: 'first_and_last_frames',
				firstFrameUrl: '={{ "" }}',
				lastFrameUrl: 'https://img.example.com/end.png',
			},
			['firstFrameUrl', 'Last Frame URL', 'got nothing'],
		],
		[
			'two URLs in one frame field',
			{
				mode: 'first_and_last_frames',
				firstFrameUrl: 'https://img.example.com/a.png\nhttps://img.example.com/b.png',
			},
			['firstFrameUrl', 'one URL', 'got 2'],
		],
		[
			'first frame not a URL',
			{ mode: 'first_and_last_frames', firstFrameUrl: 'frame.png' },
			['firstFrameUrl', 'http(s) URL'],
		],
		[
			'too many omni images',
			{
				mode: 'omni_reference',
				imageUrls: Array.from({ length: 10 }, (_, i) => `https://a/${i}.png`).join('\n'),
			},
			['imageUrls', 'at most 9', 'got 10'],
		],
		[
			'too many omni videos',
			{
				mode: 'omni_reference',
				videoUrls: 'https://a/1.mp4,https://a/2.mp4,https://a/3.mp4,https://a/4.mp4',
			},
			['videoUrls', 'at most 3'],
		],
		[
			'too many omni audios',
			{
				mode: 'omni_reference',
				imageUrls: 'https://a/1.png',
				audioUrls: 'https://a/1.mp3\nhttps://a/2.mp3\nhttps://a/3.mp3\nhttps://a/4.mp3',
			},
			['audioUrls', 'at most 3'],
		],
		[
			'audio-only omni',
			{ mode: 'omni_reference', audioUrls: 'https://a/1.mp3' },
			['audioUrls', 'image or video'],
		],
		[
			'omni entry not a URL',
			{ mode: 'omni_reference', imageUrls: '={{ [42] }}' },
			['imageUrls', '42'],
		],
		[
			'callback without URL',
			{ requestType: 'callback', callbackUrl: '={{ "" }}' },
			['callbackUrl', 'required'],
		],
		// Defect: n8n's errors read "eacces" or "eexist" anywhere as an errno and swapped the
		// message for a generic "Forbidden by access permissions" / "already exists".
		[
			'callback URL on a host n8n would misread',
			{ requestType: 'callback', callbackUrl: 'http://freeaccess.example.com/hook' },
			['callbackUrl', 'https', 'http://freeaccess.example.com/hook'],
		],
		[
			'frame file name n8n would misread',
			{ mode: 'first_and_last_frames', firstFrameUrl: 'preexisting.png' },
			['firstFrameUrl', 'http(s) URL', 'preexisting.png'],
		],
		['provider', { options: { ...FAST, provider: 'cheap' } }, ['provider', '"cheap"']],
		['max cost', { duration: 15, options: { ...FAST, maxCost: 1 } }, ['1.5375', 'Max Cost $1']],
	];

	it.each(cases)('%s', async (_name, params, words) => {
		const { error } = await run(generate(params));
		expect(error).toBeDefined();
		for (const word of words) expect(error!.message).toContain(word);
		expect(sim.count()).toBe(0);
	});

	it('an invalid item stops the batch before any request', async () => {
		const { error } = await run(generate({ duration: '={{ $json.i === 2 ? 99 : 5 }}' }), {
			itemCount: 3,
		});
		expect(error!.message).toContain('got 99');
		expect(error!.context!.itemIndex).toBe(2);
		expect(sim.count()).toBe(0);
	});

	it('with continueOnFail only the invalid item gets the error', async () => {
		const { items, error } = await run(generate({ duration: '={{ $json.i === 1 ? 99 : 5 }}' }), {
			itemCount: 3,
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(items.map((i) => i.json.state ?? 'error')).toEqual(['success', 'error', 'success']);
		expect(items[1].json.error).toContain('duration');
		expect(sim.count('submit')).toBe(2);
	});
});

describe('errors name their item', () => {
	it('Get Balance: a failed read is the first item’s', async () => {
		const { error } = await run(
			{ operation: 'getBalance' },
			{
				itemCount: 2,
				credentials: { apixoApi: { apiKey: 'sk-wrong', baseUrl: sim.baseUrl } },
			},
		);
		expect(error!.message).toContain('401');
		expect(error!.context!.itemIndex).toBe(0);
	});

	it('Generate: a refused submit is its item’s', async () => {
		sim.inject({ endpoint: 'submit', kind: 'http', status: 402 });
		const { error } = await run(generate({ waitForCompletion: false }));
		expect(error!.message).toContain('402');
		expect(error!.context!.itemIndex).toBe(0);
	});

	it('an expression that fails in one item is that item’s error, nothing sent', async () => {
		const { error } = await run(
			generate({ prompt: '={{ $json.i === 1 ? $json.no.deeper : "ok" }}' }),
			{
				itemCount: 2,
			},
		);
		expect(error).toBeDefined();
		expect(error!.context!.itemIndex).toBe(1);
		expect(sim.count()).toBe(0);
	});

	it('an operation this version does not know says so', async () => {
		const { error } = await run({ operation: 'upscale' });
		expect(error!.message).toBe('The operation "upscale" is not supported');
		expect(sim.count()).toBe(0);
	});

	it('each submit is logged with its task and item', async () => {
		const before = loggedLines().length;
		const { items } = await run(generate({ waitForCompletion: false }));
		const taskId = items[0].json.taskId as string;
		expect(loggedLines().slice(before)).toContain(
			`Seedance Mini: submitted task ${taskId} (item 0) {"taskId":"${taskId}"}`,
		);
	});
});

describe('Get Status', () => {
	async function finishedTask(): Promise<string> {
		const { items } = await run(generate());
		sim.requests.length = 0;
		return items[0].json.taskId as string;
	}

	it('returns the current state without waiting', async () => {
		const { items } = await run(generate({ waitForCompletion: false }));
		const taskId = items[0].json.taskId as string;
		const status = await run({ operation: 'getStatus', taskId });
		expect(status.items[0].json).toMatchObject({
			taskId,
			state: expect.stringMatching(/pending|processing/),
		});
		expect(status.items[0].json.resultUrls).toEqual([]);
	});

	it('waits for completion when asked', async () => {
		const { items } = await run(generate({ waitForCompletion: false }));
		const taskId = items[0].json.taskId as string;
		const status = await run({
			operation: 'getStatus',
			taskId,
			waitForCompletion: true,
			options: FAST,
		});
		expect(status.items[0].json).toMatchObject({ taskId, state: 'success' });
	});

	it('a finished task is read once', async () => {
		const taskId = await finishedTask();
		const status = await run({
			operation: 'getStatus',
			taskId,
			waitForCompletion: true,
			options: FAST,
		});
		expect(status.items[0].json.state).toBe('success');
		expect(sim.count('status')).toBe(1);
	});

	it('an empty task ID is refused before any request', async () => {
		const { error } = await run({ operation: 'getStatus', taskId: '  ' });
		expect(error!.message).toContain('taskId');
		expect(sim.count()).toBe(0);
	});

	it('a task ID that is not text is refused, showing the value (kept as written)', async () => {
		// n8n's errors read "eperm" anywhere as EPERM and would say "Operation not permitted".
		const { error } = await run({ operation: 'getStatus', taskId: '={{ { eperm: 1 } }}' });
		expect(error!.message).toBe(
			'Invalid taskId: must be the task ID returned by Generate (got {"eperm":1})',
		);
		expect(sim.count()).toBe(0);
	});

	it('a taskId that is not text: refused word for word, for its item; nothing sent', async () => {
		const { error } = await run(
			{ operation: 'getStatus', taskId: '={{ $json.i === 1 ? [1] : "task_ok" }}' },
			{ itemCount: 2 },
		);
		expect(error!.message).toBe(
			'Invalid taskId: must be the task ID returned by Generate (got [1])',
		);
		expect(error!.description).toBe('Nothing was sent to APIXO for this item.');
		expect(error!.context!.itemIndex).toBe(1);
		expect(sim.count()).toBe(0);
	});

	it('with continueOnFail an invalid taskId is that item’s error; the others are read', async () => {
		const taskId = await finishedTask();
		const { items, error } = await run(
			{ operation: 'getStatus', taskId: `={{ $json.i === 0 ? "" : "${taskId}" }}` },
			{ itemCount: 2, continueOnFail: true },
		);
		expect(error).toBeUndefined();
		expect(items[0].json.error).toBe(
			'Invalid taskId: must be the task ID returned by Generate (got "")',
		);
		expect(items[1].json).toMatchObject({ taskId, state: 'success' });
		expect(sim.count('status')).toBe(1);
	});

	it('a numeric task ID (from a sheet) is read as text', async () => {
		const { error } = await run({ operation: 'getStatus', taskId: '={{ 12345 }}' });
		expect(sim.requests.find((r) => r.endpoint === 'status')!.query.taskId).toBe('12345');
		expect(error!.message).toContain('404');
	});

	it('a failed first read names its item', async () => {
		const taskId = await finishedTask();
		const { error } = await run(
			{ operation: 'getStatus', taskId: `={{ $json.i === 1 ? "task_nope" : "${taskId}" }}` },
			{ itemCount: 2 },
		);
		expect(String(error!.description)).toContain('task_nope');
		expect(error!.context!.itemIndex).toBe(1);
	});

	it('an unknown task ID is a 404 naming it', async () => {
		const { error } = await run({ operation: 'getStatus', taskId: 'task_nope' });
		expect(error!.message).toContain('404');
		expect(String(error!.description)).toContain('task_nope');
	});
});

describe('states APIXO may answer beyond the page', () => {
	// A public APIXO client maps `processing_r2` as in progress and lower-cases states.
	const unusual = { runningStates: ['queued', 'processing_r2'], stateCase: 'upper' as const };

	it('Generate waits through unknown running states, reads SUCCESS as success, logs what it saw', async () => {
		sim.planNextTasks({ ...unusual, omitCostTime: true });
		const { items, error } = await run(generate());
		expect(error).toBeUndefined();
		expect(items[0].json).toMatchObject({ state: 'success', costTime: null });
		expect(items[0].json.videoUrl).toContain(String(items[0].json.taskId));
		const taskId = String(items[0].json.taskId);
		const seen = loggedLines().filter((line) => line.includes(taskId));
		expect(seen.some((line) => line.includes('is processing_r2'))).toBe(true);
	});

	it('Get Status outputs states in lower case and waits through them', async () => {
		sim.planNextTasks(unusual, { ...unusual, outcome: 'failed', failCode: 'CONTENT_VIOLATION' });
		const first = await run(generate({ waitForCompletion: false }));
		const second = await run(generate({ waitForCompletion: false }));
		const running = await run({ operation: 'getStatus', taskId: first.items[0].json.taskId });
		expect(running.items[0].json.state).toBe('queued');
		const waitFor = (taskId: IDataObject[string]) =>
			run({ operation: 'getStatus', taskId, waitForCompletion: true, options: FAST });
		const done = await waitFor(first.items[0].json.taskId);
		expect(done.items[0].json.state).toBe('success');
		const failed = await waitFor(second.items[0].json.taskId);
		expect(failed.error!.message).toContain('failed: CONTENT_VIOLATION');
		expect(String(failed.error!.description)).toContain('safety checks');
	});
});

describe('download', () => {
	it('streams the video into binary data, with no Authorization to the file host', async () => {
		const { items, error } = await run(
			generate({ options: { ...FAST, downloadVideo: true, binaryPropertyName: 'video' } }),
		);
		expect(error).toBeUndefined();
		const item: INodeExecutionData = items[0];
		const taskId = item.json.taskId as string;
		expect(item.binary!.video).toMatchObject({
			mimeType: 'video/mp4',
			fileName: `${taskId}.mp4`,
		});
		// Filesystem mode: the item holds a reference, not the bytes.
		expect(item.binary!.video.id).toEqual(expect.stringContaining('filesystem'));
		const fileRequests = sim.requests.filter((r) => r.endpoint === 'file');
		expect(fileRequests).toHaveLength(1);
		expect(fileRequests[0].headers.authorization).toBeUndefined();
	});

	it('a large result does not grow memory by its size', async () => {
		const big = await startSimulator({
			apiKeys: [API_KEY],
			timing: { pendingMs: 10, processingMs: 10 },
			resultBytes: 96 * 1024 * 1024,
		});
		// A sample above the limit is taken again after a collection: it must be memory that is
		// retained, not garbage waiting for V8 to collect it (whose timing varies run to run).
		const LIMIT = 48 * 1024 * 1024;
		const gc = collector();
		gc();
		const before = process.memoryUsage();
		const grown = () => {
			const m = process.memoryUsage();
			return m.heapUsed + m.arrayBuffers - before.heapUsed - before.arrayBuffers;
		};
		let peak = 0;
		const sample = setInterval(() => {
			let now = grown();
			if (now >= LIMIT) {
				gc();
				now = grown();
			}
			peak = Math.max(peak, now);
		}, 5);
		const { items, error } = await runNode({
			node,
			parameters: generate({
				options: { ...FAST, downloadVideo: true },
			}) as RunNodeOptions['parameters'],
			credentials: { apixoApi: { apiKey: API_KEY, baseUrl: big.baseUrl } },
		});
		clearInterval(sample);
		await big.close();
		expect(error).toBeUndefined();
		expect(items[0].binary!.data.fileSize).toBe('101 MB'); // 96 MiB
		expect(peak).toBeLessThan(LIMIT);
	});
});

describe('cancel', () => {
	it('stopping the execution ends the wait within one interval', async () => {
		sim.planNextTasks({ outcome: 'stuck' });
		const stop = new AbortController();
		const started = Date.now();
		const running = run(
			generate({ options: { firstPollDelay: 0.05, pollInterval: 0.2, maxWait: 60 } }),
			{
				signal: stop.signal,
			},
		);
		for (let i = 0; i < 200 && sim.count('status') < 2; i++)
			await new Promise((r) => setTimeout(r, 20));
		stop.abort();
		const stoppedAt = Date.now();
		await running;
		expect(Date.now() - stoppedAt).toBeLessThan(1000);
		const pollsAtStop = sim.count('status');
		await new Promise((r) => setTimeout(r, 500));
		expect(sim.count('status')).toBe(pollsAtStop);
		expect(Date.now() - started).toBeLessThan(10_000);
	});
});

describe('the node as the editor shows it', () => {
	it('the subtitle names the operation (and the mode for Generate)', () => {
		const subtitle = (parameters: IDataObject) => {
			const node = {
				id: '1',
				name: 'n',
				type: 'seedanceMini',
				typeVersion: 1,
				position: [0, 0] as [number, number],
				parameters: parameters as never,
			};
			const workflow = new Workflow({
				nodes: [node],
				connections: {},
				active: false,
				nodeTypes: { getByName: () => undefined, getByNameAndVersion: () => undefined } as never,
			});
			return workflow.expression.getSimpleParameterValue(
				node,
				new SeedanceMini().description.subtitle!,
				'internal',
				{},
			);
		};
		expect(subtitle({ operation: 'getStatus' })).toBe('Get Status');
		expect(subtitle({ operation: 'getBalance' })).toBe('Get Balance');
		expect(subtitle({ operation: 'generate', mode: 'omni_reference' })).toBe(
			'Generate: omni_reference',
		);
	});
});
