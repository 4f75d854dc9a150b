/**
 * `npm run demo`, the main job: the packed package in a real n8n runs a Seedance Mini workflow
 * (generate, wait, download) and this prints the task, its state changes and the result URLs.
 * - without APIXO_API_KEY: against the embedded APIXO simulator (free, seconds);
 * - with APIXO_API_KEY: against the real API (creates a billed task: 480p, 4 s ≈ $0.19).
 * The first run installs the pinned n8n into a cache folder (a few minutes).
 * Ctrl+C, a failure or the end stops n8n (with its task runner) and the simulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createInstance, packPackage } from '../tools/n8n-host/host';
import { apixoCredential, generateWorkflow } from '../tools/n8n-host/workflows';
import { onCleanup, runMain } from '../tools/cleanup';
import { startSimulator } from '../tools/simulator/server';

async function main() {
	const apiKey = process.env.APIXO_API_KEY;
	const sim = apiKey
		? undefined
		: await startSimulator({
				timing: { pendingMs: 2000, processingMs: 4000 },
				resultBytes: 256 * 1024,
			});
	if (sim) onCleanup('simulator', () => sim.close());
	const baseUrl = apiKey
		? (process.env.APIXO_BASE_URL ?? 'https://api.apixo.ai/api/v1')
		: sim!.baseUrl;
	console.log(
		apiKey ? `APIXO API at ${baseUrl} (billed)` : `Embedded APIXO simulator at ${baseUrl}`,
	);

	const packDir = mkdtempSync(path.join(os.tmpdir(), 'apixo-demo-pack-'));
	onCleanup(packDir, () => rmSync(packDir, { recursive: true, force: true }));
	const tarball = await packPackage(packDir);
	// runMain stops n8n and the simulator however this ends.
	const n8n = await createInstance(tarball);
	await n8n.importCredentials([apixoCredential(baseUrl, apiKey ?? sim!.apiKey)]);
	const prompt =
		process.argv.slice(2).join(' ') || 'a slow tracking shot through a foggy pine forest at dawn';
	await n8n.importWorkflows([
		generateWorkflow('demo', {
			operation: 'generate',
			mode: 'text-to-video',
			prompt,
			resolution: '480p',
			duration: 4,
			aspectRatio: '16:9',
			options: apiKey
				? { downloadVideo: true }
				: { firstPollDelay: 1, pollInterval: 0.5, downloadVideo: true },
		}),
	]);
	console.log(`Running the workflow in n8n: Manual Trigger → Seedance Mini ("${prompt}")`);
	const started = Date.now();
	// The node logs its progress (submit, every state change) at info level.
	const result = await n8n.execute('demo', (line) => {
		if (line.includes('Seedance Mini:'))
			console.log(`  [${((Date.now() - started) / 1000).toFixed(1)} s] ${line.trim()}`);
	});
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	if (result.error) {
		console.error(
			`Failed after ${seconds} s: ${result.error.message}\n${result.error.description ?? ''}`,
		);
		process.exitCode = 1;
		return;
	}
	const item = result.runData['Seedance Mini'][0].data!.main[0][0];
	console.log(
		`Task ${item.json.taskId}: ${item.json.state} (estimated cost $${item.json.estimatedCostUsd}, ${seconds} s with n8n's start-up)`,
	);
	console.log('Result URLs:');
	for (const url of item.json.resultUrls) console.log(`  ${url}`);
	if (item.binary?.data)
		console.log(
			`Video in the item as binary: ${item.binary.data.fileName}, ${item.binary.data.fileSize}, ${item.binary.data.mimeType}`,
		);
}

runMain(main);
