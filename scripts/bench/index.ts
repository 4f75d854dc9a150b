/**
 * `npm run bench`: the speed and memory figures of docs/benchmarks.md, each a ratio of two
 * sides measured in this run (simulator with time scaled down; a real n8n for 3 and 5).
 * `npm run bench -- batch validation` runs only those groups (batch, validation, n8n).
 * Stopped early (Ctrl+C, a time limit, a failure), it stops the n8n and simulators it started.
 */
import path from 'node:path';

import { N8N_VERSION } from '../../tools/n8n-host/host';
import { onCleanup, runMain } from '../../tools/cleanup';
import { shutdownN8n } from '../../tools/engine';
import { batchFigures } from './batch';
import { n8nFigures } from './n8n';
import { writeReport, type Figure } from './report';
import { validationFigure } from './validation';

const GROUPS: Record<string, (log: (line: string) => void) => Promise<Figure[]>> = {
	validation: async (log) => [await validationFigure(log)],
	batch: batchFigures,
	n8n: n8nFigures,
};

async function main() {
	// The in-process n8n-core of the batch figures: its SSH pool and temporary user folder.
	const stopN8nCore = onCleanup('in-process n8n-core', shutdownN8n);
	const started = Date.now();
	const only = process.argv.slice(2);
	const log = (line: string) =>
		console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
	const figures: Figure[] = [];
	for (const [name, run] of Object.entries(GROUPS)) {
		if (only.length && !only.includes(name)) continue;
		figures.push(...(await run(log)));
	}
	await stopN8nCore();
	const seconds = (Date.now() - started) / 1000;
	if (only.length) {
		log('a partial run: docs/benchmarks.md is left as it is');
	} else {
		const file = writeReport(path.resolve(__dirname, '..', '..', 'docs'), figures, {
			seconds,
			n8nVersion: N8N_VERSION,
		});
		log(`wrote ${path.relative(process.cwd(), file)}`);
	}
	const missed = figures.filter((f) => f.met === false);
	for (const f of missed) log(`goal missed: ${f.name}: ${f.value} ${f.unit} (goal ${f.goal})`);
	log(`${figures.length} figures, ${missed.length} goals missed, ${seconds.toFixed(0)} s`);
}

runMain(main);
