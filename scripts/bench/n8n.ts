/**
 * Figures 3 and 5, in a real n8n started by the script (`n8n start`, filesystem binary mode):
 * - the memory of the n8n process while Seedance Mini downloads a result video, against n8n's
 *   own HTTP Request node downloading the same file;
 * - callbacks per second and acknowledgement latency of the APIXO Trigger, against n8n's own
 *   Webhook node, under the same load generator (autocannon, bounded request count);
 * - waiting for 50 renders in poll mode vs pause mode;
 * - the shapes users build: pause callbacks in any order, Retry On Fail.
 * This file sets the n8n up (simulator, packed package, credential, published workflows); each
 * figure's workflows and measurement are in ./n8n-download and ./n8n-trigger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createInstance, N8N_VERSION, packPackage } from '../../tools/n8n-host/host';
import { apixoCredential } from '../../tools/n8n-host/workflows';
import { onCleanup } from '../../tools/cleanup';
import { startSimulator } from '../../tools/simulator/server';
import { DOWNLOAD_WORKFLOWS, downloadFigures } from './n8n-download';
import { TRIGGER_WORKFLOWS, triggerFigures } from './n8n-trigger';
import { SHAPE_WORKFLOWS, shapeFigures } from './n8n-shapes';
import { WAIT_WORKFLOWS, waitFigures } from './n8n-wait';
import type { Figure } from './report';

const KEY = 'sk-bench-SECRET-0003';
const WORKFLOWS = [
	...DOWNLOAD_WORKFLOWS,
	...TRIGGER_WORKFLOWS,
	...WAIT_WORKFLOWS,
	...SHAPE_WORKFLOWS,
];

export async function n8nFigures(log: (line: string) => void): Promise<Figure[]> {
	const sim = await startSimulator({ apiKeys: [KEY], timing: { pendingMs: 50, processingMs: 50 } });
	const closeSim = onCleanup('simulator', () => sim.close());
	const packDir = mkdtempSync(path.join(os.tmpdir(), 'apixo-bench-pack-'));
	const removePack = onCleanup(packDir, () => rmSync(packDir, { recursive: true, force: true }));
	const tarball = await packPackage(packDir);
	const n8n = await createInstance(tarball);
	try {
		await n8n.importCredentials([apixoCredential(sim.baseUrl, KEY)]);
		await n8n.importWorkflows(WORKFLOWS);
		for (const { id } of WORKFLOWS) {
			const published = await n8n.cli(['publish:workflow', `--id=${id}`]);
			if (published.code !== 0)
				throw new Error(`publish ${id}: ${published.stderr}${published.stdout}`);
		}
		await n8n.start();
		log(`n8n ${N8N_VERSION} started (pid ${n8n.pid()}), filesystem binary-data mode`);
		return [
			...(await downloadFigures(n8n, sim, log)),
			...(await triggerFigures(n8n, log)),
			...(await waitFigures(n8n, sim, log)),
			...(await shapeFigures(n8n, sim, log)),
		];
	} finally {
		await n8n.stop();
		await closeSim();
		await removePack();
	}
}
