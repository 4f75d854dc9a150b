/**
 * The batch's throttle without HTTP: submits against a fake account that holds at most `k`
 * unfinished tasks, each job holding its task for a while, many jobs at once.
 */
import { Throttle } from '../../nodes/SeedanceMini/helpers/throttle';

const tooMany = () => Object.assign(new Error('429'), { httpCode: '429', context: {} });

async function runJobs(options: {
	jobs: number;
	cap?: number;
	accountLimit?: number;
	holdMs: number;
}) {
	const throttle = new Throttle(options.cap);
	const signal = new AbortController().signal;
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
				signal,
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
