import * as workflow from 'n8n-workflow';

type Sleeper = (ms: number, signal?: AbortSignal) => Promise<void>;

// n8n-workflow exports `sleepWithAbort(ms, signal)` up to 2.33 and `sleep(ms, signal)` from 2.34
// on; nodes may not use timers of their own, so pick whichever the host's n8n-workflow has.
const hostSleep: Sleeper =
	(workflow as unknown as { sleepWithAbort?: Sleeper }).sleepWithAbort ??
	(workflow as unknown as { sleep: Sleeper }).sleep;

/**
 * Wait `ms`, ending early (rejecting) when `signal` aborts. The host's sleep never removes its
 * abort listener, so each wait listens on a throw-away child signal: a long poll loop on one
 * execution signal then does not pile up listeners.
 */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (!signal) return await hostSleep(ms);
	const child = new AbortController();
	const forward = () => child.abort();
	signal.addEventListener('abort', forward, { once: true });
	try {
		if (signal.aborted) child.abort();
		await hostSleep(ms, child.signal);
	} finally {
		signal.removeEventListener('abort', forward);
	}
}
