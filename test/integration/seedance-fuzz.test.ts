/**
 * Random node parameters through the real node: either the simulator receives exactly the body
 * the contract normalizes to, or the node stops with an n8n error naming a field and nothing
 * reaches the simulator. (A first slice of issue 8's input fuzz; it grows there.)
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import { validateSubmitBody } from '../../nodes/apixo/contract';
import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';
import { recordFigures } from '../harness/figures';
import { runNode, type RunNodeOptions } from '../../tools/engine';
import { startSimulator, type Simulator } from '../../tools/simulator/server';

const KEY = 'sk-fuzz-SECRET-1234';
let sim: Simulator;
beforeAll(async () => (sim = await startSimulator({ apiKeys: [KEY], balanceUsd: 1e9 })));
afterAll(async () => await sim.close());

/** Mostly valid values, sometimes not: both outcomes must be common. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) =>
	fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: invalid, weight: 1 });
const weird = fc.oneof(
	fc.string({ maxLength: 10 }),
	fc.integer({ min: -5, max: 30 }),
	fc.boolean(),
	fc.constant(null),
);
const url = mostly(fc.webUrl(), fc.oneof(fc.constant(''), fc.string({ maxLength: 12 })));
const list = (max: number, separator: string) =>
	fc.array(url, { maxLength: max }).map((urls) => urls.join(separator));
const params = fc.record({
	mode: mostly(
		fc.constantFrom('text-to-video', 'first_and_last_frames', 'omni_reference'),
		fc.string({ maxLength: 8 }),
	),
	prompt: mostly(
		fc.string({ minLength: 1, maxLength: 40 }).filter((t) => t.trim() !== ''),
		fc.constant('   '),
	),
	resolution: mostly(fc.constantFrom('480p', '720p', ' 720P '), weird),
	duration: mostly(fc.oneof(fc.integer({ min: 4, max: 15 }), fc.constantFrom('10', '4')), weird),
	aspectRatio: mostly(fc.constantFrom('auto', '16:9', '4:3', '1:1', '3:4', '9:16', '21:9'), weird),
	sound: mostly(fc.boolean(), weird),
	webSearch: mostly(fc.boolean(), weird),
	firstFrameUrl: url,
	lastFrameUrl: fc.oneof(url, fc.constant('')),
	imageUrls: list(10, '\n'),
	videoUrls: list(4, ', '),
	audioUrls: list(4, '\n'),
});

/** 10 000 in every CI run; `npm run test:soak` sets FUZZ_RUNS higher. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10000);

it(
	`${RUNS} random parameter sets: exact body or a clear error with no request`,
	async () => {
		let accepted = 0;
		let refused = 0;
		await fc.assert(
			fc.asyncProperty(params, async (p) => {
				sim.reset();
				// Values that are not plain text (or that start with n8n's expression marker "=") go in
				// as expressions, as a user's mapping would.
				// (braces escaped: n8n's expression syntax ends at a literal "}}", even inside a string)
				const asParam = (v: unknown) =>
					typeof v === 'string' && !v.startsWith('=')
						? v
						: `={{ ${JSON.stringify(v).replace(/[{}]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)} }}`;
				const parameters: IDataObject = {
					operation: 'generate',
					waitForCompletion: false,
					// Random hosts cannot be reached here: the header pre-flight has its own tests.
					options: { preflightMedia: false },
					...Object.fromEntries(Object.entries(p).map(([k, v]) => [k, asParam(v)])),
				};
				const { error } = await runNode({
					node: new SeedanceMini(),
					parameters: parameters as RunNodeOptions['parameters'],
					credentials: { apixoApi: { apiKey: KEY, baseUrl: sim.baseUrl } },
				});
				if (error) {
					refused++;
					expect(['NodeOperationError', 'WorkflowHasIssuesError']).toContain(error.name);
					expect(sim.count()).toBe(0);
					if (error.name === 'NodeOperationError')
						expect(error.message).toMatch(/^Invalid |Estimated cost/);
				} else {
					accepted++;
					const [submit] = sim.requests.filter((r) => r.endpoint === 'submit');
					const checked = validateSubmitBody(submit.body);
					expect(checked.ok && checked.body).toEqual(submit.body);
					// ...and it is this item's request, not a normalized-away one.
					const input = (submit.body as { input: IDataObject }).input;
					expect(input).toMatchObject({
						mode: p.mode,
						prompt: (p.prompt as string).trim(),
						duration: Number(p.duration),
					});
				}
			}),
			{ numRuns: RUNS, seed: 42 },
		);
		recordFigures('input fuzz', {
			'parameter sets': accepted + refused,
			'accepted, body checked': accepted,
			'refused before any request': refused,
		});
		// Both outcomes are common, or the property says little.
		expect(Math.min(accepted, refused)).toBeGreaterThan((accepted + refused) / 10);
	},
	Math.max(120_000, RUNS * 10),
);
