/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/**
 * Figures 3 and 5, in a real n8n started by the script (`n8n start`, filesystem binary mode):
 * - the memory of the n8n process while Seedance Mini downloads a result video, against n8n's
 *   own HTTP Request node downloading the same file;
 * - callbacks per second and acknowledgement latency of the APIXO Trigger, against n8n's own
 *   Webhook node, under the same load generator (autocannon, bounded request count).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
	createInstance,
	N8N_VERSION,
	packPackage,
	type N8nInstance,
} from '../../test/e2e/n8n-host';
import {
	apixoCredential,
	CREDENTIAL_ID,
	n8nNode,
	pairWorkflow,
	webhookNode,
} from '../../test/e2e/workflows';
import { onCleanup } from '../../test/harness/cleanup';
import { startSimulator, type Simulator } from '../../test/simulator/server';
import type { Figure } from './report';

const autocannon = require('autocannon');

const KEY = 'sk-bench-SECRET-0003';
const TOKEN = 'bench-SECRET-token';
const MB = 1024 * 1024;
const SIZES_MB = [50, 200, 500];

const WORKFLOWS = [
	pairWorkflow(
		'benchDownloadApixo',
		webhookNode('download-apixo', 'lastNode'),
		n8nNode(
			'Seedance Mini',
			'n8n-nodes-apixo.seedanceMini',
			{
				operation: 'getStatus',
				taskId: '={{ $json.body.taskId }}',
				options: { downloadVideo: true },
			},
			{ credentials: { apixoApi: { id: CREDENTIAL_ID, name: 'APIXO (simulator)' } } },
		),
	),
	pairWorkflow(
		'benchDownloadHttp',
		webhookNode('download-http', 'lastNode'),
		n8nNode(
			'HTTP Request',
			'n8n-nodes-base.httpRequest',
			{
				url: '={{ $json.body.url }}',
				options: { response: { response: { responseFormat: 'file' } } },
			},
			{ typeVersion: 4.2 },
		),
	),
	pairWorkflow(
		'benchTriggerApixo',
		n8nNode(
			'APIXO Trigger',
			'n8n-nodes-apixo.apixoTrigger',
			{ token: TOKEN },
			{ webhookId: 'bench-apixo-trigger' },
		),
		n8nNode('Done', 'n8n-nodes-base.noOp', {}),
	),
	pairWorkflow(
		'benchTriggerWebhook',
		webhookNode('callback-webhook', 'onReceived'),
		n8nNode('Done', 'n8n-nodes-base.noOp', {}),
	),
];

// ---------------------------------------------------------------------------------------------
// Memory of the n8n process, from /proc (Linux): VmHWM is the peak, reset by clear_refs 5.

const statusKb = (pid: number, field: 'VmRSS' | 'VmHWM') => {
	const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(
		new RegExp(`${field}:\\s+(\\d+) kB`),
	);
	if (!match) throw new Error(`no ${field} for process ${pid}`);
	return Number(match[1]);
};

async function peakGrowthMb(pid: number, run: () => Promise<void>): Promise<number> {
	(global as { gc?: () => void }).gc?.();
	await new Promise((r) => setTimeout(r, 500)); // let the process settle after the last run
	const before = statusKb(pid, 'VmRSS');
	writeFileSync(`/proc/${pid}/clear_refs`, '5');
	await run();
	return (statusKb(pid, 'VmHWM') - before) / 1024;
}

async function postJson(url: string, body: unknown): Promise<any> {
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
	return text ? JSON.parse(text) : {};
}

/** A finished task whose result file is `bytes` long. */
async function finishedTask(
	sim: Simulator,
	bytes: number,
): Promise<{ taskId: string; url: string }> {
	sim.planNextTasks({ resultBytes: bytes });
	const submitted = await fetch(`${sim.baseUrl}/generateTask/seedance-2-0-mini`, {
		method: 'POST',
		headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
		body: JSON.stringify({ input: { mode: 'text-to-video', prompt: 'benchmark', duration: 4 } }),
	});
	const taskId = ((await submitted.json()) as any).data.taskId as string;
	for (;;) {
		const data = sim.taskData(taskId);
		if (data?.state === 'success')
			return { taskId, url: JSON.parse(data.resultJson!).resultUrls[0] };
		await new Promise((r) => setTimeout(r, 50));
	}
}

const RUNS = 3;
const median = (values: number[]) =>
	[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function downloadFigures(
	n8n: N8nInstance,
	sim: Simulator,
	log: (line: string) => void,
): Promise<Figure[]> {
	const pid = n8n.pid()!;
	const hook = (name: string) => `${n8n.baseUrl}/webhook/${name}`;
	const ours = async (task: { taskId: string }) => {
		const out = await postJson(hook('download-apixo'), { taskId: task.taskId });
		if (out.state !== 'success' || out.taskId !== task.taskId)
			throw new Error(`Seedance Mini download run gave ${JSON.stringify(out).slice(0, 300)}`);
	};
	const theirs = async (task: { url: string }) =>
		void (await postJson(hook('download-http'), { url: task.url }));
	// Warm-up: both workflows once with a small file (modules loaded, pools created).
	const small = await finishedTask(sim, MB);
	await ours(small);
	await theirs(small);

	const figures: Figure[] = [];
	for (const sizeMb of SIZES_MB) {
		const task = await finishedTask(sim, sizeMb * MB);
		// Alternating runs, the median of each side: one GC pause cannot decide a figure.
		const samples: Record<'ours' | 'theirs', number[]> = { ours: [], theirs: [] };
		for (let round = 0; round < RUNS; round++) {
			samples.theirs.push(await peakGrowthMb(pid, () => theirs(task)));
			samples.ours.push(await peakGrowthMb(pid, () => ours(task)));
		}
		const baseline = median(samples.theirs);
		const growth = median(samples.ours);
		const served = sim.requests.filter(
			(r) => r.endpoint === 'file' && r.taskId === task.taskId,
		).length;
		if (served !== 2 * RUNS)
			throw new Error(
				`expected ${2 * RUNS} downloads of ${task.taskId}, the file host saw ${served}`,
			);
		const line = `download ${sizeMb} MB: n8n peak RSS growth ${growth.toFixed(1)} MB with Seedance Mini, ${baseline.toFixed(1)} MB with the HTTP Request node`;
		log(line);
		figures.push({
			group: 'download',
			name: `${sizeMb} MB video into the item`,
			value: Number(growth.toFixed(1)),
			unit: 'MB RSS growth',
			goal: '≤ 16 MB and ≤ HTTP Request + 16 MB',
			met: growth <= 16 && growth <= baseline + 16,
			detail: `HTTP Request node on the same file: ${baseline.toFixed(1)} MB (difference ${(growth - baseline).toFixed(1)} MB); medians of ${RUNS} runs a side: ${samples.ours.map((x) => x.toFixed(1)).join(', ')} vs ${samples.theirs.map((x) => x.toFixed(1)).join(', ')} MB`,
			barScale: 16,
			bars: [
				{ label: `Seedance Mini, ${sizeMb} MB`, value: Number(growth.toFixed(1)), unit: 'MB' },
				{
					label: `HTTP Request node, ${sizeMb} MB`,
					value: Number(baseline.toFixed(1)),
					unit: 'MB',
				},
			],
		});
	}
	return figures;
}

// ---------------------------------------------------------------------------------------------
// Callbacks: the same bodies to both webhooks, each with its own taskId.

function callbackBody(taskId: string) {
	return JSON.stringify({
		code: 200,
		message: 'success',
		data: {
			taskId,
			state: 'success',
			resultJson: JSON.stringify({ resultUrls: [`https://files.example.com/${taskId}.mp4`] }),
			createTime: Date.now() - 60_000,
			completeTime: Date.now(),
			costTime: 60_000,
		},
	});
}

interface Load {
	perSecond: number;
	p50: number;
	p99: number;
	non2xx: number;
	errors: number;
}

/** `amount` callbacks as fast as 10 connections go, or at a steady `rate` a second. */
function load(url: string, amount: number, tag: string, rate?: number): Promise<Load> {
	let seq = 0;
	return new Promise((resolve, reject) => {
		autocannon(
			{
				url,
				method: 'POST',
				connections: rate ? 5 : 10,
				...(rate ? { overallRate: rate } : {}),
				amount,
				timeout: 30,
				headers: { 'content-type': 'application/json' },
				requests: [
					{
						setupRequest: (request: any) => ({
							...request,
							body: callbackBody(`task_${tag}_${++seq}`),
						}),
					},
				],
			},
			(error: Error | null, result: any) =>
				error
					? reject(error)
					: resolve({
							perSecond: result.requests.total / (result.duration || 1),
							p50: result.latency.p50,
							p99: result.latency.p99,
							non2xx: result.non2xx,
							errors: result.errors + result.timeouts,
						}),
		);
	});
}

async function triggerFigures(n8n: N8nInstance, log: (line: string) => void): Promise<Figure[]> {
	const AMOUNT = 2000;
	const urls = {
		apixo: `${n8n.baseUrl}/webhook/bench-apixo-trigger/apixo?token=${TOKEN}`,
		webhook: `${n8n.baseUrl}/webhook/callback-webhook`,
	};
	// Warm-up, then the measured runs, alternating so neither side gets a quieter machine.
	await load(urls.webhook, 200, 'warm-w');
	await load(urls.apixo, 200, 'warm-a');
	const runs: Record<'apixo' | 'webhook', Load[]> = { apixo: [], webhook: [] };
	for (const round of [1, 2]) {
		runs.webhook.push(await load(urls.webhook, AMOUNT, `w${round}`));
		runs.apixo.push(await load(urls.apixo, AMOUNT, `a${round}`));
	}
	const best = (list: Load[]) => list.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
	const apixo = best(runs.apixo);
	const base = best(runs.webhook);
	// Flat out, any receiver's latency is connections ÷ throughput (Little's law): the time a
	// callback waits in line. What APIXO sees is the latency at a steady rate below that.
	const rate = Math.floor(Math.min(apixo.perSecond, base.perSecond) / 2);
	const steady = {
		webhook: await load(urls.webhook, rate * 10, 'sw', rate),
		apixo: await load(urls.apixo, rate * 10, 'sa', rate),
	};
	for (const r of [...runs.apixo, ...runs.webhook, steady.apixo, steady.webhook])
		if (r.non2xx || r.errors)
			throw new Error(`callback load saw ${r.non2xx} non-2xx answers and ${r.errors} errors`);
	const ratio = Number((apixo.perSecond / base.perSecond).toFixed(2));
	log(
		`trigger flat out: APIXO Trigger ${apixo.perSecond.toFixed(0)} callbacks/s (p50 ${apixo.p50} ms, p99 ${apixo.p99} ms) vs Webhook node ${base.perSecond.toFixed(0)}/s (p50 ${base.p50} ms, p99 ${base.p99} ms): ratio ${ratio}`,
	);
	log(
		`trigger at ${rate} callbacks/s: APIXO Trigger p50 ${steady.apixo.p50} ms, p99 ${steady.apixo.p99} ms vs Webhook node p50 ${steady.webhook.p50} ms, p99 ${steady.webhook.p99} ms`,
	);
	return [
		{
			group: 'trigger',
			name: 'Callbacks/s, APIXO Trigger ÷ Webhook node',
			value: ratio,
			unit: '×',
			goal: '≥ 0.9',
			met: ratio >= 0.9,
			detail: `${apixo.perSecond.toFixed(0)}/s vs ${base.perSecond.toFixed(0)}/s; ${AMOUNT} callbacks a run, 10 connections, best of 2 runs each, every callback a new task (each starts an execution)`,
			bars: [
				{ label: 'APIXO Trigger', value: Number(apixo.perSecond.toFixed(0)), unit: 'callbacks/s' },
				{
					label: "n8n's Webhook node",
					value: Number(base.perSecond.toFixed(0)),
					unit: 'callbacks/s',
				},
			],
		},
		{
			group: 'trigger',
			name: `Acknowledgement latency p99 at ${rate} callbacks/s, APIXO Trigger`,
			value: steady.apixo.p99,
			unit: 'ms',
			goal: '< 100 ms',
			met: steady.apixo.p99 < 100,
			detail: `p50 ${steady.apixo.p50} ms; Webhook node p50 ${steady.webhook.p50} ms, p99 ${steady.webhook.p99} ms (${rate * 10} callbacks at a steady ${rate}/s, half the flat-out rate). Flat out (10 connections) both wait in line: APIXO Trigger p50 ${apixo.p50} / p99 ${apixo.p99} ms, Webhook node p50 ${base.p50} / p99 ${base.p99} ms`,
			bars: [
				{ label: 'APIXO Trigger p99', value: steady.apixo.p99, unit: 'ms' },
				{ label: "n8n's Webhook node p99", value: steady.webhook.p99, unit: 'ms' },
			],
		},
	];
}

export async function n8nFigures(log: (line: string) => void): Promise<Figure[]> {
	const sim = await startSimulator({ apiKeys: [KEY], timing: { pendingMs: 50, processingMs: 50 } });
	const closeSim = onCleanup('simulator', () => sim.close());
	const packDir = mkdtempSync(path.join(os.tmpdir(), 'apixo-bench-pack-'));
	const removePack = onCleanup(packDir, () => rmSync(packDir, { recursive: true, force: true }));
	const tarball = await packPackage(packDir);
	const n8n = await createInstance(tarball);
	try {
		await n8n.importCredentials([apixoCredential(sim.baseUrl, KEY)]);
		await n8n.importWorkflows(WORKFLOWS);
		for (const { id } of WORKFLOWS) {
			const published = await n8n.cli(['publish:workflow', `--id=${id}`]);
			if (published.code !== 0)
				throw new Error(`publish ${id}: ${published.stderr}${published.stdout}`);
		}
		await n8n.start();
		log(`n8n ${N8N_VERSION} started (pid ${n8n.pid()}), filesystem binary-data mode`);
		return [...(await downloadFigures(n8n, sim, log)), ...(await triggerFigures(n8n, log))];
	} finally {
		await n8n.stop();
		await closeSim();
		await removePack();
	}
}
