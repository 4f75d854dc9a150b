// @ts-check
/**
 * Mutation testing (npm run test:mutation): StrykerJS changes the product code one small bug at
 * a time and runs the tests that cover each change; a change no test notices is a survivor.
 * Sized for a 2-core machine: concurrency 2, only the tests that cover a mutant, and results
 * kept (incremental) so a rerun tests only what changed. MUTATION_PART picks one part of
 * scripts/mutation/parts.mjs (scripts/mutation/run.mjs runs them in turn and adds them up).
 */
import os from 'node:os';
import path from 'node:path';

import { PARTS } from './scripts/mutation/parts.mjs';

const part = process.env.MUTATION_PART;
if (part && !PARTS[part]) throw new Error(`MUTATION_PART ${part}: not one of ${Object.keys(PARTS)}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
	packageManager: 'npm',
	testRunner: 'jest',
	jest: { configFile: 'jest.mutation.config.js', enableFindRelatedTests: true },
	checkers: ['typescript'],
	tsconfigFile: 'tsconfig.json',
	typescriptChecker: { prioritizePerformanceOverAccuracy: true },
	mutate: part ? PARTS[part] : Object.values(PARTS).flat(),
	coverageAnalysis: 'perTest',
	// Static mutants (module-level values: node descriptions, schemas, the price table) run every
	// related test file; scripts/mutation/jest-runner.cjs makes that cheap when one fails early.
	ignoreStatic: false,
	concurrency: 2,
	// A mutant that loops or waits forever ends as "timeout" (caught) after this.
	timeoutMS: 20000,
	timeoutFactor: 2,
	incremental: true,
	incrementalFile: `test/mutation/${part ?? 'all'}.json`,
	ignorePatterns: ['dist', 'test-results', 'coverage', '.dev-n8n', 'scratch', '*.tgz'],
	reporters: ['clear-text', 'progress', 'json'],
	jsonReporter: { fileName: `test-results/mutation/${part ?? 'all'}.json` },
	clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
	// Outside the project: lint and tsc never meet a sandbox's copy of the code.
	tempDirName: path.join(os.tmpdir(), 'n8n-nodes-apixo-stryker'),
	cleanTempDir: true,
};
