/** docs/benchmarks.md and its chart (a hand-drawn SVG: no plotting dependency). */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Figure {
	group: 'batch' | 'polling' | 'download' | 'validation' | 'trigger' | 'waiting' | 'shapes';
	name: string;
	/** The ratio (or figure) the goal is about. */
	value: number;
	unit: string;
	goal?: string;
	met?: boolean;
	detail: string;
	/** Drawn in the chart when set: the two sides of a comparison. */
	bars?: Array<{ label: string; value: number; unit: string }>;
	/** The value a full bar stands for (e.g. the goal), when the bars are small next to it. */
	barScale?: number;
}

const GROUPS: Record<Figure['group'], { title: string; meaning: string }> = {
	batch: {
		title: '1. Batch wait',
		meaning:
			'A batch waits for its tasks side by side: 50 videos finish in about the time of one, where a node that waits one task at a time takes 20 × as long for 20.',
	},
	polling: {
		title: '2. Status calls per task',
		meaning:
			'Waiting costs no more status calls than the poll interval implies, and a rate-limited API (429 + Retry-After) is never called earlier than it asked.',
	},
	download: {
		title: '3. Download memory (real n8n, filesystem binary mode)',
		meaning:
			'Downloading a video into the item streams it to disk: n8n’s memory stays flat whether the video is 50 MB or 500 MB, like n8n’s own HTTP Request node.',
	},
	validation: {
		title: '4. Validation cost',
		meaning:
			'Checking and pricing an item before anything is sent costs microseconds — invisible next to a single HTTP call.',
	},
	trigger: {
		title: '5. Trigger throughput (real n8n)',
		meaning:
			'The APIXO Trigger takes callbacks about as fast as n8n’s own Webhook node, with the acknowledgement APIXO waits for well under 100 ms.',
	},
	waiting: {
		title: '6. Waiting for renders: poll vs pause (real n8n)',
		meaning:
			'In pause mode an execution waiting for APIXO sleeps in n8n’s database: nothing runs while the videos render, and the results come as soon as APIXO calls back — no later than polling would find them. The memory figures are a few MB either way at this scale and move between runs (V8 reuses its heap; poll runs first).',
	},
	shapes: {
		title: '7. Workflow shapes (real n8n)',
		meaning:
			'What the shapes users build cost: a pause batch reads each task at most twice whatever order APIXO calls back in, and Retry On Fail never pays again for a task an earlier try created.',
	},
};

const escape = (text: string) =>
	text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Horizontal bars, one block per figure that has `bars`, each block scaled on its own. */
function chart(figures: Figure[]): string {
	const blocks = figures.filter((f) => f.bars?.length);
	const width = 760;
	const labelWidth = 300;
	const barMax = width - labelWidth - 120;
	let y = 30;
	const parts: string[] = [];
	for (const figure of blocks) {
		parts.push(
			`<text x="10" y="${y}" font-weight="bold" font-size="13">${escape(figure.name + (figure.barScale ? ` (full bar: ${figure.barScale} ${figure.bars![0].unit})` : ''))}</text>`,
		);
		y += 8;
		const max = Math.max(...figure.bars!.map((b) => b.value), figure.barScale ?? 0, 1e-9);
		figure.bars!.forEach((bar, k) => {
			const w = Math.max(1, (bar.value / max) * barMax);
			const colour = k === 0 ? '#ff6d5a' : '#8a8a9e';
			parts.push(
				`<text x="10" y="${y + 14}" font-size="12">${escape(bar.label)}</text>`,
				`<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="14" fill="${colour}"/>`,
				`<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 14}" font-size="12">${escape(`${bar.value} ${bar.unit}`)}</text>`,
			);
			y += 20;
		});
		y += 22;
	}
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif">`,
		`<rect width="100%" height="100%" fill="white"/>`,
		...parts,
		'</svg>',
		'',
	].join('\n');
}

export function writeReport(
	docsDir: string,
	figures: Figure[],
	context: { seconds: number; n8nVersion: string },
): string {
	writeFileSync(path.join(docsDir, 'benchmarks.svg'), chart(figures));
	const lines = [
		'# Benchmarks',
		'',
		'Made by `npm run bench` (not part of the tests): every figure is a ratio or a difference whose',
		'two sides were measured in the same run, against the APIXO simulator with time scaled down',
		'(tasks take 3 s, polls every 0.2 s) and, for figures 3 and 5, in a real n8n',
		`${context.n8nVersion} started by the script.`,
		'',
		`Last run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} CPU cores, Node ${process.version}, ${Math.round(context.seconds)} s in all.`,
		'',
		'![Benchmark chart](benchmarks.svg)',
		'',
	];
	for (const group of Object.keys(GROUPS) as Array<Figure['group']>) {
		const rows = figures.filter((f) => f.group === group);
		if (!rows.length) continue;
		lines.push(`## ${GROUPS[group].title}`, '', GROUPS[group].meaning, '');
		lines.push('| figure | value | goal | met | measured |', '|---|---|---|---|---|');
		for (const f of rows) {
			const met = f.met === undefined ? '' : f.met ? 'yes' : '**no**';
			lines.push(`| ${f.name} | ${f.value} ${f.unit} | ${f.goal ?? ''} | ${met} | ${f.detail} |`);
		}
		lines.push('');
	}
	const missed = figures.filter((f) => f.met === false);
	lines.push('## Goals missed', '');
	lines.push(
		missed.length
			? missed.map((f) => `- ${f.name}: ${f.value} ${f.unit} (goal ${f.goal}).`).join('\n')
			: 'None in this run.',
		'',
	);
	const file = path.join(docsDir, 'benchmarks.md');
	writeFileSync(file, lines.join('\n'));
	return file;
}
