/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/**
 * The main job: generate a video with the Seedance Mini node inside n8n's execution engine and
 * print the task, its state changes and the result URLs.
 * - no APIXO_API_KEY: against the embedded APIXO simulator (free, seconds);
 * - APIXO_API_KEY set: against the real API (creates a billed task: 480p, 4 s ≈ $0.19).
 */
process.env.N8N_LOG_LEVEL ??= 'info';
process.env.N8N_LOG_OUTPUT ??= 'console';

import { runNode, shutdownN8n } from '../test/harness/n8n';
import { SeedanceMini } from '../nodes/SeedanceMini/SeedanceMini.node';
import { startSimulator } from '../test/simulator/server';

async function main() {
	const apiKey = process.env.APIXO_API_KEY;
	const sim = apiKey
		? undefined
		: await startSimulator({
				timing: { pendingMs: 1500, processingMs: 3500 },
				resultBytes: 256 * 1024,
			});
	const credentials = apiKey
		? { apiKey, baseUrl: process.env.APIXO_BASE_URL ?? 'https://api.apixo.ai/api/v1' }
		: { apiKey: sim!.apiKey, baseUrl: sim!.baseUrl };
	console.log(
		apiKey
			? `Using the real APIXO API at ${credentials.baseUrl}`
			: `Using the embedded APIXO simulator at ${credentials.baseUrl}`,
	);

	const prompt =
		process.argv.slice(2).join(' ') || 'a slow tracking shot through a foggy pine forest at dawn';
	const started = Date.now();
	const { items, error } = await runNode({
		node: new SeedanceMini(),
		parameters: {
			operation: 'generate',
			mode: 'text-to-video',
			prompt,
			resolution: '480p',
			duration: 4,
			aspectRatio: '16:9',
			options: apiKey ? {} : { firstPollDelay: 1, pollInterval: 0.5 },
		},
		credentials: { apixoApi: credentials },
	});
	const seconds = ((Date.now() - started) / 1000).toFixed(1);
	if (sim) {
		const polls = sim.requests.filter((r) => r.endpoint === 'status');
		const states = polls
			.map((r) => ({
				at: ((r.receivedAt - started) / 1000).toFixed(1),
				state: (r.responseBody as any)?.data?.state ?? `HTTP ${r.status}`,
			}))
			.filter((poll, n, all) => n === 0 || poll.state !== all[n - 1].state)
			.map((poll) => `${poll.at}s ${poll.state}`);
		console.log(`State changes (${polls.length} status calls): ${states.join(' → ')}`);
		await sim.close();
	}
	shutdownN8n();
	if (error) {
		console.error(`Failed after ${seconds} s: ${error.message}\n${error.description ?? ''}`);
		process.exitCode = 1;
		return;
	}
	const json = items[0].json;
	console.log(
		`Task ${json.taskId}: ${json.state} after ${seconds} s (estimated cost $${json.estimatedCostUsd})`,
	);
	console.log('Result URLs:');
	for (const url of json.resultUrls as string[]) console.log(`  ${url}`);
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
