/**
 * Figures 1 and 2: a batch that waits for completion, and the status calls each task costs,
 * measured with the node inside n8n-core's execution engine against the simulator.
 */
import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { onCleanup } from '../../tools/cleanup';
import { runNode, type RunNodeOptions } from '../../tools/engine';
import { startSimulator, type Simulator } from '../../tools/simulator/server';
import type { Figure } from './report';

const KEY = 'sk-bench-SECRET-0001';
/** Every task takes L = 3 s: a fixed latency, so the ratios measure the node, not the draw. */
const TIMING = { pendingMs: 1000, processingMs: 2000 };
const LATENCY_S = 3;
const FIRST_POLL_S = 1;
const INTERVAL_S = 0.2;
const IDEAL_CALLS = 1 + Math.ceil((LATENCY_S - FIRST_POLL_S) / INTERVAL_S);

const node = new SeedanceMini();

async function runBatch(sim: Simulator, items: number, concurrency?: number) {
	sim.reset();
	const started = Date.now();
	const { error, items: out } = await runNode({
		node,
		parameters: {
			operation: 'generate',
			mode: 'text-to-video',
			prompt: 'a paper boat on a rainy street',
			waitForCompletion: true,
			options: {
				firstPollDelay: FIRST_POLL_S,
				pollInterval: INTERVAL_S,
				maxWait: 120,
				...(concurrency ? { concurrency } : {}),
			},
		} as RunNodeOptions['parameters'],
		items: Array.from({ length: items }, (_, i) => ({ json: { i } })),
		credentials: { apixoApi: { apiKey: KEY, baseUrl: sim.baseUrl } },
	});
	const wallS = (Date.now() - started) / 1000;
	if (error) throw new Error(`batch of ${items} failed: ${error.message}`);
	if (out.length !== items || out.some((item) => item.json.state !== 'success'))
		throw new Error(`batch of ${items}: not every item succeeded`);
	return { wallS, statusCalls: statusCallsPerTask(sim) };
}

function statusCallsPerTask(sim: Simulator): number[] {
	const calls = new Map<string, number>();
	for (const r of sim.requests)
		if (r.endpoint === 'status' && r.taskId) calls.set(r.taskId, (calls.get(r.taskId) ?? 0) + 1);
	return [...calls.values()];
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export async function batchFigures(log: (line: string) => void): Promise<Figure[]> {
	const sim = await startSimulator({ apiKeys: [KEY], timing: TIMING, resultBytes: 1024 });
	const closeSim = onCleanup('simulator', () => sim.close());
	try {
		await runBatch(sim, 2); // warm-up: modules loaded, sockets opened
		const one = await runBatch(sim, 1);
		const figures: Figure[] = [];
		const calls: number[] = [...one.statusCalls];
		const walls: Record<number, number> = {};
		for (const n of [5, 20, 50]) {
			const r = await runBatch(sim, n, n);
			walls[n] = r.wallS;
			calls.push(...r.statusCalls);
			const ratio = round(r.wallS / one.wallS);
			log(
				`batch wait: ${n} items, concurrency ${n}: ${r.wallS.toFixed(2)} s, wall(${n})/wall(1) = ${ratio}`,
			);
			figures.push({
				group: 'batch',
				name: `Batch of ${n}, concurrency ${n}`,
				value: ratio,
				unit: '× wall(1)',
				goal: n === 20 ? '≤ 1.15' : undefined,
				met: n === 20 ? ratio <= 1.15 : undefined,
				detail: `${r.wallS.toFixed(2)} s vs ${one.wallS.toFixed(2)} s for 1 item`,
			});
		}
		// Default settings: no Concurrency set, so the node finds what the account allows.
		const byDefault = await runBatch(sim, 20);
		const peer = await runBatch(sim, 20, 1);
		for (const [label, r, goal] of [
			['default settings (Concurrency not set)', byDefault, 1.15],
			['concurrency 1 (one at a time, as peer nodes do)', peer, undefined],
		] as const) {
			const ratio = round(r.wallS / one.wallS);
			log(`batch wait: 20 items, ${label}: ${r.wallS.toFixed(2)} s, wall(20)/wall(1) = ${ratio}`);
			figures.push({
				group: 'batch',
				name: `Batch of 20, ${label}`,
				value: ratio,
				unit: '× wall(1)',
				...(goal ? { goal: `≤ ${goal}`, met: ratio <= goal } : {}),
				detail: `${r.wallS.toFixed(2)} s`,
			});
		}
		figures.push(await accountLimitFigure(sim, one.wallS, log));
		const headline = figures.find((f) => f.name === 'Batch of 20, concurrency 20');
		if (headline) {
			headline.bars = [
				{ label: '20 videos, concurrency 20', value: round(walls[20]), unit: 's' },
				{ label: '1 video', value: round(one.wallS), unit: 's' },
				{ label: '20 videos, default concurrency (10)', value: round(byDefault.wallS), unit: 's' },
				{ label: '20 videos, one at a time (peers)', value: round(peer.wallS), unit: 's' },
			];
		}
		calls.push(...byDefault.statusCalls);
		const worst = Math.max(...calls);
		const mean = calls.reduce((a, b) => a + b, 0) / calls.length;
		log(
			`status calls per task: mean ${mean.toFixed(2)}, max ${worst}, ideal ${IDEAL_CALLS} (L ${LATENCY_S} s, first poll ${FIRST_POLL_S} s, interval ${INTERVAL_S} s; ${calls.length} tasks)`,
		);
		figures.push({
			group: 'polling',
			name: 'Status calls per task (max over all tasks above)',
			value: round(worst / IDEAL_CALLS),
			unit: '× ideal',
			goal: `≤ ideal + 1 = ${IDEAL_CALLS + 1} calls`,
			met: worst <= IDEAL_CALLS + 1,
			detail: `max ${worst}, mean ${mean.toFixed(2)} calls; ideal ${IDEAL_CALLS} = 1 + ceil((${LATENCY_S} − ${FIRST_POLL_S}) / ${INTERVAL_S}); ${calls.length} tasks`,
		});
		figures.push(await stormFigure(sim, log));
		return figures;
	} finally {
		await closeSim();
	}
}

/**
 * Default settings against an account that holds at most K unfinished tasks (a submit beyond is
 * 429, creating nothing): the node should settle on K, taking about ⌈N/K⌉ task times, with at
 * most one 429 per back-off step (no submit while a back-off runs).
 */
async function accountLimitFigure(
	sim: Simulator,
	oneWallS: number,
	log: (line: string) => void,
): Promise<Figure> {
	const N = 20;
	const K = 5;
	sim.taskLimit = { tasks: K };
	try {
		const r = await runBatch(sim, N);
		const ideal = Math.ceil(N / K) * oneWallS;
		const ratio = round(r.wallS / ideal);
		const submits = sim.requests.filter((q) => q.endpoint === 'submit');
		const refused = submits.filter((q) => q.status === 429);
		// A submit sent before the back-off of the 429 before it ended (its floor: 0.5 s).
		const early = refused.filter((q) => {
			const next = submits.find((s) => s.seq > q.seq);
			return next !== undefined && next.receivedAt - q.respondedAt! < 500;
		}).length;
		log(
			`account limit ${K}, ${N} items, default settings: ${r.wallS.toFixed(2)} s = ${ratio} × ⌈N/K⌉ task times; ${refused.length} 429s, ${early} sent early`,
		);
		return {
			group: 'batch',
			name: `Batch of ${N} on an account limited to ${K} tasks, default settings`,
			value: ratio,
			unit: '× ⌈N/K⌉ task times',
			goal: '≤ 1.15, one 429 per back-off step',
			met: ratio <= 1.15 && early === 0,
			detail: `${r.wallS.toFixed(2)} s vs ${Math.ceil(N / K)} × ${oneWallS.toFixed(2)} s; ${refused.length} 429s (each one back-off step; ${early} submits inside a back-off)`,
		};
	} finally {
		sim.taskLimit = undefined;
	}
}

/** A 429 storm with Retry-After on the status route: extra calls and how early each came. */
async function stormFigure(sim: Simulator, log: (line: string) => void): Promise<Figure> {
	const STORM = 3;
	const RETRY_AFTER_S = 1;
	sim.reset();
	sim.inject({
		endpoint: 'status',
		kind: 'http',
		status: 429,
		retryAfterSeconds: RETRY_AFTER_S,
		times: STORM,
	});
	const { error } = await runNode({
		node,
		parameters: {
			operation: 'generate',
			mode: 'text-to-video',
			prompt: 'a lighthouse in a storm',
			options: { firstPollDelay: FIRST_POLL_S, pollInterval: INTERVAL_S, maxWait: 120 },
		} as RunNodeOptions['parameters'],
		credentials: { apixoApi: { apiKey: KEY, baseUrl: sim.baseUrl } },
	});
	if (error) throw new Error(`429 storm run failed: ${error.message}`);
	const status = sim.requests.filter((r) => r.endpoint === 'status');
	// How long after each 429 the next call came, against the Retry-After it carried.
	const gaps = status
		.slice(0, -1)
		.map((r, k) =>
			r.status === 429 ? status[k + 1].receivedAt - (r.respondedAt ?? r.receivedAt) : undefined,
		)
		.filter((gap): gap is number => gap !== undefined);
	const earliest = Math.min(...gaps);
	const allowed = IDEAL_CALLS + STORM;
	log(
		`429 storm (${STORM} × Retry-After ${RETRY_AFTER_S} s): ${status.length} status calls (allowed ≤ ${allowed}); shortest wait after a 429: ${earliest} ms`,
	);
	return {
		group: 'polling',
		name: `Status calls under a 429 storm (${STORM} × Retry-After ${RETRY_AFTER_S} s)`,
		value: round(status.length / allowed),
		unit: '× allowed',
		goal: `≤ ideal + ${STORM} = ${allowed} calls; none before Retry-After`,
		met: status.length <= allowed && earliest >= RETRY_AFTER_S * 1000,
		detail: `${status.length} calls; shortest wait after a 429 ${earliest} ms (Retry-After ${RETRY_AFTER_S * 1000} ms)`,
	};
}
