/**
 * Timers and sockets alive in this process: what a test compares before and after to prove
 * nothing was left behind (a deadline's sleep, a socket to a hostile host).
 */
import { createHook } from 'node:async_hooks';

/** A stack frame in the package's own code (nodes/, credentials/); dependencies are excluded below. */
const PRODUCT_FRAME = /[\\/](?:nodes|credentials)[\\/]/;

/**
 * Pending timers that the package's code started (directly or through n8n's sleep), by async
 * id. Counted apart from all timers because a test process may hold timers of its own that come
 * and go (Stryker's worker does): these are the package's, whoever else runs.
 */
const productTimers = new Set<number>();
const hook = createHook({
	init(asyncId, type) {
		if (type !== 'Timeout') return;
		const limit = Error.stackTraceLimit;
		Error.stackTraceLimit = 40;
		const stack = new Error().stack ?? '';
		Error.stackTraceLimit = limit;
		if (
			stack.split('\n').some((line) => PRODUCT_FRAME.test(line) && !line.includes('node_modules'))
		)
			productTimers.add(asyncId);
	},
	destroy(asyncId) {
		productTimers.delete(asyncId);
	},
}).enable();
if (typeof afterAll === 'function') afterAll(() => hook.disable());

export function handles() {
	const counts: Record<string, number> = {};
	for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
	return {
		timers: counts.Timeout ?? 0,
		sockets: counts.TCPSocketWrap ?? 0,
		productTimers: new Set(productTimers),
	};
}

/** The package's timers started since `before` and still pending. */
const newProductTimers = (before: ReturnType<typeof handles>) =>
	[...productTimers].filter((id) => !before.productTimers.has(id));

/** Wait until `check` holds, polling, for at most `ms`. */
export async function settle(check: () => boolean, ms = 3000): Promise<void> {
	const end = Date.now() + ms;
	while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

/**
 * No more timers or sockets than `before`, and none of the package's timers started since
 * (sockets close a moment after an abort: waits for that). All timers are not compared under
 * mutation testing, where Stryker's worker keeps timers of its own in the test process; the
 * package's own are compared always.
 */
export async function expectNothingLeft(
	before: ReturnType<typeof handles>,
	also: () => boolean = () => true,
): Promise<void> {
	const ownTimers = !process.env.STRYKER_MUTATOR_WORKER;
	const done = () => {
		const now = handles();
		return (
			(!ownTimers || now.timers <= before.timers) &&
			newProductTimers(before).length === 0 &&
			now.sockets <= before.sockets &&
			also()
		);
	};
	await settle(done);
	expect(newProductTimers(before)).toEqual([]);
	if (ownTimers) expect(handles().timers).toBeLessThanOrEqual(before.timers);
	expect(handles().sockets).toBeLessThanOrEqual(before.sockets);
}
