/**
 * Redis and Postgres for n8n's queue mode, on loopback with throw-away data folders: Debian's
 * packages, installed when missing. Everything started here is stopped by `stop()`, and by the
 * cleanup (tools/cleanup/) on exit, on an error or on a signal when nobody called it.
 */
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from './processes';
import { execTracked as run, onCleanup, spawnTracked, type TrackOptions } from '../cleanup';

export interface Service {
	port: number;
	stop(): Promise<void>;
}

async function aptInstall(binary: string, pkg: string, log: (line: string) => void) {
	if (existsSync(binary)) return;
	log(`installing Debian's ${pkg} (once)`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	await run('apt-get', ['update', '-qq'], { env });
	await run('apt-get', ['install', '-y', '-qq', pkg], { env });
	if (!existsSync(binary)) throw new Error(`${pkg} installed but ${binary} is missing`);
}

/** A throw-away folder, removed on stop (after the daemon using it: stoppers run newest first). */
function scratch(prefix: string) {
	const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
	return { dir, remove: onCleanup(dir, () => rmSync(dir, { recursive: true, force: true })) };
}

/** Start `command` (in its own process group) and wait for `readyText` in its output. */
async function daemon(
	name: string,
	command: string,
	args: string[],
	readyText: string,
	options: TrackOptions = {},
): Promise<() => Promise<void>> {
	const { child, exited, stop } = spawnTracked(name, command, args, {
		stdio: ['ignore', 'pipe', 'pipe'],
		graceMs: 10_000,
		...options,
	});
	let log = '';
	let ended = false;
	void exited.then(() => (ended = true));
	child.stdout!.on('data', (c) => (log += c));
	child.stderr!.on('data', (c) => (log += c));
	const deadline = Date.now() + 60_000;
	while (!log.includes(readyText)) {
		if (Date.now() > deadline || ended) {
			await stop();
			throw new Error(`${name} did not start:\n${log.slice(-2000)}`);
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	return stop;
}

export async function startRedis(log: (line: string) => void): Promise<Service> {
	const binary = '/usr/bin/redis-server';
	await aptInstall(binary, 'redis-server', log);
	const port = await freePort();
	const { dir, remove } = scratch('apixo-redis-');
	const stop = await daemon(
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
	);
	return {
		port,
		async stop() {
			await stop();
			await remove();
		},
	};
}

/**
 * Postgres refuses to run as root: the cluster belongs to the `postgres` user Debian's package
 * creates, with trust auth on loopback only.
 */
export async function startPostgres(log: (line: string) => void): Promise<Service> {
	const bin = '/usr/lib/postgresql/15/bin';
	await aptInstall(path.join(bin, 'postgres'), 'postgresql', log);
	const port = await freePort();
	const { dir, remove } = scratch('apixo-pg-');
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
	// SIGINT is Postgres' "fast" shutdown: clients are disconnected instead of waited for.
	const stop = await daemon(
		'postgres',
		command,
		args,
		'database system is ready to accept connections',
		{ stopSignal: 'SIGINT' },
	);
	return {
		port,
		async stop() {
			await stop();
			await remove();
		},
	};
}
