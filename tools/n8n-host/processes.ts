/**
 * The long-lived n8n processes (`n8n start`, `n8n worker`...): started in their own process
 * group, ready once their log says so, stopped with their task runner; and the free loopback
 * ports they listen on.
 */
import net from 'node:net';

import { spawnTracked } from '../cleanup';
import { report } from '../observe';

/** A loopback port free right now (for n8n, its task broker, Postgres, Redis). */
export async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

export interface N8nProcess {
	name: string;
	pid: number | undefined;
	logs(): string;
	stop(): Promise<void>;
}

/**
 * A long-lived process (`n8n start`, `n8n worker`...), resolved once its log shows `readyText`.
 * It runs in its own process group: `stop()` (or the cleanup) stops it with its task runner.
 */
export async function startProcess(
	name: string,
	command: string,
	args: string[],
	options: { env?: NodeJS.ProcessEnv; cwd?: string; readyText: string; graceMs?: number },
): Promise<N8nProcess> {
	const { child, exited, stop } = spawnTracked(`n8n ${name}`, command, args, {
		env: options.env,
		cwd: options.cwd,
		// n8n waits up to N8N_GRACEFUL_SHUTDOWN_TIMEOUT (30 s) for running executions.
		graceMs: options.graceMs ?? 15_000,
	});
	let log = '';
	let ended = false;
	void exited.then(() => (ended = true));
	const onData = (c: Buffer) => ((log += c), report.text(`n8n ${name} log`, String(c)));
	child.stdout!.on('data', onData);
	child.stderr!.on('data', onData);
	child.once('error', (error) => (log += `\n${error.message}`));
	const handle: N8nProcess = { name, pid: child.pid, logs: () => log, stop };
	const deadline = Date.now() + 180_000;
	while (!log.includes(options.readyText)) {
		if (Date.now() > deadline || ended) {
			await stop(); // a half-started n8n would otherwise outlive the failed start
			throw new Error(`n8n ${name} did not start:\n${log.slice(-3000)}`);
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	return handle;
}
