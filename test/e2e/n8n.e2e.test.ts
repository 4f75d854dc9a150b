/**
 * The packed package in a real n8n (pinned, see n8n-host.ts) against the simulator: what a user
 * who installs it from Settings → Community nodes gets.
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdtempSync, statSync } from 'node:fs';

import { startCatcher, type Catcher } from '../harness/catcher';
import { startSimulator, type Simulator } from '../../tools/simulator/server';
import { createInstance, packPackage, type N8nInstance } from '../../tools/n8n-host/host';
import {
	CREDENTIAL_ID,
	apixoCredential,
	exampleWorkflows,
	generateWorkflow,
	triggerWorkflow,
} from '../../tools/n8n-host/workflows';

const KEY = 'sk-e2e-SECRET-31415926';
const FAST = { firstPollDelay: 0.3, pollInterval: 0.2, maxWait: 60 };
const MODES: Array<[string, Record<string, unknown>]> = [
	['text-to-video', {}],
	[
		'first_and_last_frames',
		{
			firstFrameUrl: 'https://img.example.com/a.png',
			lastFrameUrl: 'https://img.example.com/b.png',
		},
	],
	[
		'omni_reference',
		{
			imageUrls: 'https://img.example.com/a.png',
			videoUrls: 'https://vid.example.com/v.mp4?seconds=3',
		},
	],
];
const TOKEN = 'e2e-token-271828';
const WEBHOOK_ID = '5b1f3c1e-0d0a-4d6e-9c1b-apixo0000001';

let sim: Simulator;
let n8n: N8nInstance;
let catcher: Catcher;
let caught: any[];
let catcherUrl: string;

const generateParams = (mode: string, extra: Record<string, unknown> = {}) => ({
	operation: 'generate',
	mode,
	prompt: `e2e ${mode}`,
	resolution: '480p',
	duration: 4,
	options: FAST,
	...extra,
});

beforeAll(async () => {
	catcher = await startCatcher();
	({ caught, url: catcherUrl } = catcher);

	sim = await startSimulator({
		apiKeys: [KEY],
		timing: { pendingMs: 300, processingMs: 700 },
		resultBytes: 512 * 1024,
	});
	const tarball = await packPackage(mkdtempSync(path.join(os.tmpdir(), 'apixo-pack-')));
	n8n = await createInstance(tarball);
	await n8n.importCredentials([apixoCredential(sim.baseUrl, KEY)]);
	await n8n.importWorkflows([
		...MODES.map(([mode, extra]) =>
			generateWorkflow(`mode-${mode.replace(/[^a-z]/g, '')}`, generateParams(mode, extra)),
		),
		generateWorkflow(
			'download',
			generateParams('text-to-video', { options: { ...FAST, downloadVideo: true } }),
		),
		generateWorkflow('invalid', generateParams('text-to-video', { duration: '={{ 42 }}' })),
		generateWorkflow('failing', generateParams('text-to-video')),
		generateWorkflow('balance', { operation: 'getBalance' }),
		generateWorkflow(
			'preflight',
			generateParams('omni_reference', {
				videoUrls: `${sim.fileOrigin}/media/video-3s.mp4\n${sim.fileOrigin}/media/video-16s.mp4`,
				waitForCompletion: false,
			}),
		),
		triggerWorkflow('callback', WEBHOOK_ID, { token: TOKEN }, catcherUrl),
		...exampleWorkflows('ex-', FAST),
	]);
}, 15 * 60_000);

afterAll(async () => {
	await n8n?.stop();
	await sim?.close();
	await catcher?.close();
});

describe('Seedance Mini in n8n (n8n execute)', () => {
	it.each(MODES)('%s: generate and wait gives the simulator result URLs', async (mode) => {
		const before = sim.tasks.size;
		const result = await n8n.execute(`mode-${mode.replace(/[^a-z]/g, '')}`);
		expect(result.error).toBeUndefined();
		const item = result.runData['Seedance Mini'][0].data!.main[0][0];
		const task = [...sim.tasks.values()][before];
		expect(task.body.input.mode).toBe(mode);
		expect(item.json).toMatchObject({
			taskId: task.taskId,
			state: 'success',
			resultUrls: [`${sim.fileOrigin}/files/${task.taskId}.mp4`],
		});
	});

	it('downloadVideo puts video/mp4 binary in the item', async () => {
		const result = await n8n.execute('download');
		const item = result.runData['Seedance Mini'][0].data!.main[0][0];
		expect(item.binary.data).toMatchObject({
			mimeType: 'video/mp4',
			fileName: `${item.json.taskId}.mp4`,
		});
		expect(item.binary.data.id).toContain('filesystem');
	});

	it('a validation error is shown with the field and nothing is sent', async () => {
		const requests = sim.count();
		const result = await n8n.execute('invalid');
		expect(result.error?.message ?? '').toContain('duration');
		expect(result.error?.message ?? '').toContain('got 42');
		expect(sim.count()).toBe(requests);
	});

	it('Get Balance gives the balance, free', async () => {
		const result = await n8n.execute('balance');
		expect(result.error).toBeUndefined();
		expect(result.runData['Seedance Mini'][0].data!.main[0][0].json).toEqual({
			balanceUsd: sim.balanceUsd,
		});
	});

	it('a reference video over 15 s, read from its header, is refused with nothing submitted', async () => {
		const submits = sim.count('submit');
		const result = await n8n.execute('preflight');
		expect(result.error?.message).toMatch(/videoUrls \(entry 2\): .*got 16 s/);
		expect(sim.count('submit')).toBe(submits);
		const reads = sim.requests.filter((r) => r.path.startsWith('/media/'));
		expect(reads.length).toBeGreaterThanOrEqual(2);
		expect(reads.every((r) => r.headers.range && !r.headers.authorization)).toBe(true);
	});

	it('a failed task is shown with its taskId and failCode', async () => {
		sim.planNextTasks({ outcome: 'failed', failCode: 'SensitiveContent', failMsg: 'blocked' });
		const before = sim.tasks.size;
		const result = await n8n.execute('failing');
		const taskId = [...sim.tasks.keys()][before];
		expect(result.error?.message).toBe(`Task ${taskId} failed: SensitiveContent — blocked`);
		expect(result.error?.description ?? '').toContain('Change the prompt');
	});
});

describe('examples', () => {
	it('all import, and generate-and-save writes the video to disk', async () => {
		const listed = await n8n.cli(['list:workflow']);
		for (const example of exampleWorkflows('ex-')) expect(listed.stdout).toContain(example.name);
		const result = await n8n.execute('ex-generateandsave');
		expect(result.error).toBeUndefined();
		const saved = result.runData['Save Video'][0].data!.main[0][0].json;
		const file = path.resolve(n8n.userFolder, saved.fileName);
		expect(existsSync(file)).toBe(true);
		expect(statSync(file).size).toBe(512 * 1024);
	});
});

describe('APIXO Trigger in a running n8n', () => {
	let hookUrl: string;
	const waitFor = async (check: () => boolean, ms = 30_000) => {
		const end = Date.now() + ms;
		while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
	};
	const post = (url: string, body: string) =>
		fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

	beforeAll(async () => {
		const published = await n8n.cli(['publish:workflow', '--id=callback']);
		if (published.code !== 0)
			throw new Error(`publish failed: ${published.stderr}${published.stdout}`);
		await n8n.start();
		hookUrl = `${n8n.baseUrl}/webhook/${WEBHOOK_ID}/apixo`;
		// Published webhooks may register a moment after the editor is up.
		await waitFor(() => false, 0);
		for (let i = 0; i < 50; i++) {
			const probe = await post(`${hookUrl}?token=${TOKEN}`, JSON.stringify({ probe: true }));
			if (probe.status !== 404) break;
			await new Promise((r) => setTimeout(r, 200));
		}
	}, 5 * 60_000);

	it('a callback task starts the trigger workflow once, with the parsed URLs', async () => {
		const submit = await fetch(`${sim.baseUrl}/generateTask/seedance-2-0-mini`, {
			method: 'POST',
			headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
			body: JSON.stringify({
				request_type: 'callback',
				callback_url: `${hookUrl}?token=${TOKEN}`,
				input: { mode: 'text-to-video', prompt: 'callback e2e', duration: 4 },
			}),
		});
		const taskId = ((await submit.json()) as any).data.taskId;
		await waitFor(() => caught.length > 0);
		expect(caught).toHaveLength(1);
		expect(caught[0]).toMatchObject({
			taskId,
			state: 'success',
			resultUrls: [`${sim.fileOrigin}/files/${taskId}.mp4`],
			verified: false,
		});
		expect(sim.deliveries.filter((d) => d.taskId === taskId).map((d) => d.status)).toEqual([200]);

		// APIXO delivering the same task again does not start a second execution.
		expect(await sim.deliver(taskId)).toBe(200);
		await new Promise((r) => setTimeout(r, 1500));
		expect(caught).toHaveLength(1);
	});

	it('the credential test in n8n: a good key passes, a wrong key (401 or 403) is "API key rejected"', async () => {
		const test = async (apiKey: string) =>
			(
				await n8n.rest('POST', '/rest/credentials/test', {
					credentials: {
						id: CREDENTIAL_ID,
						name: 'APIXO',
						type: 'apixoApi',
						data: { apiKey, baseUrl: sim.baseUrl },
					},
				})
			).json.data;
		expect(await test(KEY)).toMatchObject({ status: 'OK' });
		expect(await test('sk-e2e-wrong-key-000')).toMatchObject({
			status: 'Error',
			message: expect.stringContaining('API key rejected'),
		});
		sim.inject({ endpoint: 'balance', kind: 'http', status: 403 });
		expect(await test(KEY)).toMatchObject({
			status: 'Error',
			message: expect.stringContaining('API key rejected'),
		});
	});

	it('a bad token or a malformed body starts nothing', async () => {
		const before = caught.length;
		const body = JSON.stringify({
			code: 200,
			message: 'success',
			data: {
				taskId: 'task_forged',
				state: 'success',
				resultJson: '{"resultUrls":["https://evil.example.com/x.mp4"]}',
			},
		});
		expect((await post(`${hookUrl}?token=wrong`, body)).status).toBe(401);
		expect((await post(hookUrl, body)).status).toBe(401);
		expect(
			(await post(`${hookUrl}?token=${TOKEN}`, JSON.stringify({ code: 200, data: {} }))).status,
		).toBe(400);
		expect((await post(`${hookUrl}?token=${TOKEN}`, '{not json')).status).toBe(422);
		await new Promise((r) => setTimeout(r, 1500));
		expect(caught).toHaveLength(before);
	});
});
