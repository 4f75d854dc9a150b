/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/**
 * Stopping an execution (n8n's "Stop" button, a timeout, a shutdown) wherever the node is: in
 * the pause between polls, inside a status request that hangs, inside a download that hangs.
 * Each ends promptly, makes no request afterwards, and leaves no timer or socket behind.
 */
import type { IDataObject } from 'n8n-workflow';

import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { runNode, type RunNodeOptions } from '../harness/n8n';
import { startSimulator, type Fault, type Simulator } from '../simulator/server';

const API_KEY = 'sk-cancel-SECRET-7777';
/** Long enough that "within one interval" cannot pass by luck on a busy machine. */
const INTERVAL_S = 2;

let sim: Simulator;
beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [API_KEY], timing: { pendingMs: 100, processingMs: 100 } });
});
afterAll(async () => await sim.close());
beforeEach(() => sim.reset());

/** Timers and sockets alive in this process, by kind. */
function handles() {
	const counts: Record<string, number> = {};
	for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
	return { timers: counts.Timeout ?? 0, sockets: counts.TCPSocketWrap ?? 0 };
}

async function settle(check: () => boolean, ms = 2000) {
	const end = Date.now() + ms;
	while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

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
		const running = runNode({
			node: new SeedanceMini(),
			parameters: {
				operation: 'generate',
				mode: 'text-to-video',
				prompt: 'a clock that stops',
				options: { maxWait: 600, ...options },
			} as RunNodeOptions['parameters'],
			credentials: { apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
			signal: stop.signal,
		});
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
		await settle(() => {
			const now = handles();
			return now.timers <= before.timers && now.sockets <= before.sockets;
		});
		expect(handles().timers).toBeLessThanOrEqual(before.timers);
		expect(handles().sockets).toBeLessThanOrEqual(before.sockets);
	});
});
