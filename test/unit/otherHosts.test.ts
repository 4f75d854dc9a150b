/**
 * The time limits for hosts that are not APIXO, and the sleep they are built on: each ends when
 * it should, says why, and leaves no listener on the signal it was given.
 */
import { getEventListeners } from 'node:events';

import { childController, oneLine, watchStalls, withDeadline } from '../../nodes/apixo/otherHosts';
import { abortableSleep } from '../../nodes/apixo/sleep';

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('childController', () => {
	it('aborts with its parent, and release stops listening', () => {
		const parent = new AbortController();
		const child = childController(parent.signal);
		expect(listeners(parent.signal)).toBe(1);
		parent.abort();
		expect(child.controller.signal.aborted).toBe(true);
		const second = childController(new AbortController().signal);
		second.release();
		expect(second.controller.signal.aborted).toBe(false);
	});

	it('starts aborted under an aborted parent; works without one', () => {
		const parent = new AbortController();
		parent.abort();
		expect(childController(parent.signal).controller.signal.aborted).toBe(true);
		const orphan = childController();
		expect(orphan.controller.signal.aborted).toBe(false);
		orphan.release();
	});

	it('release removes the listener from a parent that lives on', () => {
		const parent = new AbortController();
		const { release } = childController(parent.signal);
		release();
		expect(listeners(parent.signal)).toBe(0);
	});
});

describe('withDeadline', () => {
	const late = () => new Error('too late');

	it('returns what the work returns, and aborts the work’s signal afterwards', async () => {
		const parent = new AbortController();
		let seen: AbortSignal | undefined;
		const result = await withDeadline(
			5000,
			parent.signal,
			async (signal) => {
				seen = signal;
				expect(signal.aborted).toBe(false);
				return 42;
			},
			late,
		);
		expect(result).toBe(42);
		expect(seen!.aborted).toBe(true);
		expect(listeners(parent.signal)).toBe(0);
	});

	it('rejects with late() once the time is up, aborting the work', async () => {
		let seen: AbortSignal | undefined;
		const started = Date.now();
		await expect(
			withDeadline(
				50,
				undefined,
				async (signal) => {
					seen = signal;
					await new Promise((resolve) => signal.addEventListener('abort', resolve));
					return 'never';
				},
				late,
			),
		).rejects.toThrow('too late');
		expect(Date.now() - started).toBeGreaterThanOrEqual(45);
		expect(seen!.aborted).toBe(true);
	});

	it('a parent’s abort reaches the work', async () => {
		const parent = new AbortController();
		const running = withDeadline(
			5000,
			parent.signal,
			async (signal) => {
				await new Promise((resolve) => signal.addEventListener('abort', resolve));
				throw new Error('stopped');
			},
			late,
		);
		parent.abort();
		await expect(running).rejects.toThrow('stopped');
	});
});

describe('watchStalls', () => {
	it('calls onStall once the peer has owed data for ms', async () => {
		const stop = new AbortController();
		let stalls = 0;
		const started = Date.now();
		await watchStalls(
			60,
			() => started,
			() => stalls++,
			stop.signal,
		);
		expect(stalls).toBe(1);
		expect(Date.now() - started).toBeGreaterThanOrEqual(55);
	});

	it('does not count time when nothing is owed, and ends when stopped', async () => {
		const stop = new AbortController();
		let stalls = 0;
		const watching = watchStalls(
			30,
			() => undefined,
			() => stalls++,
			stop.signal,
		);
		await new Promise((resolve) => setTimeout(resolve, 120));
		stop.abort();
		await watching;
		expect(stalls).toBe(0);
		expect(listeners(stop.signal)).toBe(0);
	});

	it('re-arms for what is left when data came in meanwhile', async () => {
		const stop = new AbortController();
		let since = Date.now();
		const kept = setInterval(() => (since = Date.now()), 10);
		let stalls = 0;
		// A second of silence is a stall; data every 10 ms for 1.5 s never is.
		const watching = watchStalls(
			1000,
			() => since,
			() => stalls++,
			stop.signal,
		);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(stalls).toBe(0);
		clearInterval(kept);
		await watching;
		expect(stalls).toBe(1);
	});

	it('a stall already due is reported at once', async () => {
		let stalls = 0;
		await watchStalls(
			10,
			() => Date.now() - 1000,
			() => stalls++,
			new AbortController().signal,
		);
		expect(stalls).toBe(1);
	});
});

describe('oneLine', () => {
	it('collapses whitespace and cuts at max with an ellipsis', () => {
		expect(oneLine('  a\n\n b\tc  ')).toBe('a b c');
		expect(oneLine('x'.repeat(160))).toBe('x'.repeat(160));
		expect(oneLine('x'.repeat(161))).toBe(`${'x'.repeat(159)}…`);
		expect(oneLine('abcdef', 4)).toBe('abc…');
	});
});

describe('abortableSleep', () => {
	it('waits, ends early on abort, and leaves no listener', async () => {
		const stop = new AbortController();
		const started = Date.now();
		await abortableSleep(30, stop.signal);
		expect(Date.now() - started).toBeGreaterThanOrEqual(25);
		const sleeping = abortableSleep(10_000, stop.signal);
		stop.abort();
		await expect(sleeping).rejects.toBeDefined();
		expect(listeners(stop.signal)).toBe(0);
		await abortableSleep(1);
	});

	it('an already aborted signal ends it at once', async () => {
		const stop = new AbortController();
		stop.abort();
		const started = Date.now();
		await expect(abortableSleep(10_000, stop.signal)).rejects.toBeDefined();
		expect(Date.now() - started).toBeLessThan(5000);
	});
});
