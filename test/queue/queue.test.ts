/**
 * The packed package in n8n's own queue mode: Postgres, Redis, a main instance, two workers
 * (`n8n worker`) and a webhook processor (`n8n webhook`), all on loopback, against the simulator.
 * Figures go to test-results/figures/queue-mode.json (README "Scaling" quotes them).
 */
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
	createInstance,
	freePort,
	packPackage,
	type N8nInstance,
	type N8nProcess,
} from '../../tools/n8n-host/host';
import {
	apixoCredential,
	credentials,
	n8nNode,
	pairWorkflow,
	pauseWorkflow,
	triggerWorkflow,
	webhookNode,
} from '../../tools/n8n-host/workflows';
import { recordFigures } from '../harness/figures';
import { startSimulator, type Simulator } from '../../tools/simulator/server';
import { startPostgres, startRedis, type Service } from '../../tools/n8n-host/services';

const KEY = 'sk-queue-SECRET-2718';
const TOKEN = 'queue-SECRET-token';
const TRIGGER_WEBHOOK_ID = 'apixo-queue-trigger';
const WORKER_CONCURRENCY = 3;
/** Every task takes 3 s in the simulator. */
const TASK_MS = { pendingMs: 1000, processingMs: 2000 };
const POLL = { firstPollDelay: 0.5, pollInterval: 0.25, maxWait: 120 };
const RESULT_BYTES = 3 * 1024 * 1024;
const log = (line: string) => console.log(`[queue] ${line}`);

let sim: Simulator;
let redis: Service;
let postgres: Service;
let n8n: N8nInstance;
let workers: N8nProcess[] = [];
let webhookProcess: N8nProcess;
let webhookPort: number;
let catcher: http.Server;
const caught: any[] = [];
let queueEnv: Record<string, string>;

const seedance = (parameters: Record<string, unknown>) =>
	n8nNode('Seedance Mini', 'n8n-nodes-apixo.seedanceMini', parameters, {
		credentials,
	});
const generate = (options: Record<string, unknown> = {}) =>
	seedance({
		operation: 'generate',
		mode: 'text-to-video',
		prompt: '={{ $json.body.prompt }}',
		duration: 4,
		options: { ...POLL, ...options },
	});

async function startWebhookProcessor() {
	webhookProcess = await n8n.spawn(
		'webhook',
		['webhook'],
		'Webhook listener waiting for requests',
		{
			N8N_PORT: String(webhookPort),
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		},
	);
}

beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [KEY], timing: TASK_MS, resultBytes: RESULT_BYTES });
	[redis, postgres] = await Promise.all([startRedis(log), startPostgres(log)]);
	catcher = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c) => (body += c));
		req.on('end', () => {
			caught.push(JSON.parse(body));
			res.end('{}');
		});
	});
	await new Promise<void>((resolve) => catcher.listen(0, '127.0.0.1', resolve));
	webhookPort = await freePort();
	queueEnv = {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: 'postgres',
		DB_POSTGRESDB_USER: 'postgres',
		// The binary-data mode n8n supports in queue mode without an S3 licence (its default there).
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		// Webhooks are served by the webhook processor; the main instance only runs the UI/API.
		WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/`,
		N8N_LOG_LEVEL: 'info',
	};
	const tarball = await packPackage(mkdtempSync(path.join(os.tmpdir(), 'apixo-queue-pack-')));
	n8n = await createInstance(tarball, { env: queueEnv });
	await n8n.importCredentials([apixoCredential(sim.baseUrl, KEY)]);
	const { port } = catcher.address() as import('node:net').AddressInfo;
	const workflows = [
		pairWorkflow('queueGenerate', webhookNode('generate', 'lastNode'), generate()),
		pairWorkflow('queueStuck', webhookNode('stuck', 'onReceived'), generate({ pollInterval: 1 })),
		pairWorkflow(
			'queueDownload',
			webhookNode('download', 'lastNode', 'firstEntryBinary'),
			generate({ downloadVideo: true }),
		),
		pauseWorkflow(
			'queuePause',
			'pause',
			{
				operation: 'generate',
				mode: 'text-to-video',
				prompt: '={{ $json.prompt }}',
				duration: 4,
				waitForCompletion: true,
				waitMode: 'pause',
				options: { maxWait: 600 },
			},
			`http://127.0.0.1:${port}/`,
		),
		triggerWorkflow(
			'queueCallback',
			TRIGGER_WEBHOOK_ID,
			{ token: TOKEN },
			`http://127.0.0.1:${port}/`,
		),
	];
	await n8n.importWorkflows(workflows);
	for (const { id } of workflows) {
		const published = await n8n.cli(['publish:workflow', `--id=${id}`]);
		if (published.code !== 0)
			throw new Error(`publish ${id}: ${published.stderr}${published.stdout}`);
	}
	const started = Date.now();
	await n8n.start();
	workers = await Promise.all(
		[1, 2].map(async (n) =>
			n8n.spawn(
				`worker${n}`,
				['worker', `--concurrency=${WORKER_CONCURRENCY}`],
				'n8n worker is now ready',
				{
					N8N_RUNNERS_BROKER_PORT: String(await freePort()),
				},
			),
		),
	);
	await startWebhookProcessor();
	log(`main + 2 workers + webhook processor up in ${Math.round((Date.now() - started) / 1000)} s`);
}, 15 * 60_000);

afterAll(async () => {
	await n8n?.stop();
	await Promise.all([redis?.stop(), postgres?.stop(), sim?.close()]);
	catcher?.close();
}, 120_000);

beforeEach(() => sim.reset());

const hook = (name: string) => `http://127.0.0.1:${webhookPort}/webhook/${name}`;
const post = (url: string, body: unknown) =>
	fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});

/** Execution id → the worker whose log says it started it. */
function workerOf(): Map<string, string> {
	const owner = new Map<string, string>();
	for (const worker of workers)
		for (const match of worker.logs().matchAll(/Worker started execution (\d+)/g))
			owner.set(match[1], worker.name);
	return owner;
}

async function until(check: () => boolean | Promise<boolean>, ms: number) {
	const end = Date.now() + ms;
	while (!(await check()) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}

it('executions of a generate-and-wait workflow spread over both workers and wait side by side', async () => {
	const before = workerOf();
	const COUNT = 2 * WORKER_CONCURRENCY;
	const started = Date.now();
	const answers = await Promise.all(
		Array.from({ length: COUNT }, async (_, i) => {
			const response = await post(hook('generate'), { prompt: `queue video ${i}` });
			return { status: response.status, json: (await response.json()) as any };
		}),
	);
	const wallS = (Date.now() - started) / 1000;
	for (const answer of answers) {
		expect(answer.status).toBe(200);
		expect(answer.json).toMatchObject({
			state: 'success',
			videoUrl: expect.stringContaining(answer.json.taskId),
		});
		expect(answer.json.resultUrls).toHaveLength(1);
	}
	expect(new Set(answers.map((a) => a.json.taskId)).size).toBe(COUNT);
	expect(sim.tasks.size).toBe(COUNT);

	const ran = [...workerOf()].filter(([id]) => !before.has(id));
	expect(ran).toHaveLength(COUNT);
	const perWorker = Object.fromEntries(
		workers.map((w) => [w.name, ran.filter(([, name]) => name === w.name).length]),
	);
	log(
		`${COUNT} executions in ${wallS.toFixed(1)} s (one task takes 3 s): ${JSON.stringify(perWorker)}`,
	);
	for (const worker of workers) expect(perWorker[worker.name]).toBeGreaterThan(0);
	// Waiting does not hold a worker: 6 three-second tasks on 2 × 3 slots finish in about one task's time.
	expect(wallS).toBeLessThan(3 * 2);
	const statusCalls = sim.requests.filter((r) => r.endpoint === 'status').length;
	recordFigures('queue mode', {
		'executions at once': COUNT,
		'wall time of the batch, ms': Math.round(wallS * 1000),
		...Object.fromEntries(
			Object.entries(perWorker).map(([name, n]) => [`executions on ${name}`, n]),
		),
		'status calls for these tasks (3 s each, first poll 0.5 s, then every 0.25 s)': statusCalls,
	});
}, 120_000);

it('stopping an execution from the main instance ends the wait on the worker promptly', async () => {
	sim.planNextTasks({ outcome: 'stuck' });
	const before = workerOf();
	// Started by the main instance (as its Schedule and other triggers do): n8n 2.8 can stop a
	// queued execution only from the instance that enqueued it — one started by the webhook
	// processor is marked "canceled" by the main instance but runs on (see README "Scaling").
	expect((await post(`${n8n.baseUrl}/webhook/stuck`, { prompt: 'never ends' })).status).toBe(200);
	let executionId: string | undefined;
	await until(() => {
		executionId = [...workerOf().keys()].find((id) => !before.has(id));
		return executionId !== undefined && sim.count('status') >= 1;
	}, 30_000);
	expect(executionId).toBeDefined();

	const stoppedAt = Date.now();
	const stop = await n8n.rest('POST', `/rest/executions/${executionId}/stop`, {});
	expect(stop.status).toBe(200);
	let status = '';
	await until(async () => {
		const read = await n8n.rest('GET', `/rest/executions/${executionId}`);
		status = read.json?.data?.status ?? '';
		return ['canceled', 'crashed', 'error', 'success'].includes(status);
	}, 30_000);
	const stopMs = Date.now() - stoppedAt;
	expect(status).toBe('canceled');
	const polls = sim.count('status');
	await new Promise((r) => setTimeout(r, 2500));
	// No poll after the stop reached the worker (the poll interval is 1 s).
	expect(sim.count('status')).toBeLessThanOrEqual(polls);
	log(`stop from main → execution ${executionId} canceled in ${stopMs} ms`);
	recordFigures('queue mode', { 'stop from main until canceled, ms': stopMs });
	expect(stopMs).toBeLessThan(10_000);
}, 120_000);

it('callbacks reach the webhook processor; a task runs once, also after the processor restarts', async () => {
	const callbackUrl = `${hook(`${TRIGGER_WEBHOOK_ID}/apixo`)}?token=${TOKEN}`;
	const submit = await fetch(`${sim.baseUrl}/generateTask/seedance-2-0-mini`, {
		method: 'POST',
		headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
		body: JSON.stringify({
			request_type: 'callback',
			callback_url: callbackUrl,
			input: { mode: 'text-to-video', prompt: 'queue callback', duration: 4 },
		}),
	});
	const taskId = ((await submit.json()) as any).data.taskId as string;
	await until(() => caught.some((c) => c.taskId === taskId), 30_000);
	const runs = () => caught.filter((c) => c.taskId === taskId).length;
	expect(runs()).toBe(1);
	expect(caught.find((c) => c.taskId === taskId)).toMatchObject({
		state: 'success',
		verified: false,
	});

	// APIXO delivers the same task again: acknowledged, not run.
	expect(await sim.deliver(taskId)).toBe(200);
	// ...and again after the webhook processor restarted (dedupe lives in n8n's database).
	await webhookProcess.stop();
	await startWebhookProcessor();
	expect(await sim.deliver(taskId)).toBe(200);
	await new Promise((r) => setTimeout(r, 3000));
	expect(runs()).toBe(1);
	recordFigures('queue mode', {
		'callback deliveries of one task': 3,
		'workflow runs for it': runs(),
	});
}, 180_000);

it('downloadVideo works with the queue-mode binary-data setting (database)', async () => {
	const response = await post(hook('download'), { prompt: 'queue download' });
	expect(response.status).toBe(200);
	expect(response.headers.get('content-type')).toContain('video/mp4');
	const bytes = Buffer.from(await response.arrayBuffer());
	expect(bytes.length).toBe(RESULT_BYTES);
	expect(bytes.subarray(4, 8).toString()).toBe('ftyp');
}, 120_000);

it('pause mode: the callback reaches the webhook processor and the resumed execution runs on a worker', async () => {
	const before = workerOf();
	expect(
		(
			await post(hook('pause'), {
				items: [{ prompt: 'queue pause a' }, { prompt: 'queue pause b' }],
			})
		).status,
	).toBe(200);
	let executionId: string | undefined;
	await until(() => {
		executionId = [...workerOf().keys()].find((id) => !before.has(id));
		return executionId !== undefined && sim.count('submit') >= 2;
	}, 30_000);
	expect(executionId).toBeDefined();
	const callbackUrls = sim.requests
		.filter((r) => r.endpoint === 'submit')
		.map((r) => String((r.body as { callback_url: string }).callback_url));
	for (const url of callbackUrls)
		expect(url.startsWith(`http://127.0.0.1:${webhookPort}/webhook-waiting/${executionId}/`)).toBe(
			true,
		);
	let status = '';
	await until(async () => {
		status = (await n8n.rest('GET', `/rest/executions/${executionId}`)).json?.data?.status ?? '';
		return status === 'waiting';
	}, 30_000);
	expect(status).toBe('waiting');

	const reports = () => caught.filter((c) => String(c.execution) === executionId);
	await until(() => reports().length === 2, 60_000);
	expect(reports().map((r) => r.item.state)).toEqual(['success', 'success']);
	// Resumed by the webhook processor's call, run on a worker: the worker log names it twice.
	const startedOnWorkers = workers.flatMap((worker) =>
		[...worker.logs().matchAll(/Worker started execution (\d+)/g)]
			.filter((match) => match[1] === executionId)
			.map(() => worker.name),
	);
	expect(startedOnWorkers.length).toBeGreaterThanOrEqual(2);
	expect(webhookProcess.logs()).not.toMatch(/Error in handling webhook request.*webhook-waiting/);
	recordFigures('queue mode', {
		'pause mode: runs of the execution on workers (submit, then resume)': startedOnWorkers.length,
	});
}, 180_000);
