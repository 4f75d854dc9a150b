/**
 * npm run test:mutation [-- part ...]: Stryker over the named parts of scripts/mutation/parts.mjs
 * (all when none is named), one after the other, then the score of every part whose report is
 * in test-results/mutation/, and of them together. Incremental: a rerun only tests mutants whose
 * code or covering tests changed (test/mutation/<part>.json holds the previous results).
 *   --report   only add up the reports already there
 * Exits 1 when a run failed or a part's score over covered mutants is under TARGET.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { PARTS } from './parts.mjs';

/** Issue 18's target: the share of covered mutants the tests catch, per part, in %. */
const TARGET = 90;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const reportOnly = args.includes('--report');
const named = args.filter((a) => !a.startsWith('--'));
for (const part of named) {
	if (!PARTS[part]) {
		console.error(`Unknown part ${part}: one of ${Object.keys(PARTS).join(', ')}`);
		process.exit(2);
	}
}

/**
 * Stryker reuses a static mutant's result (module-level code: sets, schemas, descriptions) as
 * long as its code is unchanged: it cannot tell which tests cover it, so tests added since never
 * reach it and a survivor stays one. Drop such survivors from the incremental file so every run
 * tries them again; their code and the tests that kill them are known from the last run.
 */
function retryStaticSurvivors(part) {
	const file = path.join(ROOT, 'test', 'mutation', `${part}.json`);
	if (!existsSync(file)) return;
	const incremental = JSON.parse(readFileSync(file, 'utf8'));
	let dropped = 0;
	for (const entry of Object.values(incremental.files)) {
		const kept = entry.mutants.filter(
			(m) => !(m.static && (m.status === 'Survived' || m.status === 'NoCoverage')),
		);
		dropped += entry.mutants.length - kept.length;
		entry.mutants = kept;
	}
	writeFileSync(file, JSON.stringify(incremental, null, 2));
	console.log(`::: stryker: ${part}: ${dropped} static survivor(s) of the last run tried again`);
}

let failedRuns = 0;
if (!reportOnly) {
	for (const part of named.length ? named : Object.keys(PARTS)) {
		console.log(`::: stryker: ${part} (${PARTS[part].join(', ')})`);
		retryStaticSurvivors(part);
		const started = Date.now();
		const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
			cwd: ROOT,
			stdio: 'inherit',
			env: { ...process.env, MUTATION_PART: part },
		});
		const seconds = Math.round((Date.now() - started) / 1000);
		console.log(`::: stryker: ${part} exit ${run.status} (${seconds} s)`);
		if (run.status !== 0) failedRuns++;
	}
}

// ----------------------------------------------------------------------------- the score
/** Stryker's statuses: caught (killed, timeout), missed (survived, no coverage), not counted. */
const count = (mutants) => {
	const by = (status) => mutants.filter((m) => m.status === status).length;
	return {
		killed: by('Killed'),
		timeout: by('Timeout'),
		survived: by('Survived'),
		noCoverage: by('NoCoverage'),
		errors: by('CompileError') + by('RuntimeError'),
		ignored: by('Ignored'),
	};
};
const percent = (part, whole) => (whole ? `${((100 * part) / whole).toFixed(2)} %` : '—');
const caughtOf = (c) => c.killed + c.timeout;
const coveredOf = (c) => caughtOf(c) + c.survived;
/** Stryker's two scores: over all valid mutants, and over the mutants some test covers. */
const scores = (c) => ({
	score: percent(caughtOf(c), coveredOf(c) + c.noCoverage),
	covered: percent(caughtOf(c), coveredOf(c)),
});
/** A part with no covered mutant has no score, so it does not meet the target either. */
const meetsTarget = (c) => coveredOf(c) > 0 && 100 * caughtOf(c) >= TARGET * coveredOf(c);

const rows = [];
const underTarget = [];
const total = count([]);
const survivors = [];
for (const part of Object.keys(PARTS)) {
	const file = path.join(ROOT, 'test-results', 'mutation', `${part}.json`);
	if (!existsSync(file)) continue;
	const report = JSON.parse(readFileSync(file, 'utf8'));
	const mutants = Object.entries(report.files).flatMap(([name, f]) =>
		f.mutants.map((m) => ({ ...m, file: name })),
	);
	const c = count(mutants);
	for (const key of Object.keys(total)) total[key] += c[key];
	const measured = statSync(file).mtime.toISOString().slice(0, 16).replace('T', ' ');
	const row = { part, measured, ...c, ...scores(c) };
	rows.push(row);
	if (!meetsTarget(c)) underTarget.push(`${part} (${row.covered})`);
	for (const m of mutants.filter((x) => x.status === 'Survived' || x.status === 'NoCoverage'))
		survivors.push(
			`${m.status.padEnd(10)} ${m.file}:${m.location.start.line} ${m.mutatorName}: ${m.replacement ?? ''}`,
		);
}
if (rows.length) {
	rows.push({ part: 'all', ...total, ...scores(total) });
	console.table(rows);
	writeFileSync(
		path.join(ROOT, 'test-results', 'mutation', 'summary.json'),
		JSON.stringify({ date: new Date().toISOString(), parts: rows, survivors }, null, 1),
	);
	writeDoc(rows);
	const { score, covered } = scores(total);
	console.log(
		`mutation score ${covered} over covered mutants (${score} over all; parts: ${rows.length - 1}/${Object.keys(PARTS).length})`,
	);
} else console.log('no mutation report yet: run without --report first');
if (underTarget.length)
	console.error(`under the target of ${TARGET} % over covered mutants: ${underTarget.join(', ')}`);
process.exit(failedRuns || underTarget.length ? 1 : 0);

/** The table, between the <!-- mutation --> markers of docs/reliability.md. */
function writeDoc(table) {
	const doc = path.join(ROOT, 'docs', 'reliability.md');
	const marker = /<!-- mutation -->[\s\S]*?<!-- \/mutation -->/;
	const text = readFileSync(doc, 'utf8');
	if (!marker.test(text)) return;
	const missing = Object.keys(PARTS).filter((part) => !table.some((row) => row.part === part));
	const lines = [
		'<!-- mutation -->',
		`Written ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Stryker ${strykerVersion()}, concurrency 2; each part as of its last run (UTC).`,
		'',
		'| part | run | killed | timeout | survived | no coverage | compile errors | score (covered) | score (all) |',
		'|---|---|---|---|---|---|---|---|---|',
		...table.map(
			(r) =>
				`| ${r.part === 'all' ? '**all parts run**' : r.part} | ${r.measured ?? ''} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.errors} | ${r.covered} | ${r.score} |`,
		),
		'',
		missing.length ? `Not run yet: ${missing.join(', ')}.` : 'Every part has been run.',
		'<!-- /mutation -->',
	];
	writeFileSync(doc, text.replace(marker, lines.join('\n')));
}

function strykerVersion() {
	const pkg = path.join(ROOT, 'node_modules', '@stryker-mutator', 'core', 'package.json');
	return JSON.parse(readFileSync(pkg, 'utf8')).version;
}
