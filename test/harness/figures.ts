/**
 * Figures a test measured (fuzz cases, executions seen...), kept in test-results/figures/ for
 * `scripts/reliability.ts`, which writes them into docs/reliability.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FIGURES_DIR = path.resolve(__dirname, '..', '..', 'test-results', 'figures');

/** Add to this topic's figures (they add up within one jest run; globalSetup clears them). */
export function recordFigures(topic: string, figures: Record<string, number>): void {
	mkdirSync(FIGURES_DIR, { recursive: true });
	const file = path.join(FIGURES_DIR, `${topic.replace(/[^\w-]+/g, '-')}.json`);
	const old = existsSync(file)
		? (JSON.parse(readFileSync(file, 'utf8')) as { figures: Record<string, number> }).figures
		: {};
	for (const [name, value] of Object.entries(figures)) old[name] = (old[name] ?? 0) + value;
	writeFileSync(file, JSON.stringify({ topic, figures: old }, null, 1));
}
