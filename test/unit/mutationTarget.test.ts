/**
 * `npm run test:mutation` fails when a part's score over covered mutants is under 90 % (issue
 * 18's target), so CI's incremental mutation stage can go red. The script runs on reports of a
 * made-up project in a temporary folder (`--report`: no Stryker).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SCRIPTS = path.join(__dirname, '..', '..', 'scripts', 'mutation');
let root: string;

beforeEach(() => {
	root = mkdtempSync(path.join(tmpdir(), 'mutation-target-'));
	mkdirSync(path.join(root, 'scripts', 'mutation'), { recursive: true });
	for (const file of ['run.mjs', 'parts.mjs'])
		copyFileSync(path.join(SCRIPTS, file), path.join(root, 'scripts', 'mutation', file));
	mkdirSync(path.join(root, 'test-results', 'mutation'), { recursive: true });
	mkdirSync(path.join(root, 'docs'));
	writeFileSync(path.join(root, 'docs', 'reliability.md'), '# no table here\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A Stryker JSON report of one part: so many mutants of each status. */
function report(part: string, statuses: Record<string, number>) {
	const mutants = Object.entries(statuses).flatMap(([status, n]) =>
		Array.from({ length: n }, (_, i) => ({
			status,
			mutatorName: 'StringLiteral',
			replacement: '""',
			location: { start: { line: i + 1, column: 1 }, end: { line: i + 1, column: 2 } },
		})),
	);
	writeFileSync(
		path.join(root, 'test-results', 'mutation', `${part}.json`),
		JSON.stringify({ files: { [`nodes/${part}.ts`]: { mutants } } }),
	);
}

const runReport = () =>
	spawnSync(process.execPath, [path.join(root, 'scripts', 'mutation', 'run.mjs'), '--report'], {
		encoding: 'utf8',
	});

test('a part at exactly 90 % over covered mutants meets the target', () => {
	// Uncovered mutants do not count against the covered score.
	report('errors', { Killed: 8, Timeout: 1, Survived: 1, NoCoverage: 5, CompileError: 3 });
	report('credentials', { Killed: 35 });
	const run = runReport();
	expect(run.stderr).toBe('');
	expect(run.stdout).toContain('mutation score 97.78 % over covered mutants');
	expect(run.status).toBe(0);
});

test('a part under 90 % fails the run and is named with its score', () => {
	report('errors', { Killed: 17, Survived: 2 }); // 89.47 %
	report('credentials', { Killed: 35 });
	const run = runReport();
	expect(run.stderr.trim()).toBe('under the target of 90 % over covered mutants: errors (89.47 %)');
	expect(run.status).toBe(1);
});
