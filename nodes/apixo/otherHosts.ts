/**
 * Guards for requests to hosts that are not APIXO (reference media, result files). A request's
 * own `timeout` only measures silence, so a host that trickles a byte now and then holds it
 * forever: these limits measure elapsed time. Built on `abortableSleep` (node code may not use
 * timers of its own); each leaves no timer or listener behind once it returns.
 */
import { abortableSleep } from './sleep';

/** An AbortController that also aborts when `parent` does; `release()` stops listening to it. */
export function childController(parent?: AbortSignal) {
	const controller = new AbortController();
	const forward = () => controller.abort();
	parent?.addEventListener('abort', forward, { once: true });
	if (parent?.aborted) controller.abort();
	return { controller, release: () => parent?.removeEventListener('abort', forward) };
}

/**
 * Runs `work` with a signal that aborts when `parent` does, and rejects with `late()` once `ms`
 * have passed, whatever the work is doing: its signal aborts then, ending its request.
 */
export async function withDeadline<T>(
	ms: number,
	parent: AbortSignal | undefined,
	work: (signal: AbortSignal) => Promise<T>,
	late: () => Error,
): Promise<T> {
	const { controller, release } = childController(parent);
	const timer = new AbortController();
	const deadline = abortableSleep(ms, timer.signal).then(() => {
		throw late();
	});
	try {
		return await Promise.race([work(controller.signal), deadline]);
	} finally {
		timer.abort();
		// Past the deadline this ends the request; after a win it closes what is still open.
		controller.abort();
		release();
	}
}

/**
 * Calls `onStall` once the peer has owed data for `ms`: `waitingSince()` is when the reader
 * started waiting for it (undefined while it is not waiting, e.g. while the consumer is busy).
 * Ends when `stop` aborts; one sleep at a time, re-armed only when it runs out.
 */
export async function watchStalls(
	ms: number,
	waitingSince: () => number | undefined,
	onStall: () => void,
	stop: AbortSignal,
): Promise<void> {
	while (!stop.aborted) {
		const since = waitingSince();
		const left = since === undefined ? ms : since + ms - Date.now();
		if (left <= 0) return onStall();
		// Rejects once `stop` aborts (the transfer is over), which ends the loop.
		await abortableSleep(left, stop).catch(() => undefined);
	}
}

/** What such a host said (an error message, a status text), as one short line for the output. */
export function oneLine(text: string, max = 160): string {
	const line = text.replace(/\s+/g, ' ').trim();
	return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
