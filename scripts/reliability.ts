/**
 * Writes the figures of one test run into docs/reliability.md, in the section for that kind of
 * run (`ci` from `npm test`, `soak` from `npm run test:soak`), and prints them.
 *   ts-node scripts/reliability.ts <jest --json report> <ci|soak>
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(ROOT, 'test-results');
const DOC = path.join(ROOT, 'docs', 'reliability.md');

interface JestReport {
	testResults: Array<{
		name: string;
		assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string }>;
	}>;
}

const readJsonDir = <T>(dir: string): T[] =>
	existsSync(dir)
		? readdirSync(dir)
				.filter((f) => f.endsWith('.json'))
				.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as T)
		: [];

function tests(report: JestReport, file: string) {
	const suite = report.testResults.find((s) => path.basename(s.name) === file);
	const results = suite?.assertionResults ?? [];
	return {
		passed: results.filter((r) => r.status === 'passed').length,
		total: results.filter((r) => r.status !== 'todo' && r.status !== 'pending').length,
		groups: [...new Set(results.map((r) => r.ancestorTitles.join(' › ')))].map((group) => {
			const inGroup = results.filter((r) => r.ancestorTitles.join(' › ') === group);
			return {
				group,
				passed: inGroup.filter((r) => r.status === 'passed').length,
				total: inGroup.length,
			};
		}),
	};
}

function section(reportFile: string, kind: string): string {
	const report = JSON.parse(readFileSync(reportFile, 'utf8')) as JestReport;
	const figures = Object.fromEntries(
		readJsonDir<{ topic: string; figures: Record<string, number> }>(
			path.join(RESULTS, 'figures'),
		).map((f) => [f.topic, f.figures]),
	);
	const sweeps = readJsonDir<{
		file: string;
		texts: number;
		otherHostRequests: number;
		leaks: string[];
	}>(path.join(RESULTS, 'sweep'));
	const matrix = tests(report, 'fault-matrix.test.ts');
	const cancel = tests(report, 'cancellation.test.ts');
	const token = tests(report, 'token.test.ts');
	// The shared case table, run against each reading of the API page.
	const tableRows = (file: string, group: string) =>
		tests(report, file).groups.find((g) => g.group === group) ?? { passed: 0, total: 0 };
	const byContract = tableRows('contract.test.ts', 'client schema follows the validation table');
	const bySimulator = tableRows(
		'simulator.test.ts',
		'validation follows the table, and agrees with the client schema',
	);
	const sweepTotals = {
		files: sweeps.length,
		texts: sweeps.reduce((n, s) => n + s.texts, 0),
		other: sweeps.reduce((n, s) => n + s.otherHostRequests, 0),
		leaks: sweeps.reduce((n, s) => n + s.leaks.length, 0),
	};
	const figureRows = (topic: string) =>
		Object.entries(figures[topic] ?? {}).map(([name, value]) => `| ${topic}: ${name} | ${value} |`);
	const lines = [
		`<!-- ${kind} -->`,
		`## ${kind === 'soak' ? 'Soak run (`npm run test:soak`)' : 'CI run (`npm test`, every CI run)'}`,
		'',
		`${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores, Node ${process.version}.`,
		'',
		'| figure | value |',
		'|---|---|',
		`| fault matrix: cells passed | ${matrix.passed} / ${matrix.total} |`,
		...matrix.groups.map((g) => `| &nbsp;&nbsp;${g.group} | ${g.passed} / ${g.total} |`),
		`| validation case table: rows the contract reads as the page says | ${byContract.passed} / ${byContract.total} |`,
		`| validation case table: rows the simulator (its own reading) reads as the page says, agreeing with the contract | ${bySimulator.passed} / ${bySimulator.total} |`,
		...figureRows('input fuzz'),
		...figureRows('callback fuzz'),
		...figureRows('hostile hosts'),
		`| secrets sweep: test files swept | ${sweepTotals.files} |`,
		`| secrets sweep: outputs, errors, log lines and webhook answers searched | ${sweepTotals.texts} |`,
		`| secrets sweep: requests to non-APIXO hosts checked for Authorization | ${sweepTotals.other} |`,
		`| secrets sweep: leaks | ${sweepTotals.leaks} |`,
		`| constant-time token check | ${token.passed} / ${token.total} passed |`,
		`| cancellation (pause, hanging poll, hanging download, submit in flight, loop listeners; no timer or socket left) | ${cancel.passed} / ${cancel.total} passed |`,
		'',
		`<!-- /${kind} -->`,
	];
	return lines.join('\n');
}

function main() {
	const [reportFile, kind = 'ci'] = process.argv.slice(2);
	if (!reportFile || !['ci', 'soak'].includes(kind))
		throw new Error('usage: ts-node scripts/reliability.ts <jest json report> <ci|soak>');
	const fresh = section(reportFile, kind);
	console.log(fresh);
	const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
	const marker = new RegExp(`<!-- ${kind} -->[\\s\\S]*?<!-- /${kind} -->`);
	if (!marker.test(doc)) throw new Error(`${DOC} has no <!-- ${kind} --> section`);
	writeFileSync(DOC, doc.replace(marker, fresh));
}

main();
