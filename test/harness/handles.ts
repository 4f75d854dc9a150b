/**
 * Timers and sockets alive in this process: what a test compares before and after to prove
 * nothing was left behind (a deadline's sleep, a socket to a hostile host).
 */
export function handles() {
	const counts: Record<string, number> = {};
	for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
	return { timers: counts.Timeout ?? 0, sockets: counts.TCPSocketWrap ?? 0 };
}

/** Wait until `check` holds, polling, for at most `ms`. */
export async function settle(check: () => boolean, ms = 3000): Promise<void> {
	const end = Date.now() + ms;
	while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

/**
 * No more timers or sockets than `before` (sockets close a moment after an abort: waits for
 * that). Timers are not compared under mutation testing: Stryker's worker keeps timers of its
 * own in the test process.
 */
export async function expectNothingLeft(
	before: ReturnType<typeof handles>,
	also: () => boolean = () => true,
): Promise<void> {
	const ownTimers = !process.env.STRYKER_MUTATOR_WORKER;
	const done = () => {
		const now = handles();
		return (!ownTimers || now.timers <= before.timers) && now.sockets <= before.sockets && also();
	};
	await settle(done);
	if (ownTimers) expect(handles().timers).toBeLessThanOrEqual(before.timers);
	expect(handles().sockets).toBeLessThanOrEqual(before.sockets);
}
