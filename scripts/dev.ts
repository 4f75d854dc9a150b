/**
 * `npm run dev`: n8n's editor on http://127.0.0.1:5678 (N8N_PORT) with this package installed as
 * a community node, an "APIXO (simulator)" credential pointing at a local simulator on :8787
 * (slow enough to watch: 5 s pending, 15 s processing) and the examples imported.
 * The n8n user folder stays in .dev-n8n/ between runs; Ctrl+C stops everything.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createInstance, packPackage } from '../tools/n8n-host/host';
import { apixoCredential, exampleWorkflows } from '../tools/n8n-host/workflows';
import { onCleanup, runMain } from '../tools/cleanup';
import { startSimulator } from '../tools/simulator/server';

const ROOT = path.resolve(__dirname, '..');

async function main() {
	const sim = await startSimulator({
		port: Number(process.env.APIXO_SIM_PORT ?? 8787),
		timing: { pendingMs: 5000, processingMs: 15000 },
	});
	onCleanup('simulator', () => sim.close());
	const userFolder = path.join(ROOT, '.dev-n8n');
	mkdirSync(userFolder, { recursive: true });
	const packDir = mkdtempSync(path.join(os.tmpdir(), 'apixo-dev-pack-'));
	onCleanup(packDir, () => rmSync(packDir, { recursive: true, force: true }));
	const tarball = await packPackage(packDir);
	const n8n = await createInstance(tarball, {
		userFolder,
		port: Number(process.env.N8N_PORT ?? 5678),
	});
	await n8n.importCredentials([apixoCredential(sim.baseUrl, sim.apiKey)]);
	const examples = exampleWorkflows('dev-');
	await n8n.importWorkflows(examples);
	await n8n.start();
	console.log(`n8n editor: ${n8n.baseUrl} (package ${path.basename(tarball)}, examples imported)`);
	console.log(`APIXO simulator: ${sim.baseUrl} (key ${sim.apiKey}); Ctrl+C to stop`);
	// Until Ctrl+C: the cleanup then stops n8n (with its task runner) and the simulator.
	await new Promise(() => {});
}

runMain(main);
