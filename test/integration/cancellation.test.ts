/**
 * Stopping an execution (n8n's "Stop" button, a timeout, a shutdown) wherever the node is: in
 * the pause between polls, inside a status request that hangs, inside a download that hangs.
 * Each ends promptly, makes no request afterwards, and leaves no timer or socket behind.
 */
import { getEventListeners } from 'node:events';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { router } from '../../nodes/SeedanceMini/actions/router';
import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { runNode, type RunNodeOptions } from '../../tools/engine';
import { expectNothingLeft, handles, settle } from '../harness/handles';
import { loopRuns } from '../harness/loop';
import { startSimulator, type Fault, type Simulator } from '../../tools/simulator/server';

const API_KEY = 'sk-cancel-SECRET-7777';
/** Long enough that "within one interval" cannot pass by luck on a busy machine. */
const INTERVAL_S = 2;

let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [API_KEY], timing: { pendingMs: 100, processingMs: 100 } });
});
afterAll(async () => await sim.close());
beforeEach(() => sim.reset());

/** Generate with these parameters (prompt and mode preset), stoppable with `signal`. */
const generate = (parameters: IDataObject, signal?: AbortSignal, node = new SeedanceMini()) =>
	runNode({
		node,
		parameters: {
			operation: 'generate',
			mode: 'text-to-video',
			prompt: 'a clock that stops',
			...parameters,
		} as RunNodeOptions['parameters'],
		credentials: { apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
		signal,
	});

const cases: Array<{
	name: string;
	fault?: Fault;
	plan?: IDataObject;
	options: IDataObject;
	/** Stop once the simulator has seen this. */
	stopWhen: () => boolean;
}> = [
	{
		name: 'in the pause between polls',
		plan: { outcome: 'stuck' },
		options: { firstPollDelay: 0.05, pollInterval: INTERVAL_S },
		stopWhen: () => sim.count('status') >= 1,
	},
	{
		name: 'inside a status request that hangs',
		fault: { endpoint: 'status', kind: 'hang', times: Infinity },
		options: { firstPollDelay: 0.05, pollInterval: INTERVAL_S },
		stopWhen: () => sim.count('status') >= 1,
	},
	{
		name: 'inside a download that hangs',
		fault: { endpoint: 'file', kind: 'hang', times: Infinity },
		options: { firstPollDelay: 0.3, pollInterval: 0.1, downloadVideo: true },
		stopWhen: () => sim.count('file') >= 1,
	},
];

describe.each(cases)('stopping the execution $name', ({ fault, plan, options, stopWhen }) => {
	it('ends within one poll interval, calls nothing more and leaves no timer or socket', async () => {
		const before = handles();
		if (fault) sim.inject(fault);
		if (plan) sim.planNextTasks(plan);
		const stop = new AbortController();
		const running = generate({ options: { maxWait: 600, ...options } }, stop.signal);
		await settle(stopWhen, 10_000);
		expect(stopWhen()).toBe(true);
		const stoppedAt = Date.now();
		stop.abort();
		const { items } = await running;
		expect(Date.now() - stoppedAt).toBeLessThan(INTERVAL_S * 1000);
		expect(items).toEqual([]);

		const requests = sim.requests.length;
		await new Promise((r) => setTimeout(r, 300));
		expect(sim.requests.length).toBe(requests);
		// Sockets close a moment after the abort; nothing may stay open for good.
		await expectNothingLeft(before);
	});
});

it('stopped while a submit is in flight: the error says the task may exist, not "cancelled"', async () => {
	// The answer comes late, after the task was made: the case where "cancelled" hid a paid task.
	sim.inject({ endpoint: 'submit', kind: 'delay', delayMs: 1500 });
	const stop = new AbortController();
	const running = generate({ waitForCompletion: false }, stop.signal);
	await settle(() => sim.count('submit') >= 1, 10_000);
	stop.abort();
	const { items, error } = await running;
	expect(items).toEqual([]);
	expect(error!.message).toContain('stopped while the submit was in flight');
	expect(String(error!.description)).toContain('may have been created and billed');
	expect(error!.context!.outcomeUnknown).toBe(true);
	await settle(() => sim.tasks.size === 1, 3000);
	expect(sim.tasks.size).toBe(1);
});

it('Generate run 12 times in one execution (a loop) leaves no listener on the cancel signal', async () => {
	const looping = new SeedanceMini();
	looping.execute = async function (this: IExecuteFunctions) {
		const signal = this.getExecutionCancelSignal()!;
		const before = getEventListeners(signal, 'abort').length;
		const next = loopRuns(this);
		for (let run = 0; run < 12; run++) {
			next(run);
			await router.call(this);
		}
		return [
			[
				{
					json: { before, after: getEventListeners(signal, 'abort').length },
					pairedItem: { item: 0 },
				},
			],
		];
	};
	const { items, error } = await generate({ waitForCompletion: false }, undefined, looping);
	expect(error).toBeUndefined();
	expect(sim.count('submit')).toBe(12);
	expect(items[0].json.after).toBe(items[0].json.before);
});
