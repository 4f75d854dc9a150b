/**
 * Callback fuzz of the APIXO Trigger over real HTTP, in n8n-core's WebhookContext
 * (test/harness/webhook.ts). Requests are raw bytes sent with node:http, so the body, its size,
 * its encoding, the content type, the transfer framing and where the token travels are all
 * chosen here.
 *
 * The oracle (trigger-fuzz/oracle.ts) is written from the callback contract, not from the
 * node: what n8n's body parsing hands the node, what the contract says of that body (refused,
 * not final or a final task), and a model of the dedupe window and of the token rule.
 * Every request must get exactly the predicted answer, no answer may be a 5xx or carry a secret,
 * only the predicted deliveries may start a run — once — and the workflow's static data holds
 * only what started a run (never a refused taskId or state), within its byte bound.
 *
 * CALLBACK_FUZZ_RUNS (default 250) scales every property (soak: 2500). CI runs a fixed seed;
 * with CALLBACK_FUZZ_RUNS set the seed is random unless FUZZ_SEED is given.
 *
 * The helpers are in trigger-fuzz/: client.ts (the raw HTTP client and the request counts),
 * oracle.ts, bodies.ts and wire.ts (the generated bodies and how they travel) and scenarios.ts
 * (the generators of each part below: sessions, batches, tokens, odd task IDs and states, big
 * bodies).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import fc from 'fast-check';

import { recordFigures } from '../harness/figures';
import { startSimulator, type Simulator } from '../../tools/simulator/server';
import type { Fault } from '../../tools/simulator/types';
import { envelope, finalStateArb } from './trigger-fuzz/bodies';
import { type Hook, open, pause, seen, sent } from './trigger-fuzz/client';
import {
	checkAnswer,
	handed,
	judge,
	nodeSees,
	outcomeOf,
	parametersOf,
	predict,
	type Settings,
	storeOf,
} from './trigger-fuzz/oracle';
import {
	batchArb,
	batchJobs,
	bigs,
	EMPTY_TYPES,
	MB,
	MUTATIONS,
	oddDeliveryArb,
	sessionSettingsArb,
	sessionStepArb,
	tokenArb,
} from './trigger-fuzz/scenarios';
import { enc, type FuzzRequest, PLACES, TOKEN, wireOf } from './trigger-fuzz/wire';

const API_KEY = 'sk-trigger-fuzz-SECRET-8080';

const SOAK = Boolean(process.env.CALLBACK_FUZZ_RUNS);
const RUNS = Math.max(10, Math.floor(Number(process.env.CALLBACK_FUZZ_RUNS) || 250));
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : SOAK ? undefined : 20260311;
const SESSIONS = RUNS;
const BATCHES = Math.ceil(RUNS * 0.6);
const TOKEN_RUNS = Math.ceil(RUNS * 0.4);
const OVERSIZE_RUNS = Math.ceil(RUNS * 0.2);
const MIN_REQUESTS = 8 * RUNS;
const runs = (numRuns: number) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });
const timeout = (numRuns: number) => Math.max(30_000, numRuns * 300);

const outcomes: Record<string, number> = {};
const deadline = { answers: 0, slowestMs: 0 };

afterAll(() => {
	const total = Object.values(sent).reduce((a, b) => a + b, 0);
	recordFigures('callback fuzz', {
		'requests sent': total,
		...Object.fromEntries(Object.entries(sent).map(([phase, n]) => [`requests, ${phase}`, n])),
		'executions seen (each expected, none for an invalid request)': seen.executions,
		'answers 5xx outside the verify-with-API cases': seen.fiveHundreds,
		'verify deadline: 503 answers while APIXO hangs or asks to wait': deadline.answers,
		'verify deadline: slowest of them, s': Math.ceil(deadline.slowestMs / 1000),
	});
});

// ---------------------------------------------------------------------------------------------

describe('sequential sessions: every answer is the predicted one', () => {
	it(
		`${SESSIONS} sessions of 1–12 random requests (body, size, encoding, content type, framing, token place) or restarts, against random trigger settings`,
		async () => {
			await fc.assert(
				fc.asyncProperty(
					sessionSettingsArb,
					fc.array(sessionStepArb, { minLength: 1, maxLength: 12 }),
					async (settings, steps) => {
						const hook = await open('sequential', parametersOf(settings));
						let recent: string[] = [];
						const done: FuzzRequest[] = [];
						try {
							for (const step of steps) {
								if (step === 'restart') {
									hook.server.restart();
									continue;
								}
								if ('again' in step && !done.length) continue;
								const request =
									'again' in step
										? { ...done[step.again % done.length], pieces: step.pieces }
										: step;
								done.push(request);
								const { wire, contentType } = wireOf(request, settings);
								const answer = await hook.post(wire);
								const tokenOk =
									request.place.ok === 'either' ? answer.status !== 401 : request.place.ok;
								const expected = predict(
									settings,
									recent,
									nodeSees(contentType, wire.bytes),
									tokenOk,
								);
								checkAnswer(answer, expected, hook.fresh());
								outcomes[outcomeOf(expected)] = (outcomes[outcomeOf(expected)] ?? 0) + 1;
								if ('emits' in expected) {
									recent = [...recent, expected.key].slice(-(settings.dedupeWindow ?? 1000));
								}
								// Only what started a run is stored: never a refused taskId or state.
								expect(storeOf(hook).keys).toEqual(recent);
							}
							expect(hook.server.crashes).toEqual([]);
						} finally {
							await hook.close();
						}
					},
				),
				runs(SESSIONS),
			);
			if (RUNS >= 100) {
				// The generators reach every branch: runs, each refusal and each way of ignoring.
				const all = [
					'started',
					'duplicate delivery',
					'state is not final',
					'state is not selected',
				];
				const rare = [...all, '400', '401', '422'].filter((o) => (outcomes[o] ?? 0) <= 5);
				expect(rare).toEqual([]);
			}
		},
		timeout(SESSIONS),
	);
});

// ---------------------------------------------------------------------------------------------

describe('retries: the same task delivered 2–4 times, concurrently and interleaved, runs once', () => {
	it(
		`${BATCHES} batches: 1–6 tasks × 2–4 copies (varied formatting, framing, timing) + up to 8 invalid requests, all in flight at once; then a late retry of each`,
		async () => {
			await fc.assert(
				fc.asyncProperty(batchArb, async (batch) => {
					const settings: Settings = { token: batch.tokened ? TOKEN : '', includeRaw: false };
					const hook = await open('concurrent', parametersOf(settings));
					const { order, tokenQuery } = batchJobs(batch);
					try {
						const answers = await Promise.all(order.map((job) => hook.post(job.wire)));
						const runsNow = hook.fresh();
						for (const answer of answers) {
							expect(answer.status).toBeLessThan(500);
							expect(answer.text).not.toContain('SECRET');
						}
						order.forEach((job, i) => {
							if (job.copy || !job.expected) return;
							checkAnswer(answers[i], job.expected, []);
						});
						batch.tasks.forEach((body, task) => {
							const verdict = judge(body);
							if (verdict.kind !== 'final') throw new Error('generated task is not final');
							const mine = runsNow.filter((run) => run[0].taskId === verdict.item.taskId);
							expect(mine).toEqual([[verdict.item]]);
							const copies = order.flatMap((job, i) =>
								job.copy && job.task === task ? [answers[i]] : [],
							);
							expect(copies.map((a) => a.status)).toEqual(copies.map(() => 200));
							const first = copies.filter((a) => a.json.ignored === undefined);
							expect(first.map((a) => a.json)).toEqual([{ received: true }]);
							for (const a of copies) {
								if (a !== first[0])
									expect(a.json).toEqual({ received: true, ignored: 'duplicate delivery' });
							}
						});
						expect(runsNow).toHaveLength(batch.tasks.length);
						expect([...storeOf(hook).keys].sort()).toEqual(
							batch.tasks.map((body) => (judge(body) as { key: string }).key).sort(),
						);

						// APIXO's late retry (after n8n restarted, sometimes) is acknowledged, not run.
						if (batch.restart) hook.server.restart();
						for (const body of batch.tasks) {
							const late = await hook.post({
								query: tokenQuery(false),
								headers: { 'content-type': 'application/json' },
								bytes: Buffer.from(JSON.stringify(body)),
							});
							expect([late.status, late.json]).toEqual([
								200,
								{ received: true, ignored: 'duplicate delivery' },
							]);
						}
						expect(hook.fresh()).toEqual([]);
						expect(hook.server.crashes).toEqual([]);
					} finally {
						await hook.close();
					}
				}),
				runs(BATCHES),
			);
		},
		timeout(BATCHES),
	);
});

// ---------------------------------------------------------------------------------------------

describe('tokens: only the exact token in ?token= opens the trigger', () => {
	it(
		`${TOKEN_RUNS} random tokens (any Unicode) × the exact one and 2–5 of ${MUTATIONS.length - 1} variations`,
		async () => {
			const tried = new Set<string>();
			await fc.assert(
				fc.asyncProperty(
					tokenArb,
					fc.uuid(),
					fc.uniqueArray(fc.integer({ min: 1, max: MUTATIONS.length - 1 }), {
						minLength: 2,
						maxLength: 5,
					}),
					async (token, id, picks) => {
						const hook = await open('token', { token });
						try {
							for (const [n, pick] of [0, ...picks].entries()) {
								const [name, place] = MUTATIONS[pick];
								const { query, headers } = place(token);
								const taskId = `${id}-${n}`;
								const answer = await hook.post({
									query,
									headers: { 'content-type': 'application/json', ...headers },
									bytes: Buffer.from(
										JSON.stringify(
											envelope({
												taskId,
												state: 'success',
												urls: [`https://cdn.example/${taskId}.mp4`],
											}),
										),
									),
								});
								const opens = handed(query) === token;
								if (name.startsWith('exact')) expect(opens).toBe(true);
								expect([name, answer.status]).toEqual([name, opens ? 200 : 401]);
								expect(answer.text.includes(token)).toBe(false);
								const ran = hook.fresh();
								expect(ran.map((run) => run[0].taskId)).toEqual(opens ? [taskId] : []);
								tried.add(name);
							}
							expect(hook.server.crashes).toEqual([]);
						} finally {
							await hook.close();
						}
					},
				),
				runs(TOKEN_RUNS),
			);
			if (RUNS >= 100) expect(tried.size).toBe(MUTATIONS.length);
		},
		timeout(TOKEN_RUNS),
	);

	it.each(
		PLACES.filter((p) => p.ok !== 'either').map(
			(p) => [p.name, p.ok ? '200, one run' : '401, no run', p] as const,
		),
	)('token %s: %s', async (_name, _outcome, place) => {
		const hook = await open('token', { token: TOKEN });
		try {
			const taskId = `place-${place.name.replace(/[^\w.-]+/g, '_')}`;
			const body = envelope({ taskId, state: 'failed', failCode: 'x' });
			const answer = await hook.post({
				query: place.query,
				headers: { 'content-type': 'application/json', ...place.headers },
				bytes: Buffer.from(JSON.stringify(place.inBody ? { ...body, token: TOKEN } : body)),
			});
			expect(answer.status).toBe(place.ok ? 200 : 401);
			expect(answer.text).not.toContain('SECRET');
			expect(hook.fresh()).toHaveLength(place.ok ? 1 : 0);
		} finally {
			await hook.close();
		}
	});
});

// ---------------------------------------------------------------------------------------------

describe('sizes: empty up to 2 MB', () => {
	let hook: Hook;
	beforeAll(async () => (hook = await open('big', { token: TOKEN })));
	afterAll(async () => {
		expect(hook.server.crashes).toEqual([]);
		// Only the five that ran are remembered; nothing of the megabytes around them.
		expect(storeOf(hook).bytes).toBeLessThan(1024);
		await hook.close();
	});

	it.each(
		bigs.map((big) => [`${big.name} (${(big.bytes.length / MB).toFixed(2)} MB)`, big] as const),
	)('%s', async (_name, big) => {
		const answer = await hook.post({
			query: `?token=${enc(big.token ?? TOKEN)}`,
			headers: { 'content-type': big.contentType ?? 'application/json' },
			bytes: big.bytes,
			pieces: big.pieces,
		});
		expect(big.expect.status).toContain(answer.status);
		expect(answer.text).not.toContain('SECRET');
		if (answer.status !== 200 || big.expect.runs) expect(answer.text.length).toBeLessThan(400);
		const ran = hook.fresh();
		expect(ran).toHaveLength(big.expect.runs);
		if (ran.length) big.expect.check?.(ran[0][0]);
	});

	it.each(
		EMPTY_TYPES.map((type) => [type === undefined ? '(none)' : type || '(empty)', type] as const),
	)('an empty body with content type %s is refused with 400', async (_label, type) => {
		const answer = await hook.post({
			query: `?token=${TOKEN}`,
			headers: type === undefined ? {} : { 'content-type': type },
			bytes: Buffer.alloc(0),
		});
		expect([answer.status, answer.json?.received]).toEqual([400, false]);
		expect(hook.fresh()).toEqual([]);
	});
});

// ---------------------------------------------------------------------------------------------

describe('oversize and odd task IDs and states: refused, never echoed whole, never stored', () => {
	it(
		`${OVERSIZE_RUNS} sessions of 1–12 deliveries, odd ones among valid ones, with any Dedupe Window (a huge one too)`,
		async () => {
			await fc.assert(
				fc.asyncProperty(
					fc.array(oddDeliveryArb, { minLength: 1, maxLength: 12 }),
					fc.constantFrom<unknown>(undefined, 1e9, Infinity, -1, 'lots'),
					async (deliveries, dedupeWindow) => {
						const hook = await open('oversize', { options: { dedupeWindow } });
						const ran: string[] = [];
						try {
							for (const { odd, taskId, state } of deliveries) {
								const body = envelope({ taskId, state, urls: ['https://a.example/v.mp4'] });
								const answer = await hook.post({
									headers: { 'content-type': 'application/json' },
									bytes: Buffer.from(JSON.stringify(body)),
								});
								const expected = predict(
									{ token: '', includeRaw: false },
									ran,
									{ parsed: true, body },
									true,
								);
								expect(expected.status).toBe(odd ? 400 : 200);
								checkAnswer(answer, expected, hook.fresh());
								for (const value of [taskId, state].filter((v) => v.length > 80))
									expect(answer.text).not.toContain(JSON.stringify(value).slice(1, -1));
								if ('emits' in expected) ran.push(expected.key);
								expect(storeOf(hook).keys).toEqual(ran);
							}
							expect(storeOf(hook).bytes).toBeLessThan(200 * (ran.length + 1));
						} finally {
							await hook.close();
						}
					},
				),
				runs(OVERSIZE_RUNS),
			);
		},
		timeout(OVERSIZE_RUNS),
	);
});

// ---------------------------------------------------------------------------------------------

describe('verify with APIXO (the one case where a 5xx is intended)', () => {
	const delivery = (taskId: string, state = 'success', urls = ['https://forged.example/x.mp4']) =>
		Buffer.from(
			JSON.stringify(
				envelope({ taskId, state, urls, failCode: state === 'failed' ? 'Forged' : undefined }),
			),
		);
	const asJson = { 'content-type': 'application/json' };

	let sim: Simulator;
	const known: string[] = [];
	beforeAll(async () => {
		sim = await startSimulator({ apiKeys: [API_KEY], timing: { pendingMs: 1, processingMs: 1 } });
		sim.planNextTasks(
			{},
			{ outcome: 'failed', failCode: 'SensitiveContent', failMsg: 'no' },
			{ resultUrlCount: 3 },
			{},
		);
		for (let i = 0; i < 4; i++) {
			const response = await fetch(`${sim.baseUrl}/generateTask/seedance-2-0-mini`, {
				method: 'POST',
				headers: { authorization: `Bearer ${API_KEY}`, ...asJson },
				body: JSON.stringify({ input: { mode: 'text-to-video', prompt: `fuzz ${i}` } }),
			});
			known.push(((await response.json()) as { data: { taskId: string } }).data.taskId);
		}
		const final = () =>
			known.every((id) => ['success', 'failed'].includes(sim.taskData(id)?.state ?? ''));
		for (let i = 0; i < 500 && !final(); i++) await pause(5);
	});
	afterAll(async () => await sim.close());

	/** APIXO's own view of a task, as the trigger must emit it. */
	const truthOf = (taskId: string) => {
		const truth = judge({ data: sim.taskData(taskId) });
		if (truth.kind !== 'final') throw new Error(`simulator task ${taskId} is not final`);
		return { ...truth.item, verified: true };
	};

	it('APIXO unreachable: 503 (APIXO will retry), no run, no secret; a concurrent copy is a duplicate or 503', async () => {
		const closed = http.createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const { port } = closed.address() as AddressInfo;
		await new Promise((resolve) => closed.close(resolve));
		const hook = await open(
			'verify',
			{ verifyWithApi: true, token: TOKEN },
			{ apixoApi: { apiKey: API_KEY, baseUrl: `http://127.0.0.1:${port}/api/v1` } },
		);
		try {
			const query = `?token=${TOKEN}`;
			// Three reads with backoff each (up to ~3 s): all in flight together.
			const answers = await Promise.all([
				...known
					.slice(0, 3)
					.map((id) => hook.post({ query, headers: asJson, bytes: delivery(id) })),
				hook.post({ query, headers: asJson, bytes: delivery(known[0]), startMs: 1 }),
				hook.post({ query, headers: asJson, bytes: delivery('down-4', 'processing') }),
				hook.post({ query, headers: asJson, bytes: Buffer.from('{"data":[]}') }),
				hook.post({ query: '?token=nope', headers: asJson, bytes: delivery(known[1]) }),
			]);
			for (const answer of answers.slice(0, 3)) {
				expect(answer.status).toBe(503);
				expect(answer.json.received).toBe(false);
			}
			// The copy arrived while the first was being verified (duplicate) or after it failed (503).
			expect([503, 200]).toContain(answers[3].status);
			if (answers[3].status === 200) expect(answers[3].json.ignored).toBe('duplicate delivery');
			expect(answers[4].json).toEqual({ received: true, ignored: 'state processing is not final' });
			expect(answers.slice(5).map((a) => a.status)).toEqual([400, 401]);
			for (const answer of answers) expect(answer.text).not.toContain('SECRET');
			expect(hook.fresh()).toEqual([]);
			expect(hook.server.crashes.every((crash) => crash.startsWith('503 '))).toBe(true);
		} finally {
			await hook.close();
		}
	});

	it('APIXO in maintenance (503, Retry-After 1 h): 503 twice, the claim is released each time; back up: one run, then duplicates', async () => {
		const hook = await open(
			'verify',
			{ verifyWithApi: true },
			{ apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
		);
		// A Retry-After beyond the transport's limit fails at once: exactly one status read each.
		sim.inject({
			endpoint: 'status',
			kind: 'http',
			status: 503,
			retryAfterSeconds: 3600,
			times: 6,
		});
		try {
			const round = () =>
				Promise.all(
					known.slice(0, 3).map((id) => hook.post({ headers: asJson, bytes: delivery(id) })),
				);
			for (let i = 0; i < 2; i++) {
				const answers = await round();
				expect(answers.map((a) => a.status)).toEqual([503, 503, 503]);
				for (const answer of answers) expect(answer.text).not.toContain('SECRET');
			}
			expect(hook.fresh()).toEqual([]);
			expect((await round()).map((a) => a.json)).toEqual([
				{ received: true },
				{ received: true },
				{ received: true },
			]);
			expect(hook.fresh()).toEqual(known.slice(0, 3).map((id) => [truthOf(id)]));
			const again = await round();
			expect(again.map((a) => a.json.ignored)).toEqual([
				'duplicate delivery',
				'duplicate delivery',
				'duplicate delivery',
			]);
			expect(hook.fresh()).toEqual([]);
		} finally {
			await hook.close();
		}
	});

	it(`${Math.ceil(RUNS / 25)} batches of forged copies (any final state claimed, 2–4 each, concurrent): one verified run per task with APIXO's data; unknown tasks 404`, async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.array(
					fc.tuple(fc.nat(known.length - 1), finalStateArb, fc.integer({ min: 0, max: 3 })),
					{
						minLength: 2,
						maxLength: 10,
					},
				),
				fc.array(fc.uuid(), { maxLength: 2 }),
				async (claims, unknown) => {
					const hook = await open(
						'verify',
						{ verifyWithApi: true },
						{ apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
					);
					try {
						const answers = await Promise.all([
							...claims.map(([task, state, startMs]) =>
								hook.post({ headers: asJson, bytes: delivery(known[task], state), startMs }),
							),
							...unknown.map((id) => hook.post({ headers: asJson, bytes: delivery(`task_${id}`) })),
						]);
						for (const answer of answers) {
							expect(answer.status).toBeLessThan(500);
							expect(answer.text).not.toContain('SECRET');
						}
						expect(answers.slice(claims.length).map((a) => a.status)).toEqual(
							unknown.map(() => 404),
						);
						answers
							.slice(claims.length)
							.forEach((a, i) => expect(a.text).not.toContain(`task_${unknown[i]}`));
						const ran = hook.fresh();
						const tasks = [...new Set(claims.map(([task]) => known[task]))];
						expect(ran.map((run) => run[0].taskId).sort()).toEqual([...tasks].sort());
						for (const [item] of ran) expect(item).toEqual(truthOf(item.taskId as string));
						expect(
							answers.filter((a) => a.status === 200 && a.json.ignored === undefined),
						).toHaveLength(tasks.length);
					} finally {
						await hook.close();
					}
				},
			),
			runs(Math.ceil(RUNS / 25)),
		);
	});

	it('verify deadline: APIXO hangs, answers slower than a read may take, or asks to wait (Retry-After 100 s, 1 min, 1 h): 503 well within 30 s, no detail in the answer', async () => {
		const hook = await open(
			'verify deadline',
			{ verifyWithApi: true },
			{ apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
		);
		const account = 'ops@acme.example';
		const message = `Rate limited for account ${account} (plan Pro)`;
		// Own task IDs: a fault matches its task only, whether APIXO knows the task or not.
		const faults: Array<Omit<Fault, 'endpoint' | 'taskId'>> = [
			{ kind: 'hang' },
			{ kind: 'delay', delayMs: 25_000 },
			{ kind: 'http', status: 429, retryAfterSeconds: 100, message },
			{ kind: 'http', status: 503, retryAfterDate: 60, message },
			{ kind: 'http', status: 503, retryAfterSeconds: 3600, message },
		];
		const ids = faults.map((_, i) => `task_deadline_${i}_${'d'.repeat(24)}`);
		faults.forEach((fault, i) =>
			sim.inject({ endpoint: 'status', taskId: ids[i], times: 3, ...fault }),
		);
		try {
			const answers = await Promise.all(
				ids.map(async (taskId) => {
					const started = Date.now();
					const answer = await hook.post({ headers: asJson, bytes: delivery(taskId) });
					return { ...answer, ms: Date.now() - started, taskId };
				}),
			);
			for (const answer of answers) {
				expect([answer.taskId, answer.status]).toEqual([answer.taskId, 503]);
				// APIXO redelivers after 30 s without a 200; the budget is 20 s.
				expect(answer.ms).toBeLessThan(26_000);
				expect(answer.json).toEqual({ received: false, error: expect.any(String) });
				for (const detail of [answer.taskId, account, 'Retry-After', 'SECRET'])
					expect(answer.text).not.toContain(detail);
				deadline.answers++;
				deadline.slowestMs = Math.max(deadline.slowestMs, answer.ms);
			}
			// A long Retry-After is not waited for: one status read.
			for (const taskId of ids.slice(2)) {
				expect(
					sim.requests.filter((r) => r.endpoint === 'status' && r.taskId === taskId),
				).toHaveLength(1);
			}
			expect(hook.fresh()).toEqual([]);
		} finally {
			await hook.close();
		}
	}, 90_000);

	it('a verified run takes one dedupe slot: dedupeWindow 2 remembers two tasks', async () => {
		const hook = await open(
			'verify',
			{ verifyWithApi: true, token: TOKEN, options: { dedupeWindow: 2 } },
			{ apixoApi: { apiKey: API_KEY, baseUrl: sim.baseUrl } },
		);
		try {
			const [a, b] = known;
			const query = `?token=${TOKEN}`;
			for (const taskId of [a, b, a, b]) {
				const state = sim.taskData(taskId)!.state;
				await hook.post({ query, headers: asJson, bytes: delivery(taskId, state) });
			}
			expect(hook.fresh().map((run) => run[0].taskId)).toEqual([a, b]);
		} finally {
			await hook.close();
		}
	});
});

// ---------------------------------------------------------------------------------------------

it('a "__proto__" key in a delivery is refused (400), not used to supply missing fields', async () => {
	const hook = await open('sequential', { token: TOKEN });
	try {
		const forged = [
			'{"code":200,"data":{"taskId":"p","state":"success","__proto__":{"resultJson":"{\\"resultUrls\\":[\\"https://x.example/v.mp4\\"]}"}}}',
			'{"code":200,"__proto__":{"data":{"taskId":"q","state":"failed"}}}',
			'{"code":200,"data":{"taskId":"r","state":"failed","failCode":"X","__proto__":{"createTime":[1,2]}}}',
		];
		for (const text of forged) {
			const answer = await hook.post({
				query: `?token=${TOKEN}`,
				headers: { 'content-type': 'application/json' },
				bytes: Buffer.from(text),
			});
			expect(answer.status).toBe(400);
		}
		expect(hook.fresh()).toEqual([]);
	} finally {
		await hook.close();
	}
});

describe('totals', () => {
	it(`at least ${MIN_REQUESTS} fuzz requests were sent in all`, () => {
		const total = Object.values(sent).reduce((a, b) => a + b, 0);
		expect(total).toBeGreaterThanOrEqual(MIN_REQUESTS);
	});
});
