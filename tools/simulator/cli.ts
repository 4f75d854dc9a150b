/**
 * `npm run simulator`: a local APIXO on http://127.0.0.1:$PORT/api/v1 for trying the nodes in an
 * n8n on this machine (credential base URL = the printed baseUrl, API key = the printed key).
 */
import { onCleanup, runMain } from '../cleanup';
import { startSimulator } from './server';

const number = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

async function main() {
	const apiKey = process.env.APIXO_SIM_KEY ?? 'sim-key';
	const sim = await startSimulator({
		port: number('PORT') ?? 8787,
		apiKeys: [apiKey],
		timing: {
			pendingMs: number('APIXO_SIM_PENDING_MS') ?? 5000,
			processingMs: number('APIXO_SIM_PROCESSING_MS') ?? 15000,
		},
		resultBytes: number('APIXO_SIM_RESULT_BYTES'),
		// APIXO_SIM_WRONG_KEY_STATUS=403: the balance endpoint's answer to a wrong key.
		wrongKeyStatus: number('APIXO_SIM_WRONG_KEY_STATUS') === 403 ? 403 : undefined,
		log: (line) => console.log(`${new Date().toISOString()} ${line}`),
	});
	// Ctrl+C / SIGTERM (or `npm run` stopped): the servers are closed, then the process ends.
	onCleanup('simulator', () => sim.close());
	console.log(JSON.stringify({ baseUrl: sim.baseUrl, fileOrigin: sim.fileOrigin, apiKey }));
	await new Promise(() => {});
}

runMain(main);
