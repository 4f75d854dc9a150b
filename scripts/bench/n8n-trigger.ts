/**
 * Figure 5: callbacks per second and acknowledgement latency of the APIXO Trigger, against n8n's
 * own Webhook node, under the same load generator (autocannon, bounded request count) — its
 * workflows, the callback bodies and the load runs.
 */
import type { N8nInstance } from '../../tools/n8n-host/host';
import { n8nNode, pairWorkflow, webhookNode } from '../../tools/n8n-host/workflows';
import type { Figure } from './report';

const autocannon = require('autocannon');

const TOKEN = 'bench-SECRET-token';

export const TRIGGER_WORKFLOWS = [
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

export async function triggerFigures(
	n8n: N8nInstance,
	log: (line: string) => void,
): Promise<Figure[]> {
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
