/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/**
 * Redis and Postgres for n8n's queue mode, on loopback with throw-away data folders: Debian's
 * packages, installed when missing; everything started here is stopped by `stop()`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { freePort } from '../e2e/n8n-host';

const run = promisify(execFile);

export interface Service {
	port: number;
	stop(): Promise<void>;
}

async function aptInstall(binary: string, pkg: string, log: (line: string) => void) {
	if (existsSync(binary)) return;
	log(`installing Debian's ${pkg} (once)`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	await run('apt-get', ['update', '-qq'], { env, maxBuffer: 64 * 1024 * 1024 });
	await run('apt-get', ['install', '-y', '-qq', pkg], { env, maxBuffer: 64 * 1024 * 1024 });
	if (!existsSync(binary)) throw new Error(`${pkg} installed but ${binary} is missing`);
}

/** Start `command` and wait for `readyText` in its output. */
async function daemon(
	name: string,
	command: string,
	args: string[],
	readyText: string,
	cleanup: () => void,
): Promise<Service & { child: ChildProcess }> {
	const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let log = '';
	child.stdout!.on('data', (c) => (log += c));
	child.stderr!.on('data', (c) => (log += c));
	const deadline = Date.now() + 60_000;
	while (!log.includes(readyText)) {
		if (Date.now() > deadline || child.exitCode !== null)
			throw new Error(`${name} did not start:\n${log.slice(-2000)}`);
		await new Promise((r) => setTimeout(r, 100));
	}
	return {
		child,
		port: 0,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) {
				const exited = new Promise((resolve) => child.once('exit', resolve));
				child.kill('SIGTERM');
				const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
				await exited;
				clearTimeout(timer);
			}
			cleanup();
		},
	};
}

export async function startRedis(log: (line: string) => void): Promise<Service> {
	const binary = '/usr/bin/redis-server';
	await aptInstall(binary, 'redis-server', log);
	const port = await freePort();
	const dir = mkdtempSync(path.join(os.tmpdir(), 'apixo-redis-'));
	const service = await daemon(
		'redis',
		binary,
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--save',
			'',
			'--appendonly',
			'no',
			'--dir',
			dir,
		],
		'Ready to accept connections',
		() => rmSync(dir, { recursive: true, force: true }),
	);
	return { port, stop: service.stop };
}

/**
 * Postgres refuses to run as root: the cluster belongs to the `postgres` user Debian's package
 * creates, with trust auth on loopback only.
 */
export async function startPostgres(log: (line: string) => void): Promise<Service> {
	const bin = '/usr/lib/postgresql/15/bin';
	await aptInstall(path.join(bin, 'postgres'), 'postgresql', log);
	const port = await freePort();
	const dir = mkdtempSync(path.join(os.tmpdir(), 'apixo-pg-'));
	const { stdout } = await run('id', ['-u', 'postgres']);
	const { stdout: gid } = await run('id', ['-g', 'postgres']);
	chownSync(dir, Number(stdout), Number(gid));
	const asPostgres = (command: string, args: string[]) =>
		process.getuid?.() === 0
			? ['runuser', ['-u', 'postgres', '--', command, ...args]]
			: [command, args];
	const [initCommand, initArgs] = asPostgres(path.join(bin, 'initdb'), [
		'-D',
		path.join(dir, 'data'),
		'--auth=trust',
		'-U',
		'postgres',
		'--no-sync',
	]) as [string, string[]];
	await run(initCommand, initArgs, { cwd: dir });
	const [command, args] = asPostgres(path.join(bin, 'postgres'), [
		'-D',
		path.join(dir, 'data'),
		'-p',
		String(port),
		'-h',
		'127.0.0.1',
		'-k',
		dir,
		'-c',
		'fsync=off',
		'-c',
		'max_connections=100',
	]) as [string, string[]];
	const service = await daemon(
		'postgres',
		command,
		args,
		'database system is ready to accept connections',
		() => rmSync(dir, { recursive: true, force: true }),
	);
	return { port, stop: service.stop };
}
