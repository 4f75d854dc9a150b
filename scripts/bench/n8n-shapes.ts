/**
 * Figure 7, in a real n8n: what the shapes users build cost.
 * - Pause mode: the status reads one batch costs when APIXO calls back in any order — 20 and
 *   100 tasks in one execution, finishing newest first, oldest first and in random order.
 * - Retry On Fail (3 tries) + Continue On Fail with items ["", "a fox"], and Retry On Fail
 *   without it where another task fails: submits per task that succeeded.
 */
import type { N8nInstance } from '../../tools/n8n-host/host';
import { pauseWorkflow } from '../../tools/n8n-host/workflows';
import type { Simulator } from '../../tools/simulator/server';
import type { Figure } from './report';

const PAUSE = {
	operation: 'generate',
	mode: 'text-to-video',
	prompt: '={{ $json.prompt }}',
	resolution: '480p',
	duration: 4,
	waitForCompletion: true,
	waitMode: 'pause',
	options: { maxWait: 600 },
};
const POLL = {
	...PAUSE,
	waitMode: 'poll',
	options: { firstPollDelay: 0.5, pollInterval: 0.2, maxWait: 60 },
};
const RETRY = { retryOnFail: true, maxTries: 3, waitBetweenTries: 100 };

export const SHAPE_WORKFLOWS = [
	pauseWorkflow('benchShapePause', 'shape-pause', PAUSE),
	pauseWorkflow('benchShapeRetryContinue', 'shape-retry-continue', POLL, undefined, {
		...RETRY,
		onError: 'continueRegularOutput',
	}),
	pauseWorkflow('benchShapeRetry', 'shape-retry', POLL, undefined, RETRY),
];

/** A fixed shuffle: the same "random" order in every run. */
function shuffled(n: number): number[] {
	const order = Array.from({ length: n }, (_, i) => i);
	let seed = 2718;
	for (let i = n - 1; i > 0; i--) {
		seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
		const j = seed % (i + 1);
		[order[i], order[j]] = [order[j], order[i]];
	}
	return order;
}

const ORDERS: Record<string, (n: number) => (i: number) => number> = {
	'newest first': (n) => (i) => n - 1 - i,
	'oldest first': () => (i) => i,
	random: (n) => {
		const order = shuffled(n);
		return (i) => order[i];
	},
};

async function latest(n8n: N8nInstance, workflowId: string) {
	const list = await n8n.rest('GET', '/rest/executions?limit=20');
	return (list.json.data.results as Array<{ workflowId: string; status: string }>).find(
		(e) => e.workflowId === workflowId,
	);
}

/** Start a workflow through its webhook and wait until its newest execution is `status`. */
async function runToEnd(
	n8n: N8nInstance,
	workflowId: string,
	path: string,
	prompts: string[],
	status: string,
) {
	const answer = await fetch(`${n8n.baseUrl}/webhook/${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ items: prompts.map((prompt) => ({ prompt })) }),
	});
	if (answer.status !== 200) throw new Error(`${path}: HTTP ${answer.status}`);
	const end = Date.now() + 180_000;
	for (;;) {
		const execution = await latest(n8n, workflowId);
		if (execution?.status === status) return;
		if (Date.now() > end) throw new Error(`${workflowId}: still ${execution?.status}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** Status reads a task for one pause batch of `n` tasks finishing in `order`. */
async function pauseReads(
	n8n: N8nInstance,
	sim: Simulator,
	n: number,
	order: string,
	log: (line: string) => void,
): Promise<number> {
	sim.reset();
	const rank = ORDERS[order](n);
	// Spread over ~3 s whatever n: far apart enough that the order holds, callbacks overlap.
	const stepMs = Math.round(3000 / n);
	sim.planNextTasks(
		...Array.from({ length: n }, (_, i) => ({ pendingMs: 500, processingMs: 1500 + stepMs * rank(i) })),
	);
	await runToEnd(
		n8n,
		'benchShapePause',
		'shape-pause',
		Array.from({ length: n }, (_, i) => `a fox, take ${i}`),
		'success',
	);
	const perTask = sim.count('status') / n;
	log(`pause, ${n} tasks finishing ${order}: ${sim.count('status')} status reads, ${perTask.toFixed(2)} a task`);
	return perTask;
}

const submitsOf = (sim: Simulator, prompt: string) =>
	sim.requests.filter(
		(r) =>
			r.endpoint === 'submit' && (r.body as { input?: { prompt?: string } }).input?.prompt === prompt,
	).length;

export async function shapeFigures(
	n8n: N8nInstance,
	sim: Simulator,
	log: (line: string) => void,
): Promise<Figure[]> {
	sim.reset();
	const figures: Figure[] = [];
	for (const n of [20, 100]) {
		const reads: Record<string, number> = {};
		for (const order of Object.keys(ORDERS)) reads[order] = await pauseReads(n8n, sim, n, order, log);
		const worst = Math.max(...Object.values(reads));
		figures.push({
			group: 'shapes',
			name: `Pause: status reads a task, ${n} tasks called back in any order (worst order)`,
			value: Number(worst.toFixed(2)),
			unit: 'reads a task',
			goal: '≤ 2',
			met: worst <= 2,
			detail: Object.entries(reads)
				.map(([order, perTask]) => `${order} ${perTask.toFixed(2)}`)
				.join(', '),
		});
	}

	sim.reset();
	await runToEnd(n8n, 'benchShapeRetryContinue', 'shape-retry-continue', ['', 'a fox'], 'success');
	const withContinue = submitsOf(sim, 'a fox');
	sim.reset();
	const failed = { outcome: 'failed' as const, failCode: 'UPSTREAM_ERROR' };
	sim.planNextTasks({}, failed, failed, failed);
	await runToEnd(n8n, 'benchShapeRetry', 'shape-retry', ['a fox', 'a failing owl'], 'error');
	const withFailure = submitsOf(sim, 'a fox');
	const failing = submitsOf(sim, 'a failing owl');
	log(
		`Retry On Fail (3 tries): with Continue On Fail and an invalid item, "a fox" submitted ${withContinue}×; without it and a failing task, "a fox" ${withFailure}×, the failing one ${failing}×`,
	);
	figures.push({
		group: 'shapes',
		name: 'Retry On Fail (3 tries): submits of a task that succeeded',
		value: Math.max(withContinue, withFailure),
		unit: '× submitted',
		goal: '1',
		met: withContinue === 1 && withFailure === 1,
		detail: `with Continue On Fail and items ["", "a fox"]: ${withContinue}; without it, when the other item's task fails each try: ${withFailure} (the failing task: ${failing}, one per try)`,
	});
	return figures;
}
