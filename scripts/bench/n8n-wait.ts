/**
 * Figure 6: waiting for renders in a real n8n, poll vs pause. The same 50 executions of one task
 * each (the simulator renders in ~20 s), started through a webhook: in poll mode each execution
 * keeps running and checks the task; in pause mode each sleeps in n8n's database until the
 * simulator calls back. Measured: executions running during the wait, n8n's peak memory above
 * idle, status calls per task, and the wall time from the first submit to the last result.
 */
import type { N8nInstance } from '../../tools/n8n-host/host';
import { credentials, n8nNode, pairWorkflow, webhookNode } from '../../tools/n8n-host/workflows';
import type { Simulator } from '../../tools/simulator/server';
import { peakGrowthMb, statusKb } from './n8n-download';
import type { Figure } from './report';

const EXECUTIONS = 50;
const RENDER_MS = 20_000;
/** Poll mode scaled like the render: first look at 3/4 of it, then every 2 s. */
const POLL = { firstPollDelay: 15, pollInterval: 2, maxWait: 300 };

const seedance = (waitMode: 'poll' | 'pause') =>
	n8nNode(
		'Seedance Mini',
		'n8n-nodes-apixo.seedanceMini',
		{
			operation: 'generate',
			mode: 'text-to-video',
			prompt: '={{ $json.body.prompt }}',
			resolution: '480p',
			duration: 4,
			waitForCompletion: true,
			waitMode,
			options: waitMode === 'poll' ? POLL : { maxWait: 300 },
		},
		{ credentials },
	);

export const WAIT_WORKFLOWS = [
	pairWorkflow('benchWaitPoll', webhookNode('wait-poll', 'onReceived'), seedance('poll')),
	pairWorkflow('benchWaitPause', webhookNode('wait-pause', 'onReceived'), seedance('pause')),
];

interface Execution {
	id: string;
	workflowId: string;
	status: string;
	stoppedAt?: string;
}

async function executionsOf(n8n: N8nInstance, workflowId: string): Promise<Execution[]> {
	const list = await n8n.rest('GET', '/rest/executions?limit=500');
	return (list.json.data.results as Execution[]).filter((e) => e.workflowId === workflowId);
}

interface WaitRun {
	mode: 'poll' | 'pause';
	runningDuringWait: number;
	peakGrowthMb: number;
	/** The most n8n's memory stood above idle while the renders ran (what waiting holds). */
	waitGrowthMb: number;
	statusCallsPerTask: number;
	wallS: number;
}

async function runMode(
	n8n: N8nInstance,
	sim: Simulator,
	mode: 'poll' | 'pause',
	log: (line: string) => void,
): Promise<WaitRun> {
	const workflowId = mode === 'poll' ? 'benchWaitPoll' : 'benchWaitPause';
	sim.reset();
	sim.planNextTasks(
		...Array.from({ length: EXECUTIONS }, () => ({
			pendingMs: 1000,
			processingMs: RENDER_MS - 1000,
		})),
	);
	let runningDuringWait = 0;
	let waitKb = 0;
	const pid = n8n.pid()!;
	const idleKb = statusKb(pid, 'VmRSS');
	const growth = await peakGrowthMb(pid, async () => {
		await Promise.all(
			Array.from({ length: EXECUTIONS }, async (_, n) => {
				const answer = await fetch(`${n8n.baseUrl}/webhook/wait-${mode}`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ prompt: `bench ${mode} ${n}` }),
				});
				if (answer.status !== 200) throw new Error(`wait-${mode}: HTTP ${answer.status}`);
			}),
		);
		// While the renders run (between the last submit and the first result): who holds a run?
		const waitEnds = Date.now() + RENDER_MS / 2;
		await new Promise((resolve) => setTimeout(resolve, RENDER_MS / 4));
		while (Date.now() < waitEnds) {
			const running = (await executionsOf(n8n, workflowId)).filter((e) => e.status === 'running');
			runningDuringWait = Math.max(runningDuringWait, running.length);
			waitKb = Math.max(waitKb, statusKb(pid, 'VmRSS') - idleKb);
			await new Promise((resolve) => setTimeout(resolve, 1000));
		}
		for (;;) {
			const done = (await executionsOf(n8n, workflowId)).filter((e) => e.status === 'success');
			if (done.length >= EXECUTIONS) break;
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	});
	const executions = (await executionsOf(n8n, workflowId)).slice(0, EXECUTIONS);
	const firstSubmit = Math.min(
		...sim.requests.filter((r) => r.endpoint === 'submit').map((r) => r.receivedAt),
	);
	const lastResult = Math.max(...executions.map((e) => Date.parse(e.stoppedAt!)));
	const run: WaitRun = {
		mode,
		runningDuringWait,
		peakGrowthMb: growth,
		waitGrowthMb: waitKb / 1024,
		statusCallsPerTask: sim.count('status') / EXECUTIONS,
		wallS: (lastResult - firstSubmit) / 1000,
	};
	log(
		`wait ${mode}: ${EXECUTIONS} executions, running during the wait ${run.runningDuringWait}, RSS during the wait +${run.waitGrowthMb.toFixed(1)} MB, peak +${run.peakGrowthMb.toFixed(1)} MB, ${run.statusCallsPerTask.toFixed(2)} status calls a task, first submit → last result ${run.wallS.toFixed(1)} s`,
	);
	return run;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export async function waitFigures(
	n8n: N8nInstance,
	sim: Simulator,
	log: (line: string) => void,
): Promise<Figure[]> {
	const poll = await runMode(n8n, sim, 'poll', log);
	const pause = await runMode(n8n, sim, 'pause', log);
	const ratio = round(pause.wallS / poll.wallS);
	const both = `${EXECUTIONS} executions of one ~${RENDER_MS / 1000} s task each`;
	return [
		{
			group: 'waiting',
			name: 'Wall time, first submit to last result: pause / poll',
			value: ratio,
			unit: '× poll',
			goal: '≤ 1.1',
			met: ratio <= 1.1,
			detail: `${both}: pause ${pause.wallS.toFixed(1)} s, poll ${poll.wallS.toFixed(1)} s (first poll ${POLL.firstPollDelay} s, then every ${POLL.pollInterval} s)`,
			bars: [
				{ label: 'pause: first submit → last result', value: round(pause.wallS, 1), unit: 's' },
				{ label: 'poll: first submit → last result', value: round(poll.wallS, 1), unit: 's' },
			],
		},
		{
			group: 'waiting',
			name: 'Executions running during the wait',
			value: pause.runningDuringWait,
			unit: `of ${EXECUTIONS} (pause)`,
			goal: 'pause: 0',
			met: pause.runningDuringWait === 0,
			detail: `pause ${pause.runningDuringWait}, poll ${poll.runningDuringWait} (each running execution holds memory and, in queue mode, a worker slot)`,
			bars: [
				{ label: 'pause: running executions', value: pause.runningDuringWait, unit: '' },
				{ label: 'poll: running executions', value: poll.runningDuringWait, unit: '' },
			],
		},
		{
			group: 'waiting',
			name: 'n8n memory above idle while the 50 renders run',
			value: round(pause.waitGrowthMb, 1),
			unit: 'MB (pause)',
			detail: `pause +${pause.waitGrowthMb.toFixed(1)} MB, poll +${poll.waitGrowthMb.toFixed(1)} MB (n8n main process, VmRSS sampled every second of the wait)`,
			bars: [
				{
					label: 'pause: RSS above idle, mid-wait',
					value: round(pause.waitGrowthMb, 1),
					unit: 'MB',
				},
				{ label: 'poll: RSS above idle, mid-wait', value: round(poll.waitGrowthMb, 1), unit: 'MB' },
			],
		},
		{
			group: 'waiting',
			name: 'n8n peak memory above idle, submit to last result',
			value: round(pause.peakGrowthMb, 1),
			unit: 'MB (pause)',
			detail: `pause +${pause.peakGrowthMb.toFixed(1)} MB, poll +${poll.peakGrowthMb.toFixed(1)} MB (VmHWM, over the submits, the wait and the results)`,
		},
		{
			group: 'waiting',
			name: 'Status calls per task: pause',
			value: round(pause.statusCallsPerTask),
			unit: 'calls',
			goal: '≤ 2',
			met: pause.statusCallsPerTask <= 2,
			detail: `pause ${pause.statusCallsPerTask.toFixed(2)}, poll ${poll.statusCallsPerTask.toFixed(2)} calls a task`,
		},
	];
}
