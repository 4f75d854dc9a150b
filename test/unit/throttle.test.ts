/**
 * The batch's throttle without HTTP: submits against a fake account that holds at most `k`
 * unfinished tasks, each job holding its task for a while, many jobs at once.
 */
import { getEventListeners } from 'node:events';

import { isRateLimited, Throttle } from '../../nodes/SeedanceMini/helpers/throttle';

const tooMany = (retryAfterMs?: number) =>
	Object.assign(new Error('429'), { httpCode: '429', context: { retryAfterMs } });
const never = new AbortController().signal;
const inAMinute = () => Date.now() + 60_000;
const accept = async () => 'accepted';
const pause = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));
/** `promise`, or 'still waiting' after `ms`: a bound on how long a test waits for it. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T | 'still waiting'> {
	let timer: NodeJS.Timeout | undefined;
	const bound = new Promise<'still waiting'>((resolve) => {
		timer = setTimeout(() => resolve('still waiting'), ms);
	});
	return await Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

async function runJobs(options: {
	jobs: number;
	cap?: number;
	accountLimit?: number;
	holdMs: number;
}) {
	const throttle = new Throttle(options.cap);
	let running = 0;
	let peak = 0;
	let refused = 0;
	await Promise.all(
		Array.from({ length: options.jobs }, async () => {
			await throttle.submit(
				async () => {
					if (running >= (options.accountLimit ?? Infinity)) {
						refused++;
						throw tooMany();
					}
					running++;
					peak = Math.max(peak, running);
				},
				// One signal per job, as Batch gives them (many waits on one signal trip Node's warning).
				new AbortController().signal,
				Date.now() + 60_000,
			);
			await new Promise((resolve) => setTimeout(resolve, options.holdMs));
			running--;
			throttle.finished();
		}),
	);
	return { peak, refused, limit: throttle.current };
}

it('a cap the user set is never exceeded, however many jobs start at once', async () => {
	expect((await runJobs({ jobs: 12, cap: 3, holdMs: 20 })).peak).toBe(3);
});

it('left unset, it grows past 10 while every submit is accepted', async () => {
	const { peak, refused } = await runJobs({ jobs: 30, holdMs: 200 });
	expect(peak).toBe(30);
	expect(refused).toBe(0);
});

it("left unset, it settles on the account's limit: one 429 per back-off step", async () => {
	const { peak, refused, limit } = await runJobs({ jobs: 12, accountLimit: 4, holdMs: 300 });
	expect(peak).toBe(4);
	// The first refusal teaches the limit; after that at most one probe per wave of 4.
	expect(refused).toBeLessThanOrEqual(3);
	expect(limit).toBeGreaterThanOrEqual(4);
});

it('a refusal past the deadline fails with the 429 (nothing was created)', async () => {
	const throttle = new Throttle(undefined);
	await expect(
		throttle.submit(
			async () => Promise.reject(tooMany()),
			new AbortController().signal,
			Date.now() + 100,
		),
	).rejects.toMatchObject({ httpCode: '429' });
});

it('only a 429 whose outcome is known counts as a refusal', () => {
	expect(isRateLimited(tooMany())).toBe(true);
	expect(isRateLimited({ httpCode: '429', context: { outcomeUnknown: true } })).toBe(false);
	expect(isRateLimited({ httpCode: '500', context: {} })).toBe(false);
	expect(isRateLimited(undefined)).toBe(false);
});

it('a 429 sets the limit to the tasks held; then it grows by one per full round of accepted submits', async () => {
	const throttle = new Throttle(undefined);
	await throttle.submit(accept, never, inAMinute());
	await throttle.submit(accept, never, inAMinute());
	expect(throttle.current).toBe(12); // slow start: 10, one more per accepted submit
	let sends = 0;
	const third = throttle.submit(
		async () => {
			if (++sends === 1) throw tooMany(0);
			return 'third';
		},
		never,
		inAMinute(),
	);
	while (sends === 0) await pause(5);
	expect(throttle.current).toBe(2); // the two tasks held
	throttle.finished();
	await expect(third).resolves.toBe('third'); // after the backoff, in the place freed
	expect(sends).toBe(2);
	expect(throttle.current).toBe(2); // one accepted of a round of two
	throttle.finished();
	await throttle.submit(accept, never, inAMinute());
	expect(throttle.current).toBe(3); // the round of two is full
	await throttle.submit(accept, never, inAMinute());
	expect(throttle.current).toBe(3); // a new round of three has begun
});

it('a 429 with no task held leaves a limit of one', async () => {
	const throttle = new Throttle(undefined);
	let sends = 0;
	const submit = throttle.submit(
		async () => {
			if (++sends === 1) throw tooMany(0);
		},
		never,
		inAMinute(),
	);
	while (sends === 0) await pause(5);
	expect(throttle.current).toBe(1);
	await submit;
	expect(throttle.current).toBe(2); // a round of one is full
});

it('a Retry-After past the deadline fails at once with that 429, sending nothing more', async () => {
	const throttle = new Throttle(undefined);
	let sends = 0;
	const refused = tooMany(5000);
	const started = Date.now();
	const outcome = throttle.submit(
		async () => {
			sends++;
			throw refused;
		},
		never,
		Date.now() + 1000,
	);
	await expect(within(3000, outcome)).rejects.toBe(refused);
	expect(sends).toBe(1);
	expect(Date.now() - started).toBeLessThan(1000);
});

describe('cancellation', () => {
	it('an execution already cancelled sends nothing', async () => {
		const controller = new AbortController();
		controller.abort(new Error('cancelled'));
		const send = jest.fn(accept);
		await expect(
			new Throttle(undefined).submit(send, controller.signal, inAMinute()),
		).rejects.toThrow('cancelled');
		expect(send).not.toHaveBeenCalled();
	});

	it('a submit waiting for its turn ends as soon as the execution is cancelled', async () => {
		const throttle = new Throttle(1);
		await throttle.submit(accept, never, inAMinute()); // holds the only place
		const controller = new AbortController();
		const send = jest.fn(accept);
		const waiting = throttle.submit(send, controller.signal, inAMinute());
		await pause(50);
		controller.abort(new Error('cancelled'));
		await expect(within(3000, waiting)).rejects.toThrow('cancelled');
		expect(send).not.toHaveBeenCalled();
	});

	it('waiting for a turn leaves no listener on the execution signal', async () => {
		const controller = new AbortController();
		const throttle = new Throttle(1);
		await Promise.all(
			Array.from({ length: 5 }, async () => {
				await throttle.submit(accept, controller.signal, inAMinute());
				await pause(10);
				throttle.finished();
			}),
		);
		expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
	});
});

it('a submit waiting for its turn sleeps until woken: it does not poll', async () => {
	const throttle = new Throttle(1);
	await throttle.submit(accept, never, inAMinute());
	const timers = jest.spyOn(global, 'setTimeout');
	try {
		const waiting = throttle.submit(accept, never, inAMinute());
		await pause(200);
		// One sleep (bounded by a minute) and the test's own timer, not one every millisecond.
		expect(timers.mock.calls.length).toBeLessThanOrEqual(3);
		throttle.finished();
		await expect(waiting).resolves.toBe('accepted');
	} finally {
		timers.mockRestore();
	}
});
