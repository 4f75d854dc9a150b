/**
 * Hosts that are not APIXO and misbehave: reference-media hosts that trickle, stall or redirect
 * into the local network during the pre-flight, result hosts that stop sending or send too much
 * during the download, and reference URLs that name the local network at all. The node must cut
 * each off in bounded time, say why in one short line, never send the APIXO key, and leave no
 * timer or socket behind.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import net from 'node:net';
import path from 'node:path';

import { MEDIA_DIR } from '../../tools/simulator/files';

import type { IDataObject } from 'n8n-workflow';

import { waitOptions } from '../../nodes/SeedanceMini/actions/descriptions';
import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { HEAD_BYTES } from '../../nodes/apixo/mediaDuration';
import { mediaDeadlines, measureReference } from '../../nodes/SeedanceMini/helpers/rangeReader';
import { recordFigures } from '../harness/figures';
import { expectNothingLeft, handles, settle } from '../harness/handles';
import {
	endless,
	serveRange,
	startHostileHost,
	trickle,
	type Behaviour,
	type HostileHost,
} from '../harness/hostile-host';
import { fmt, wav } from '../harness/audio';
import { fragmentedMp4, mehd, mvhd, trak, trex, box } from '../harness/mp4';
import { probeNode, runNode, type RunNodeOptions } from '../../tools/engine';
import { startSimulator, type Simulator } from '../../tools/simulator/server';

const API_KEY = 'sk-hostile-SECRET-5150';
const PUBLIC_BASE_URL = 'https://api.apixo.ai/api/v1';
const MEDIA = MEDIA_DIR;
const VIDEO_3S = readFileSync(path.join(MEDIA, 'video-3s.mp4'));
const MOOV_AT_END = readFileSync(path.join(MEDIA, 'video-8s-moov-at-end.mp4'));
const DEFAULT_DEADLINES = { ...mediaDeadlines };
const FAST = { firstPollDelay: 0.05, pollInterval: 0.05, maxWait: 20 };

let sim: Simulator;
const hosts: HostileHost[] = [];
const figures: Record<string, number> = {};
beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [API_KEY], timing: { pendingMs: 20, processingMs: 20 } });
});
afterAll(async () => {
	await sim.close();
	recordFigures('hostile hosts', figures);
});
beforeEach(() => sim.reset());
afterEach(async () => {
	Object.assign(mediaDeadlines, DEFAULT_DEADLINES);
	// Plain requests: the APIXO key never reaches a media or result host.
	const requests = hosts.flatMap((host) => host.requests);
	await Promise.all(hosts.splice(0).map((host) => host.close()));
	expect(requests.filter((r) => r.authorization !== undefined)).toEqual([]);
});

async function hostile(behaviour: Behaviour) {
	const host = await startHostileHost(behaviour);
	hosts.push(host);
	return host;
}
const counted = (figure: string) => (figures[figure] = (figures[figure] ?? 0) + 1);

const run = (parameters: IDataObject, extra: Partial<RunNodeOptions> = {}) =>
	runNode({
		node: new SeedanceMini(),
		parameters: parameters as RunNodeOptions['parameters'],
		credentials: { apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
		...extra,
	});
/** measureReference in a node, as the pre-flight calls it: its result or its error message. */
const measure = (url: string, allowNonPublic: boolean) =>
	runNode({
		node: probeNode(async (ctx) => {
			try {
				return { ...(await measureReference.call(ctx, url, { allowNonPublic })) };
			} catch (error) {
				return { error: (error as Error).message };
			}
		}),
		parameters: {},
		credentials: { apixoApi: { apiKey: API_KEY, baseUrl: PUBLIC_BASE_URL } },
	});
const measured = async (url: string) => (await measure(url, true)).items[0].json;
const omni = (params: IDataObject, options: IDataObject = {}) => ({
	operation: 'generate',
	mode: 'omni_reference',
	prompt: 'dance like @video1',
	resolution: '480p',
	duration: 5,
	waitForCompletion: false,
	options,
	...params,
});

const oneShortLine = expect.stringMatching(/^[^\n]{1,200}$/);

describe('pre-flight header reads', () => {
	async function preflightError(url: string) {
		const { items, error } = await run(omni({ videoUrls: url }));
		expect(error).toBeUndefined();
		// Left to APIXO: the item is still submitted.
		expect(sim.count('submit')).toBe(1);
		const [reference] = items[0].json.referenceMedia as IDataObject[];
		expect(reference.error).toEqual(oneShortLine);
		return String(reference.error);
	}

	it('a host that trickles a byte every 100 ms is cut off at the read deadline', async () => {
		mediaDeadlines.readMs = 1000;
		let trickled = () => 0;
		const host = await hostile((_request, response) => {
			response.writeHead(206, {
				'content-type': 'video/mp4',
				'content-range': `bytes 0-16383/${VIDEO_3S.length}`,
				'content-length': '16384',
			});
			trickled = trickle(response, VIDEO_3S, 100).sent;
		});
		expect(await preflightError(`${host.origin}/trickle.mp4`)).toBe(
			'header not read (the host is too slow: no complete answer within 1 s): APIXO checks this file',
		);
		// Slow, not silent: an idle timeout alone would have waited for all 16 KiB (27 minutes).
		expect(trickled()).toBeGreaterThan(1);
		await settle(() => host.openConnections() === 0);
		expect(host.openConnections()).toBe(0);
		counted('trickling media host');
	});

	it('a host that never answers is cut off at the read deadline', async () => {
		mediaDeadlines.readMs = 1000;
		const host = await hostile(() => undefined);
		expect(await preflightError(`${host.origin}/silent.mp4`)).toBe(
			'header not read (the host is too slow: no complete answer within 1 s): APIXO checks this file',
		);
		await settle(() => host.openConnections() === 0);
		expect(host.openConnections()).toBe(0);
		counted('silent media host');
	});

	it('a host slow on every read is cut off at the per-file deadline', async () => {
		// Each read alone is within its deadline; the two the file needs are not.
		Object.assign(mediaDeadlines, { readMs: 5000, fileMs: 1500 });
		const host = await hostile((request, response) =>
			serveRange(request, response, MOOV_AT_END, { delayMs: 1000 }),
		);
		expect(await preflightError(`${host.origin}/slow.mp4`)).toBe(
			'header not read (the host is too slow: the header took over 1.5 s to read): APIXO checks this file',
		);
		counted('slow media host (per-file deadline)');
	});

	it('a broken answer gets a one-line reason', async () => {
		const host = await hostile((request) => {
			request.socket.end(`HTTP/1.1 200 OK\r\nX-Junk: ${'\u0001'.repeat(20_000)}\r\n\r\n`);
		});
		expect(await preflightError(`${host.origin}/broken.mp4`)).toMatch(
			/^header not read \(could not be fetched: .+\): APIXO checks this file$/,
		);
		counted('broken HTTP from a media host');
	});

	it('a fragmented MP4 is measured from mehd, or left to APIXO without one — never "0 s"', async () => {
		const withMehd = fragmentedMp4(mvhd(0, 1000, 0n), trak, box('mvex', mehd(0, 6000n), trex));
		const without = fragmentedMp4(mvhd(0, 1000, 0n), trak, box('mvex', trex));
		const host = await hostile((request, response) =>
			serveRange(request, response, request.url === '/with-mehd.mp4' ? withMehd : without),
		);
		const { items, error } = await run(
			omni({ videoUrls: `${host.origin}/with-mehd.mp4\n${host.origin}/without-mehd.mp4` }),
		);
		expect(error).toBeUndefined();
		expect(items[0].json.referenceMedia).toEqual([
			{ url: `${host.origin}/with-mehd.mp4`, type: 'video', durationS: 6, format: 'mp4' },
			{
				url: `${host.origin}/without-mehd.mp4`,
				type: 'video',
				error:
					'header not read (a fragmented MP4 that does not state its total duration (no "mehd" box)): APIXO checks this file',
			},
		]);
		expect(sim.count('submit')).toBe(1);
	});

	it('no deadline timer or socket is left behind when the reads win', async () => {
		const host = await hostile((request, response) => serveRange(request, response, MOOV_AT_END));
		const before = handles();
		const { items, error } = await run(omni({ videoUrls: `${host.origin}/a.mp4` }));
		expect(error).toBeUndefined();
		expect(items[0].json.referenceMedia).toEqual([expect.objectContaining({ durationS: 8 })]);
		// The default deadlines (10 s, 20 s) would still be pending if their sleeps were left.
		await expectNothingLeft(before);
	});

	it('stopping the execution during a trickling read ends it at once', async () => {
		mediaDeadlines.readMs = 60_000;
		let trickled = () => 0;
		const host = await hostile((_request, response) => {
			response.writeHead(200, { 'content-type': 'video/mp4' });
			trickled = trickle(response, VIDEO_3S, 50).sent;
		});
		const before = handles();
		const stop = new AbortController();
		const running = run(omni({ videoUrls: `${host.origin}/trickle.mp4` }), {
			signal: stop.signal,
		});
		await settle(() => trickled() > 2, 10_000);
		const stoppedAt = Date.now();
		stop.abort();
		const { items } = await running;
		expect(items).toEqual([]);
		expect(Date.now() - stoppedAt).toBeLessThan(5000);
		expect(sim.count('submit')).toBe(0);
		await expectNothingLeft(before, () => host.openConnections() === 0);
		expect(host.openConnections()).toBe(0);
	});

	describe('redirects', () => {
		it('are followed, each target checked like a parameter: never into the local network', async () => {
			const host = await hostile((request, response) => {
				if (request.url === '/file.mp4') return serveRange(request, response, VIDEO_3S);
				const location =
					request.url === '/to-metadata'
						? 'http://169.254.169.254/latest/meta-data/iam/'
						: request.url === '/to-file'
							? '/file.mp4'
							: 'file:///etc/passwd';
				response.writeHead(302, { location });
				response.end();
			});
			expect((await measure(`${host.origin}/to-metadata`, false)).items[0].json).toEqual({
				error:
					'redirected to a non-public address: 169.254.169.254 is a link-local address (cloud metadata lives there)',
			});
			expect((await measure(`${host.origin}/to-file-scheme`, false)).items[0].json).toEqual({
				error: 'redirected to something that is not an http(s) URL',
			});
			// With a local APIXO stand-in (here: the test host itself), local targets are read.
			expect((await measure(`${host.origin}/to-file`, true)).items[0].json).toEqual({
				seconds: 3,
				format: 'mp4',
			});
			expect(host.requests.map((r) => r.path)).toEqual([
				'/to-metadata',
				'/to-file-scheme',
				'/to-file',
				'/file.mp4',
			]);
			counted('redirect into the local network refused');
		});
	});
});

/**
 * A finished task whose result URL is `url`, run with Download Video on. The stall watchdog and
 * its sleep end with the download, whatever ended it: nothing of it is left.
 */
async function downloaded(url: string, options: IDataObject = {}) {
	sim.planNextTasks({ resultJson: JSON.stringify({ resultUrls: [url] }) });
	const before = handles();
	const result = await run({
		operation: 'generate',
		mode: 'text-to-video',
		prompt: 'a fox in the snow',
		options: { ...FAST, downloadVideo: true, ...options },
	});
	await expectNothingLeft(before);
	return { ...result, taskId: [...sim.tasks.keys()][0] };
}

describe('download', () => {
	/** A task whose result URL is on `host`, whose download fails. */
	async function download(host: HostileHost, options: IDataObject) {
		const { items, error, taskId } = await downloaded(`${host.origin}/video.mp4`, options);
		expect(items).toEqual([]);
		expect(error?.message).toEqual(oneShortLine);
		expect(error?.message).toMatch(
			new RegExp(`^Task ${taskId} succeeded but its video could not be downloaded: `),
		);
		expect(error?.description).toContain(`${host.origin}/video.mp4`);
		expect(error?.description).toContain(`Task ID: ${taskId}`);
		expect(error?.description).toContain('"Get Status"');
		await settle(() => host.openConnections() === 0);
		expect(host.openConnections()).toBe(0);
		return { message: error!.message.replace(/^.*downloaded: /, ''), error: error! };
	}

	it('the limits are options shown with Download Video: 1024 MB and 60 s by default', () => {
		const option = (name: string) => waitOptions.find((o) => o.name === name)!;
		for (const [name, fallback] of [
			['maxDownloadSize', 1024],
			['downloadStallTimeout', 60],
		] as const) {
			expect(option(name)).toMatchObject({
				type: 'number',
				default: fallback,
				displayOptions: { show: { downloadVideo: [true] } },
			});
		}
	});

	it('a host that stops sending fails after the stall timeout, naming the task', async () => {
		const host = await hostile((_request, response) => {
			response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '1000000' });
			response.write(Buffer.alloc(64 * 1024));
		});
		const { message, error } = await download(host, { downloadStallTimeout: 0.5 });
		expect(message).toBe('the file host sent nothing for 0.5 s');
		expect(error.description).toContain('"Download Video" later');
		counted('stalled download');
	});

	it('a host that never answers fails after the stall timeout', async () => {
		const host = await hostile(() => undefined);
		const { message } = await download(host, { downloadStallTimeout: 0.5 });
		expect(message).toBe('the file host sent nothing for 0.5 s');
		counted('silent download host');
	});

	it('a slow but steady host is not a stall', async () => {
		const host = await hostile((_request, response) => {
			response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '60' });
			trickle(response, Buffer.alloc(60, 0x2e), 50);
		});
		// A byte every 50 ms: 3 s in all, three times the stall timeout.
		const { items, error } = await downloaded(`${host.origin}/video.mp4`, {
			downloadStallTimeout: 1,
		});
		expect(error).toBeUndefined();
		expect(items[0].binary!.data.bytes).toBe(60);
	});

	it('a Content-Length above Max Download Size is refused before the body is read', async () => {
		const host = await hostile((_request, response) => {
			// Headers only: a client that waited for the body would stall instead.
			response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '5000000' });
			response.flushHeaders();
		});
		const { message, error } = await download(host, {
			maxDownloadSize: 1,
			downloadStallTimeout: 20,
		});
		expect(message).toBe('the video is 5 MB, above the Max Download Size of 1 MB');
		expect(error.description).toContain('raise "Max Download Size"');
		counted('oversize download');
	});

	it('a body without Content-Length is cut off once it passes Max Download Size', async () => {
		let sent = () => 0;
		const host = await hostile((_request, response) => {
			sent = endless(response).sent;
		});
		const { message } = await download(host, { maxDownloadSize: 0.5 });
		expect(message).toBe('the video is above the Max Download Size of 0.5 MB');
		// Cut off near the limit, not read on: socket buffers hold a few MB at most.
		expect(sent()).toBeLessThan(32 * 1024 * 1024);
		counted('oversize download');
	});
});

describe('download: limits are inclusive, names and schemes', () => {
	const exactly = (bytes: number, withLength: boolean) =>
		hostile((_request, response) => {
			response.writeHead(200, {
				'content-type': 'video/mp4',
				...(withLength ? { 'content-length': String(bytes) } : {}),
			});
			response.end(Buffer.alloc(bytes, 0x2e));
		});

	it.each([
		['with Content-Length', true],
		['without Content-Length', false],
	])('a video of exactly Max Download Size is kept (%s)', async (_name, withLength) => {
		const host = await exactly(500_000, withLength);
		const { items, error, taskId } = await downloaded(`${host.origin}/video.mp4`, {
			maxDownloadSize: 0.5,
		});
		expect(error).toBeUndefined();
		expect(items[0].binary!.data).toMatchObject({
			fileName: `${taskId}.mp4`,
			mimeType: 'video/mp4',
			bytes: 500_000,
		});
	});

	it.each([
		['ftp://files.example.com/video.mp4'],
		['file:///etc/passwd?https://cdn.example.com/v.mp4'],
		// Defect: n8n swapped a message holding "eacces" for "Forbidden by access permissions".
		['ftp://freeaccess.example.com/video.mp4'],
	])('a result URL that is not http(s) is not fetched: %s', async (url) => {
		const { items, error, taskId } = await downloaded(url);
		expect(items).toEqual([]);
		expect(error?.message).toBe(`Task ${taskId}: result URL is not http(s): ${url}`);
		expect(error!.context?.itemIndex).toBe(0);
	});

	it('a download that fails for another reason gives its first line as the reason', async () => {
		// A port nobody listens on: the connection is refused.
		const server = net.createServer();
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as net.AddressInfo;
		await new Promise((resolve) => server.close(resolve));
		const { items, error, taskId } = await downloaded(`http://127.0.0.1:${port}/video.mp4`);
		expect(items).toEqual([]);
		expect(error?.message).toBe(
			`Task ${taskId} succeeded but its video could not be downloaded: connect ECONNREFUSED 127.0.0.1:${port}`,
		);
	});
});

describe('non-public reference URLs', () => {
	const runPublic = (parameters: IDataObject) =>
		runNode({
			node: new SeedanceMini(),
			parameters: parameters as RunNodeOptions['parameters'],
			credentials: { apixoApi: { apiKey: API_KEY, baseUrl: PUBLIC_BASE_URL } },
		});

	it.each([
		[
			{ videoUrls: 'https://cdn.example.com/a.mp4\nhttp://10.0.0.5/b.mp4' },
			'Invalid videoUrls (entry 2): must be a public URL: 10.0.0.5 is a private address',
		],
		[
			{ imageUrls: 'http://2130706433/a.png', videoUrls: 'https://cdn.example.com/a.mp4' },
			'Invalid imageUrls (entry 1): must be a public URL: 127.0.0.1 is a loopback address',
		],
		[
			{ videoUrls: 'http://0x7f.1/a.mp4', audioUrls: 'http://[::ffff:192.168.0.7]/a.mp3' },
			'Invalid videoUrls (entry 1): must be a public URL: 127.0.0.1 is a loopback address; audioUrls (entry 1): must be a public URL: ::ffff:c0a8:7 is IPv4 192.168.0.7, a private address',
		],
	])('%j is refused before anything is fetched or submitted', async (lists, message) => {
		const { error } = await runPublic(omni(lists));
		expect(error?.message).toBe(message);
		expect(error?.description).toContain('nothing was sent to APIXO');
		counted('non-public reference URLs refused');
	});

	it('a first frame on the metadata address is refused too', async () => {
		const { error } = await runPublic({
			operation: 'generate',
			mode: 'first_and_last_frames',
			prompt: 'a still comes alive',
			firstFrameUrl: 'http://169.254.169.254/latest/meta-data/',
			waitForCompletion: false,
		});
		expect(error?.message).toBe(
			'Invalid firstFrameUrl: must be a public URL: 169.254.169.254 is a link-local address (cloud metadata lives there)',
		);
		counted('non-public reference URLs refused');
	});

	it('this machine is never read: the refusal comes before the pre-flight', async () => {
		const host = await hostile((request, response) => serveRange(request, response, VIDEO_3S));
		const { error } = await runPublic(omni({ videoUrls: `${host.origin}/a.mp4` }));
		expect(error?.message).toBe(
			'Invalid videoUrls (entry 1): must be a public URL: 127.0.0.1 is a loopback address',
		);
		expect(host.requests).toHaveLength(0);
		counted('non-public reference URLs refused');
	});

	it('with a local APIXO stand-in (a simulator), local reference URLs are read', async () => {
		const host = await hostile((request, response) => serveRange(request, response, VIDEO_3S));
		const { items, error } = await run(omni({ videoUrls: `${host.origin}/a.mp4` }));
		expect(error).toBeUndefined();
		expect(items[0].json.referenceMedia).toEqual([expect.objectContaining({ durationS: 3 })]);
	});
});

describe('range reads: redirects, status codes and servers that ignore Range', () => {
	const CBR_MP3 = readFileSync(path.join(MEDIA, 'audio-6s-cbr.mp3'));
	const ISOM = box('ftyp', Buffer.from('isom\0\0\0\0isom', 'latin1'));
	/** An MP4 whose moov lies past what is read from a server that ignores Range (64 KiB). */
	const FAR_MOOV = Buffer.concat([
		ISOM,
		box('mdat', Buffer.alloc(100_000)),
		box('moov', mvhd(0, 1000, 4000n)),
	]);
	const whole = (response: ServerResponse, file: Buffer, length = true) => {
		response.writeHead(200, {
			'content-type': 'video/mp4',
			...(length ? { 'content-length': String(file.length) } : {}),
		});
		response.end(file);
	};

	it('follows up to 5 redirects; the 6th is refused', async () => {
		const host = await hostile((request, response) => {
			const hop = Number(/^\/hop\/(\d+)$/.exec(request.url ?? '')?.[1] ?? -1);
			if (hop <= 0) return serveRange(request, response, VIDEO_3S);
			response.writeHead(hop % 2 ? 302 : 307, { location: `/hop/${hop - 1}` });
			response.end();
		});
		expect(await measured(`${host.origin}/hop/5`)).toEqual({ seconds: 3, format: 'mp4' });
		expect(await measured(`${host.origin}/hop/6`)).toEqual({ error: 'too many redirects' });
		// 6 requests for the first (5 hops and the file); the second stops at its 6th redirect.
		expect(host.requests).toHaveLength(6 + 6);
	});

	it.each([
		['a redirect without Location', 302, 'could not be fetched: HTTP 302'],
		['a 404', 404, 'could not be fetched: HTTP 404'],
		['a 500', 500, 'could not be fetched: HTTP 500'],
		['a 204', 204, 'could not be fetched: HTTP 204'],
	])('%s: %s', async (_name, status, error) => {
		const host = await hostile((_request, response) => {
			response.writeHead(status);
			response.end();
		});
		expect(await measured(`${host.origin}/file.mp4`)).toEqual({ error });
	});

	it.each(['ftp://127.0.0.1/a.mp4?next=http://x', 'file:///etc/passwd', 'data:video/mp4,http://'])(
		'%s is never fetched: only http(s) URLs are read',
		async (url) => {
			expect(await measured(url)).toEqual({ error: 'only http(s) URLs are read' });
		},
	);

	it('a server that ignores Range: read from the start, within 64 KiB, never whole', async () => {
		const host = await hostile((request, response) => {
			if (request.url === '/far.mp4') return whole(response, FAR_MOOV);
			if (request.url === '/chunked.mp4') return whole(response, MOOV_AT_END, false);
			whole(response, MOOV_AT_END);
		});
		// The moov past the first 16 KiB, within 64 KiB: a second read from the start.
		expect(await measured(`${host.origin}/near.mp4`)).toEqual({ seconds: 8, format: 'mp4' });
		expect(await measured(`${host.origin}/chunked.mp4`)).toEqual({ seconds: 8, format: 'mp4' });
		expect(await measured(`${host.origin}/far.mp4`)).toEqual({
			error: 'the server ignores Range requests and the header is far in',
		});
	});

	it('only a 3xx with Location is followed: a 300 is, a 206 or a 404 carrying one is the answer', async () => {
		const host = await hostile((request, response) => {
			if (request.url === '/file.mp4') return serveRange(request, response, VIDEO_3S);
			if (request.url === '/missing.mp4') return void response.writeHead(404).end();
			if (request.url === '/gone.mp4') {
				return void response.writeHead(404, { location: '/file.mp4' }).end();
			}
			if (request.url === '/choices.mp4') {
				return void response.writeHead(300, { location: '/file.mp4' }).end();
			}
			response.setHeader('location', '/missing.mp4');
			serveRange(request, response, VIDEO_3S);
		});
		expect(await measured(`${host.origin}/choices.mp4`)).toEqual({ seconds: 3, format: 'mp4' });
		expect(await measured(`${host.origin}/located.mp4`)).toEqual({ seconds: 3, format: 'mp4' });
		expect(await measured(`${host.origin}/gone.mp4`)).toEqual({
			error: 'could not be fetched: HTTP 404',
		});
		expect(host.requests.map((r) => r.path)).toContain('/located.mp4');
		expect(host.requests.map((r) => r.path)).not.toContain('/missing.mp4');
	});

	it('a redirect to a scheme that only ends in "https" is refused', async () => {
		const host = await hostile((_request, response) => {
			response.writeHead(302, { location: 'git+https://example.com/a.mp4' });
			response.end();
		});
		expect(await measured(`${host.origin}/a.mp4`)).toEqual({
			error: 'redirected to something that is not an http(s) URL',
		});
	});

	it('a server that ignores Range: up to exactly 64 KiB is read, one byte more is refused', async () => {
		const moov = box('moov', mvhd(0, 1000, 4000n));
		/** An MP4 whose moov starts at `at`, then `tail` more bytes. */
		const moovAt = (at: number, tail = 0) =>
			Buffer.concat([
				ISOM,
				box('mdat', Buffer.alloc(at - ISOM.length - 8)),
				moov,
				...(tail ? [box('free', Buffer.alloc(tail - 8))] : []),
			]);
		// A box is read with 528 bytes from its start: the read at 65008 ends at byte 65535.
		const files: Record<string, Buffer> = {
			'/whole-64k.mp4': moovAt(65_536 - moov.length),
			'/last-byte.mp4': moovAt(65_008, 1000),
			'/one-more.mp4': moovAt(65_009, 1000),
		};
		expect(files['/whole-64k.mp4'].length).toBe(65_536);
		const host = await hostile((request, response) => whole(response, files[request.url!]));
		expect(await measured(`${host.origin}/whole-64k.mp4`)).toEqual({ seconds: 4, format: 'mp4' });
		expect(await measured(`${host.origin}/last-byte.mp4`)).toEqual({ seconds: 4, format: 'mp4' });
		expect(await measured(`${host.origin}/one-more.mp4`)).toEqual({
			error: 'the server ignores Range requests and the header is far in',
		});
	});

	it('a server that ignores Range and then stalls: the first 16 KiB are enough, not waited past', async () => {
		mediaDeadlines.readMs = 2000;
		const file = Buffer.concat([
			ISOM,
			box('moov', mvhd(0, 1000, 5000n)),
			box('mdat', Buffer.alloc(100_000)),
		]);
		const host = await hostile((_request, response) => {
			response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': file.length });
			response.write(file.subarray(0, HEAD_BYTES)); // then nothing, the connection kept
		});
		expect(await measured(`${host.origin}/a.mp4`)).toEqual({ seconds: 5, format: 'mp4' });
		// The rest is not waited for: the connection is closed at once.
		await settle(() => host.openConnections() === 0);
		expect(host.openConnections()).toBe(0);
	});

	it('a server that ignores Range gives the size in Content-Length (a CBR MP3 needs it)', async () => {
		const host = await hostile((request, response) =>
			whole(response, CBR_MP3, request.url === '/sized.mp3'),
		);
		expect(await measured(`${host.origin}/sized.mp3`)).toEqual({ seconds: 6.192, format: 'mp3' });
		expect(await measured(`${host.origin}/unsized.mp3`)).toEqual({
			error: 'a constant-bitrate MP3 needs the file size, which the server did not say',
		});
	});

	it('the first read keeps every byte asked for: a WAV "data" header in its last 8 bytes is read', async () => {
		// RIFF (12) + "fmt " (24) + a LIST chunk up to byte 16376, then the data header.
		const file = wav([
			{ id: 'fmt ', body: fmt(8000) },
			{ id: 'LIST', body: Buffer.alloc(HEAD_BYTES - 8 - 36 - 8) },
			{ id: 'data', body: Buffer.alloc(24_000) },
		]);
		expect(file.indexOf('data', 0, 'latin1')).toBe(HEAD_BYTES - 8);
		const host = await hostile((request, response) => serveRange(request, response, file));
		expect(await measured(`${host.origin}/a.wav`)).toEqual({ seconds: 3, format: 'wav' });
	});

	it('the total size comes from Content-Range; "*" leaves it unknown', async () => {
		const host = await hostile((request, response) =>
			serveRange(request, response, CBR_MP3, request.url === '/unknown.mp3' ? { total: '*' } : {}),
		);
		expect(await measured(`${host.origin}/known.mp3`)).toEqual({ seconds: 6.192, format: 'mp3' });
		expect(await measured(`${host.origin}/unknown.mp3`)).toEqual({
			error: 'a constant-bitrate MP3 needs the file size, which the server did not say',
		});
	});
});
