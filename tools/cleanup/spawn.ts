/**
 * Child processes that cannot outlive us: spawned in their own process group and registered
 * for cleanup, so a stop reaches what they started (n8n's task runner), descendants that left
 * the group included (./processTree).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

import { Tree } from './processTree';
import { onCleanup } from './registry';

export interface TrackOptions extends SpawnOptions {
	/** How long a stop waits after the stop signal before SIGKILL (default 10 s). */
	graceMs?: number;
	/** Default SIGTERM. */
	stopSignal?: NodeJS.Signals;
}

export interface Tracked {
	child: ChildProcess;
	/** Settles when the process has exited (or could not start). */
	exited: Promise<void>;
	/** Settles when its output has ended too. */
	closed: Promise<void>;
	/** Stops it and everything it started: stop signal, SIGKILL after the grace period. Once. */
	stop(): Promise<void>;
}

/** `spawn`, in its own process group, registered for cleanup. */
export function spawnTracked(
	name: string,
	command: string,
	args: string[],
	options: TrackOptions = {},
): Tracked {
	const { graceMs = 10_000, stopSignal = 'SIGTERM', ...spawnOptions } = options;
	// Its own group: a stop reaches its children, and a Ctrl+C meant for us reaches it only
	// through the stop (n8n must not start shutting down before we ask it to).
	const child = spawn(command, args, { ...spawnOptions, detached: true });
	let ended = false;
	const exited = new Promise<void>((resolve) => {
		child.once('exit', () => resolve());
		child.once('error', () => resolve());
	}).then(() => void (ended = true));
	const closed = new Promise<void>((resolve) => {
		child.once('close', () => resolve());
		child.once('error', () => resolve());
	});
	const pid = child.pid;
	if (pid === undefined) return { child, exited, closed, stop: async () => undefined };
	const tree = new Tree(pid);
	const stop = onCleanup(
		name,
		async () => {
			tree.signal(stopSignal);
			const deadline = Date.now() + graceMs;
			while (Date.now() < deadline && (!ended || tree.alive())) await sleep(100);
			if (!ended || tree.alive()) tree.signal('SIGKILL');
			// Bounded, without a timer that would keep the process (or jest) alive.
			await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
		},
		(force) => tree.signal(force ? 'SIGKILL' : stopSignal),
	);
	return { child, exited, closed, stop };
}

/**
 * Runs a command to the end, tracked (an interrupt stops it and its children); rejects, as
 * execFile does, when it fails.
 */
export async function execTracked(
	command: string,
	args: string[],
	options: TrackOptions = {},
): Promise<{ stdout: string; stderr: string }> {
	const tracked = spawnTracked(`${command} ${args[0] ?? ''}`.trim(), command, args, {
		stdio: ['ignore', 'pipe', 'pipe'],
		...options,
	});
	let stdout = '';
	let stderr = '';
	let failure: Error | undefined;
	tracked.child.stdout?.on('data', (c) => (stdout += c));
	tracked.child.stderr?.on('data', (c) => (stderr += c));
	tracked.child.once('error', (error) => (failure = error));
	await tracked.exited;
	await tracked.stop(); // whatever it left behind in its group
	await tracked.closed;
	const { exitCode, signalCode } = tracked.child;
	if (failure || exitCode !== 0)
		throw Object.assign(
			new Error(
				`${command} ${args.join(' ')} failed (${failure?.message ?? signalCode ?? `exit ${exitCode}`}):\n${stderr.slice(-3000)}`,
			),
			{ stdout, stderr, code: exitCode },
		);
	return { stdout, stderr };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
