/**
 * jest's test-file runner for mutation testing (jest.mutation.config.js). Stryker runs a mutant
 * with `--findRelatedTests <mutated file>` and a test-name pattern of the tests that cover it, so
 * jest loads every test file that imports the file — most of the suite for a shared module, each
 * file with its own module registry (n8n-workflow, the simulator, the harness) — only to skip
 * nearly all of their tests; and Stryker cannot make jest bail, so a killed mutant still runs
 * every covering test. This runner remembers from the dry run (no mutant active: every test
 * runs) which file holds which tests and how long they took, loads only the files where a
 * covering test lives, quickest first, and stops after the first file where a test fails (the
 * mutant is killed). A static mutant (module-level code, no test to point at) runs every related
 * file, quickest first, with the same stop. A file it has not seen runs too, so a missed kill is
 * possible, a false one not.
 */
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const TestRunner = require('jest-runner').default;

/** test file → its tests' full names and milliseconds; in a file so a restarted worker has it. */
let known;
const storeOf = (rootDir) => path.join(rootDir, '.stryker-test-files.json');

function load(rootDir) {
	const store = storeOf(rootDir);
	known ??= existsSync(store) ? JSON.parse(readFileSync(store, 'utf8')) : {};
	return known;
}

/** Set by Stryker while a mutant runs (@stryker-mutator/api's ACTIVE_MUTANT_ENV_VARIABLE). */
const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';

/** Loading a test file (its imports, the simulator) costs about this much before any test. */
const FILE_COST_MS = 500;

module.exports = class CoveringFilesRunner extends TestRunner {
	async runTests(tests, watcher, options) {
		const { rootDir, testNamePattern } = this._globalConfig;
		const files = load(rootDir);
		if (process.env[ACTIVE_MUTANT] === undefined) {
			this.on('test-file-success', ([test, result]) => {
				files[test.path] = result.testResults.map((t) => [t.fullName, t.duration ?? 0]);
			});
			await super.runTests(tests, watcher, options);
			writeFileSync(storeOf(rootDir), JSON.stringify(files));
			return;
		}
		// jest matches the pattern case-insensitively anywhere in a test's full name.
		const pattern = new RegExp(testNamePattern ?? '', 'i');
		const cost = (test) =>
			files[test.path]
				? FILE_COST_MS +
					files[test.path].reduce((sum, [name, ms]) => (pattern.test(name) ? sum + ms : sum), 0)
				: Infinity;
		const covering = tests.filter(
			(test) => !files[test.path] || files[test.path].some(([name]) => pattern.test(name)),
		);
		const queue = (covering.length ? covering : tests)
			.map((test) => ({ test, ms: cost(test) }))
			.sort((a, b) => a.ms - b.ms);
		let failed = false;
		this.on('test-file-success', ([, result]) => {
			failed ||= result.numFailingTests > 0 || Boolean(result.testExecError);
		});
		this.on('test-file-failure', () => {
			failed = true;
		});
		for (const { test } of queue) {
			if (failed) break;
			await super.runTests([test], watcher, options);
		}
	}
};
