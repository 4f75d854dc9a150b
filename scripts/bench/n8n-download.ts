/**
 * Figure 3: the memory of the n8n process while Seedance Mini downloads a result video into the
 * item, against n8n's own HTTP Request node downloading the same file — its workflows, the
 * simulator tasks it downloads and the peak-RSS measurement.
 */
import { readFileSync, writeFileSync } from 'node:fs';

import type { N8nInstance } from '../../tools/n8n-host/host';
import { credentials, n8nNode, pairWorkflow, webhookNode } from '../../tools/n8n-host/workflows';
import type { Simulator } from '../../tools/simulator/server';
import type { Figure } from './report';

const MB = 1024 * 1024;
const SIZES_MB = [50, 200, 500];

export const DOWNLOAD_WORKFLOWS = [
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
			{ credentials },
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
];

// Memory of the n8n process, from /proc (Linux): VmHWM is the peak, reset by clear_refs 5.

export const statusKb = (pid: number, field: 'VmRSS' | 'VmHWM') => {
	const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(
		new RegExp(`${field}:\\s+(\\d+) kB`),
	);
	if (!match) throw new Error(`no ${field} for process ${pid}`);
	return Number(match[1]);
};

export async function peakGrowthMb(pid: number, run: () => Promise<void>): Promise<number> {
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
		headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
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

export async function downloadFigures(
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
