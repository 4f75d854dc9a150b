/**
 * Pause mode in a real n8n (the pinned line, or N8N_E2E_VERSION): the execution is stored as
 * waiting while APIXO (the simulator) renders, survives a restart of n8n, resumes once when
 * the last task is final, ignores forged callbacks, can be stopped, and at Max Wait comes out
 * with every task ID. A workflow: Webhook → Split Out → Seedance Mini (pause) → Report.
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdtempSync, statSync } from 'node:fs';

import {
	createInstance,
	N8N_VERSION,
	packPackage,
	type N8nInstance,
} from '../../tools/n8n-host/host';
import {
	apixoCredential,
	chainWorkflow,
	exampleWorkflows,
	loopWorkflow,
	pauseWorkflow,
	seedanceNode,
} from '../../tools/n8n-host/workflows';
import { startSimulator, type Simulator } from '../../tools/simulator/server';
import { eventually, startCatcher, type Catcher } from '../harness/catcher';

const KEY = 'sk-e2e-pause-SECRET-2718';
/** n8n ≥ 2.16 puts a signature token in resume URLs and refuses calls without it. */
const [major, minor] = N8N_VERSION.split('.').map(Number);
const signsResumeUrls = major > 2 || (major === 2 && minor >= 16);
const PAUSE = (options: Record<string, unknown> = {}) => ({
	operation: 'generate',
	mode: 'text-to-video',
	prompt: '={{ $json.prompt }}',
	resolution: '480p',
	duration: 4,
	waitForCompletion: true,
	waitMode: 'pause',
	options: { maxWait: 600, ...options },
});

/** Poll mode, scaled down to the simulator's 3 s tasks. */
const POLL = {
	...PAUSE({ firstPollDelay: 0.3, pollInterval: 0.2, maxWait: 60 }),
	waitMode: 'poll',
};
/** Retry On Fail as the editor saves it (3 tries, 100 ms apart), with or without Continue On Fail. */
const RETRY = { retryOnFail: true, maxTries: 3, waitBetweenTries: 100 };
const CONTINUE = { onError: 'continueRegularOutput' };

const [EXAMPLE] = exampleWorkflows('px-').filter((w) => w.file === 'pause-until-callback.json');
/**
 * The shapes users build around the node (Retry On Fail, loops, two nodes), each started by a
 * webhook of its id's name and reporting to `catcherUrl`.
 */
const shapes = (catcherUrl: string) => [
	pauseWorkflow('retry-continue', 'retry-continue', POLL, catcherUrl, { ...RETRY, ...CONTINUE }),
	pauseWorkflow('retry-stop', 'retry-stop', POLL, catcherUrl, RETRY),
	pauseWorkflow('retry-pause', 'retry-pause', PAUSE(), catcherUrl, { ...RETRY, ...CONTINUE }),
	loopWorkflow('loop-pause', 'loop-pause', PAUSE(), catcherUrl),
	pauseWorkflow('poll-stop', 'poll-stop', { ...POLL, options: { ...POLL.options, maxWait: 600 } }),
	{
		...pauseWorkflow('poll-timeout', 'poll-timeout', {
			...POLL,
			options: { ...POLL.options, maxWait: 600 },
		}),
		settings: { executionOrder: 'v1', executionTimeout: 5 },
	},
	chainWorkflow(
		'two-pauses',
		'two-pauses',
		[
			seedanceNode('First Seedance', PAUSE()),
			seedanceNode('Second Seedance', {
				...PAUSE(),
				prompt: '={{ "a sequel to " + $json.taskId }}',
			}),
		],
		catcherUrl,
	),
];
const SHAPE_IDS = shapes('').map((workflow) => workflow.id);

let sim: Simulator;
let n8n: N8nInstance;
let catcher: Catcher;

beforeAll(async () => {
	catcher = await startCatcher();
	sim = await startSimulator({
		apiKeys: [KEY],
		timing: { pendingMs: 1000, processingMs: 2000 },
		resultBytes: 1024,
		// APIXO redelivers a callback that got no 200, 3 times with increasing delays.
		callback: { retryDelaysMs: [2000, 4000, 8000] },
	});
	const tarball = await packPackage(mkdtempSync(path.join(os.tmpdir(), 'apixo-pack-')));
	n8n = await createInstance(tarball);
	await n8n.importCredentials([apixoCredential(sim.baseUrl, KEY)]);
	await n8n.importWorkflows([
		pauseWorkflow('pause-main', 'pause-main', PAUSE(), catcher.url),
		pauseWorkflow('pause-short', 'pause-short', PAUSE({ maxWait: 3 }), catcher.url),
		pauseWorkflow('pause-download', 'pause-download', PAUSE({ downloadVideo: true }), catcher.url),
		EXAMPLE,
		...shapes(catcher.url),
	]);
	for (const id of [
		'pause-main',
		'pause-short',
		'pause-download',
		EXAMPLE.id,
		...SHAPE_IDS,
	]) {
		const published = await n8n.cli(['publish:workflow', `--id=${id}`]);
		if (published.code !== 0) throw new Error(`publish ${id}: ${published.stderr}`);
	}
	await n8n.start();
}, 15 * 60_000);

afterAll(async () => {
	await n8n?.stop();
	await sim?.close();
	await catcher?.close();
});

beforeEach(() => sim.reset());

/** Start a workflow through its webhook (retried while n8n registers it after a start). */
async function trigger(webhookPath: string, prompts: string[]) {
	const body = JSON.stringify({ items: prompts.map((prompt) => ({ prompt })) });
	let status = 0;
	await eventually(async () => {
		const answer = await fetch(`${n8n.baseUrl}/webhook/${webhookPath}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body,
		});
		status = answer.status;
		return status !== 404;
	}, 20_000);
	expect(status).toBe(200);
}

/** The newest execution of a workflow, as n8n's REST API lists it. */
async function latestExecution(workflowId: string) {
	const list = await n8n.rest('GET', '/rest/executions?limit=50');
	return (list.json.data.results as Array<{ id: string; workflowId: string; status: string }>).find(
		(execution) => execution.workflowId === workflowId,
	);
}

const statusOf = async (id: string) =>
	(await n8n.rest('GET', `/rest/executions/${id}`)).json.data?.status as string | undefined;

const reportsOf = (executionId: string) =>
	catcher.caught.filter((report) => String(report.execution) === executionId);

const callbackUrls = () =>
	sim.requests
		.filter((r) => r.endpoint === 'submit')
		.map((r) => String((r.body as { callback_url: string }).callback_url));

it('waits as "waiting" while APIXO renders, then resumes once with every item of a batch of 20', async () => {
	// One task finishes at once: its callback may come before n8n stored the wait (409, redelivered).
	sim.planNextTasks({ pendingMs: 0, processingMs: 0 });
	const prompts = Array.from({ length: 20 }, (_, n) => `fox number ${n}`);
	await trigger('pause-main', prompts);
	let execution = await latestExecution('pause-main');
	expect(
		await eventually(
			async () => (execution = await latestExecution('pause-main'))?.status === 'waiting',
		),
	).toBe(true);
	expect(callbackUrls()).toHaveLength(20);
	for (const url of callbackUrls()) {
		expect(url).toContain(`/webhook-waiting/${execution!.id}/`);
		// Newer lines sign resume URLs: the signature must travel with the callback.
		if (signsResumeUrls)
			expect(new URL(url).searchParams.get('signature')).toMatch(/^[0-9a-f]{64}$/);
	}

	expect(await eventually(async () => (await statusOf(execution!.id)) === 'success', 60_000)).toBe(
		true,
	);
	const reports = reportsOf(execution!.id);
	expect(reports.map((r) => r.item.taskId).sort()).toEqual([...sim.tasks.keys()].sort());
	expect(reports.every((r) => r.item.state === 'success' && r.item.videoUrl)).toBe(true);
	expect(reports.every((r) => r.item.timedOut === undefined)).toBe(true);
	// A callback is a prompt: the tasks were re-read, at most 2 reads a task on average.
	expect(sim.count('status') / 20).toBeLessThanOrEqual(2);
	// Nothing but 200 and 409 (early, or after the resume) reached APIXO.
	expect(sim.deliveries.every((d) => d.status === 200 || d.status === 409)).toBe(true);
}, 120_000);

it('survives a restart of n8n in the middle of the wait', async () => {
	sim.planNextTasks({ pendingMs: 1000, processingMs: 25_000 });
	await trigger('pause-main', ['a slow fox']);
	let execution: Awaited<ReturnType<typeof latestExecution>>;
	expect(
		await eventually(
			async () => (execution = await latestExecution('pause-main'))?.status === 'waiting',
		),
	).toBe(true);
	await n8n.restart();
	expect(await statusOf(execution!.id)).toBe('waiting');
	expect(await eventually(async () => (await statusOf(execution!.id)) === 'success', 90_000)).toBe(
		true,
	);
	expect(reportsOf(execution!.id)).toHaveLength(1);
	expect(reportsOf(execution!.id)[0].item.state).toBe('success');
}, 240_000);

it('a callback without the batch secret changes nothing and calls no API', async () => {
	sim.planNextTasks({ outcome: 'stuck' });
	await trigger('pause-main', ['a stuck fox']);
	let execution: Awaited<ReturnType<typeof latestExecution>>;
	expect(
		await eventually(
			async () => (execution = await latestExecution('pause-main'))?.status === 'waiting',
		),
	).toBe(true);
	const [url] = callbackUrls();
	const forged = new URL(url);
	forged.searchParams.delete('apixo_key');
	const [taskId] = sim.tasks.keys();
	const answer = await fetch(forged, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			code: 200,
			data: {
				taskId,
				state: 'success',
				resultJson: '{"resultUrls":["https://evil.example/x.mp4"]}',
			},
		}),
	});
	// 200 (acknowledged, ignored); newer n8n lines refuse an unsigned resume URL with 401 first.
	expect([200, 401]).toContain(answer.status);
	expect(sim.count('status')).toBe(0);
	expect(await statusOf(execution!.id)).toBe('waiting');
	await n8n.rest('POST', `/rest/executions/${execution!.id}/stop`);
});

it('Stop while waiting cancels it: nothing runs later, a late callback gets 409', async () => {
	sim.planNextTasks({ outcome: 'stuck' });
	await trigger('pause-main', ['a fox to stop']);
	let execution: Awaited<ReturnType<typeof latestExecution>>;
	expect(
		await eventually(
			async () => (execution = await latestExecution('pause-main'))?.status === 'waiting',
		),
	).toBe(true);
	const stopped = await n8n.rest('POST', `/rest/executions/${execution!.id}/stop`);
	expect(stopped.status).toBe(200);
	expect(await eventually(async () => (await statusOf(execution!.id)) === 'canceled')).toBe(true);
	const [taskId] = sim.tasks.keys();
	sim.setTaskPlan(taskId, { pendingMs: 0, processingMs: 0 });
	await eventually(() => sim.deliveries.length > 0);
	expect(sim.deliveries[0].status).toBe(409);
	await new Promise((resolve) => setTimeout(resolve, 1000));
	expect(reportsOf(execution!.id)).toEqual([]);
});

it('Max Wait reached: the execution resumes with every taskId, timedOut and its last state', async () => {
	sim.planNextTasks({ outcome: 'stuck' }, { outcome: 'stuck' });
	await trigger('pause-short', ['a fox that never ends', 'a crow that never ends']);
	let execution: Awaited<ReturnType<typeof latestExecution>>;
	expect(
		await eventually(
			async () => (execution = await latestExecution('pause-short'))?.status === 'waiting',
		),
	).toBe(true);
	// n8n's WaitTracker looks every 60 s.
	expect(await eventually(async () => (await statusOf(execution!.id)) === 'success', 100_000)).toBe(
		true,
	);
	const reports = reportsOf(execution!.id);
	expect(reports.map((r) => r.item.taskId).sort()).toEqual([...sim.tasks.keys()].sort());
	expect(reports.every((r) => r.item.timedOut === true && r.item.state === 'pending')).toBe(true);
}, 180_000);

it('Download Video with pause is refused before anything is sent', async () => {
	await trigger('pause-download', ['a fox']);
	let execution: Awaited<ReturnType<typeof latestExecution>>;
	expect(
		await eventually(
			async () => (execution = await latestExecution('pause-download'))?.status === 'error',
		),
	).toBe(true);
	expect(sim.count('submit')).toBe(0);
	const data = await n8n.rest('GET', `/rest/executions/${execution!.id}`);
	expect(JSON.stringify(data.json)).toContain('Download Video does not work with Wait Mode');
});

it('the example (examples/pause-until-callback.json) runs: pause, then Get Status downloads, files saved', async () => {
	const answer = await fetch(`${n8n.baseUrl}/webhook/apixo-pause-example`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ prompts: [{ prompt: 'a paper boat' }, { prompt: 'a paper plane' }] }),
	});
	expect(answer.status).toBe(200);
	expect(
		await eventually(async () => (await latestExecution(EXAMPLE.id))?.status === 'success', 60_000),
	).toBe(true);
	expect(sim.tasks.size).toBe(2);
	for (const taskId of sim.tasks.keys()) {
		const file = path.join(n8n.userFolder, `${taskId}.mp4`);
		expect(existsSync(file)).toBe(true);
		expect(statSync(file).size).toBe(1024);
	}
}, 120_000);

describe('the shapes users build: never pay twice, every park resumes', () => {
	/** Submits the simulator received for one prompt. */
	const submitsOf = (prompt: string) =>
		sim.requests.filter(
			(r) =>
				r.endpoint === 'submit' &&
				(r.body as { input?: { prompt?: string } }).input?.prompt === prompt,
		).length;
	/** Start a workflow and wait until its execution ends with `status`. */
	async function runToEnd(workflowId: string, prompts: string[], status: string, ms = 90_000) {
		await trigger(workflowId, prompts);
		let execution: Awaited<ReturnType<typeof latestExecution>>;
		const ended = await eventually(
			async () => (execution = await latestExecution(workflowId))?.status === status,
			ms,
		);
		expect({ workflowId, status: ended ? status : execution?.status }).toEqual({
			workflowId,
			status,
		});
		return execution!;
	}

	it('Retry On Fail + Continue On Fail, items ["", "a fox"]: the valid task is paid once', async () => {
		const execution = await runToEnd('retry-continue', ['', 'a fox'], 'success');
		expect(submitsOf('a fox')).toBe(1);
		expect(sim.count('submit')).toBe(1);
		const items = reportsOf(execution.id).map((r) => r.item);
		expect(items.find((item) => item.state === 'success')?.taskId).toBe([...sim.tasks.keys()][0]);
		expect(items.some((item) => String(item.error).includes('prompt'))).toBe(true);
	}, 120_000);

	it('Retry On Fail, one task ends failed: the task that succeeded is never submitted again', async () => {
		const failed = { outcome: 'failed' as const, failCode: 'UPSTREAM_ERROR' };
		sim.planNextTasks({}, failed, failed, failed);
		await runToEnd('retry-stop', ['a fox', 'a failing owl'], 'error');
		expect(submitsOf('a fox')).toBe(1);
		expect(submitsOf('a failing owl')).toBe(3);
	}, 120_000);

	it('Retry On Fail + Continue On Fail in pause mode: one submit, one park, resumed by its callback', async () => {
		const execution = await runToEnd('retry-pause', ['', 'a fox'], 'success');
		expect(sim.count('submit')).toBe(1);
		const items = reportsOf(execution.id).map((r) => r.item);
		expect(items.filter((item) => item.state === 'success')).toHaveLength(1);
	}, 120_000);

	it('pause inside Loop Over Items (3 iterations): every park resumes on its callbacks', async () => {
		const execution = await runToEnd('loop-pause', ['a fox', 'an owl', 'a crow'], 'success');
		expect(sim.tasks.size).toBe(3);
		const items = reportsOf(execution.id).map((r) => r.item);
		expect(items.map((item) => item.taskId).sort()).toEqual([...sim.tasks.keys()].sort());
		expect(items.every((item) => item.state === 'success')).toBe(true);
	}, 180_000);

	it('two pause nodes in one workflow: both park and resume', async () => {
		const execution = await runToEnd('two-pauses', ['a fox', 'an owl'], 'success', 120_000);
		const [fox, owl, ...sequels] = [...sim.tasks.values()];
		expect(sequels.map((task) => task.body.input.prompt).sort()).toEqual(
			[`a sequel to ${fox.taskId}`, `a sequel to ${owl.taskId}`].sort(),
		);
		const items = reportsOf(execution.id).map((r) => r.item);
		expect(items.map((item) => item.taskId).sort()).toEqual(
			sequels.map((task) => task.taskId).sort(),
		);
		expect(items.every((item) => item.state === 'success')).toBe(true);
	}, 180_000);

	it.each([
		['Stop', 'poll-stop'],
		["the workflow's timeout", 'poll-timeout'],
	])(
		'%s in poll mode: the stopped execution keeps every task ID in its custom data',
		async (_how, workflowId) => {
			sim.planNextTasks({ outcome: 'stuck' }, { outcome: 'stuck' });
			await trigger(workflowId, ['a fox to stop', 'an owl to stop']);
			await eventually(() => sim.count('status') >= 2);
			let execution = await latestExecution(workflowId);
			if (workflowId === 'poll-stop')
				await n8n.rest('POST', `/rest/executions/${execution!.id}/stop`);
			expect(
				await eventually(
					async () =>
						['canceled', 'error'].includes((execution = await latestExecution(workflowId))!.status),
					30_000,
				),
			).toBe(true);
			// n8n saves a cancelled execution as it was when cancelled: the node's own error never
			// reaches it, its custom data (Executions list, REST and public API) does.
			const saved = await n8n.rest('GET', `/rest/executions/${execution!.id}`);
			const [first, second] = [...sim.tasks.keys()];
			expect(saved.json.data.customData).toEqual({
				apixo_task_ids: `2 tasks, newest first: ${second} ${first}`,
			});
		},
		90_000,
	);

	it.each([
		['newest first', (i: number) => 19 - i],
		['oldest first', (i: number) => i],
	])('20 tasks finishing %s: at most 2 status reads a task', async (_order, rank) => {
		sim.planNextTasks(
			...Array.from({ length: 20 }, (_, i) => ({ pendingMs: 500, processingMs: 1500 + 250 * rank(i) })),
		);
		const execution = await runToEnd(
			'pause-main',
			Array.from({ length: 20 }, (_, n) => `fox ${n}`),
			'success',
		);
		expect(reportsOf(execution.id).every((r) => r.item.state === 'success')).toBe(true);
		expect(sim.count('status')).toBeLessThanOrEqual(40);
	}, 180_000);
});
