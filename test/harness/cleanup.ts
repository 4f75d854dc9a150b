/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/**
 * Nothing we start outlives us. Whatever a script or test helper starts (n8n and its CLI,
 * Postgres, Redis, a simulator) registers a stopper here. The stoppers run once, newest first:
 * when a script's main settles (`runMain`), in jest's afterAll, on an uncaught error and on
 * SIGINT/SIGTERM/SIGHUP; a synchronous SIGKILL fallback runs on exit. Child processes get their
 * own process group, so a stop reaches what they started (n8n's task runner), and descendants that
 * left the group are found through /proc and stopped too.
 * Self-contained (node: modules only), so it can move with the n8n host.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import vm from 'node:vm';

// In jest, `process` is a copy whose events never fire (and whose signal listeners would disable
// the default action without being called): listen on the real one, still in the main context.
const real: NodeJS.Process = (() => {
	try {
		return vm.runInThisContext('process') as NodeJS.Process;
	} catch {
		return process;
	}
})();
const inJest = typeof afterAll === 'function';

interface Entry {
	name: string;
	stop: () => unknown;
	/** Synchronous, for when there is no time left: the stop signal, or SIGKILL when `force`. */
	kill?: (force: boolean) => void;
	done?: Promise<void>;
}

const entries = new Set<Entry>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let listening = false;
let stopping = false;

/** Registers `stop`; the function returned runs it (once) and forgets it. */
export function onCleanup(
	name: string,
	stop: () => unknown,
	kill?: (force: boolean) => void,
): () => Promise<void> {
	const entry: Entry = { name, stop, kill };
	entries.add(entry);
	listen();
	return () => runEntry(entry);
}

function runEntry(entry: Entry): Promise<void> {
	entry.done ??= (async () => {
		try {
			await entry.stop();
		} finally {
			entries.delete(entry);
			if (!entries.size && !stopping) unlisten();
		}
	})();
	return entry.done;
}

/** Runs every registered stopper, newest first (what started last may use what started first). */
export async function runCleanup(): Promise<void> {
	for (let entry = last(); entry; entry = last()) {
		await runEntry(entry).catch((error) =>
			console.error(`cleanup: stopping ${entry!.name} failed:`, error),
		);
	}
}
const last = () => [...entries].pop();

/**
 * A script's entry point: stoppers run when `main` settles, and the exit code says how it went.
 * `npm run x` runs us through `sh -c "a && ts-node …"`, which dash neither replaces with us nor
 * passes signals to: npm's SIGTERM ends the shell and orphans us, a SIGKILLed npm leaves the shell
 * waiting for us. So the loss of whoever started us (the shell, or npm behind it) is a hangup.
 * (npm's forwarded SIGINT the shell ignores: only Ctrl+C, sent to the whole group, reaches us.)
 */
export function runMain(main: () => Promise<unknown>): void {
	const parent = real.ppid;
	const launchers = launchedBy(parent);
	const gone = ({ pid, start }: { pid: number; start: string }) => {
		const p = stat(pid);
		return !p || p.start !== start || p.dead;
	};
	setInterval(() => {
		if (!stopping && (real.ppid !== parent || launchers.some(gone))) onSignal('SIGHUP');
	}, 500).unref();
	main().then(
		() => runCleanup(),
		(error) => {
			// An error caused by our own stop (n8n killed under a running `n8n execute`) is noise.
			if (!stopping) console.error(error);
			real.exitCode = 1;
			return runCleanup();
		},
	);
}

/** The parent, and the one behind it when the parent is a shell. */
function launchedBy(parent: number) {
	const chain: Array<{ pid: number; start: string }> = [];
	for (let pid = parent, p = stat(pid); p; pid = p.ppid, p = stat(pid)) {
		chain.push({ pid, start: p.start });
		if (chain.length === 2 || !/^(sh|dash|bash)$/.test(comm(pid))) break;
	}
	return chain;
}

function comm(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
	} catch {
		return '';
	}
}

// Listeners only while something is registered: an idle process (or a jest worker between files)
// keeps Node's default behaviour.
function listen() {
	if (listening) return;
	listening = true;
	for (const signal of SIGNALS) real.on(signal, onSignal);
	real.on('exit', killAll);
	// jest reports uncaught errors of its own; elsewhere one would end the process at once.
	if (!inJest) real.on('uncaughtException', onFatal);
}

function unlisten() {
	if (!listening) return;
	listening = false;
	for (const signal of SIGNALS) real.off(signal, onSignal);
	real.off('exit', killAll);
	real.off('uncaughtException', onFatal);
}

function killAll() {
	for (const entry of entries) entry.kill?.(true);
}

function nudgeAll() {
	// Everything gets its stop signal now, in case we are killed before the stoppers finish (jest
	// SIGKILLs a worker 500 ms after SIGTERM).
	for (const entry of entries) entry.kill?.(false);
}

function onSignal(signal: NodeJS.Signals) {
	if (stopping) {
		// A second Ctrl+C: stop waiting for graceful stops.
		killAll();
		return reraise(signal);
	}
	stopping = true;
	if (entries.size)
		console.error(`${signal}: stopping ${[...entries].map((e) => e.name).join(', ')}`);
	nudgeAll();
	void runCleanup().finally(() => reraise(signal));
}

/**
 * Ends the process by the signal itself (the shell sees 128 + its number, and a shell running us
 * from a script stops too) — unless someone else listens for it (jest's watch mode): it is theirs.
 */
function reraise(signal: NodeJS.Signals) {
	unlisten();
	if (real.listenerCount(signal) > 0) return;
	real.kill(real.pid, signal);
	// Still here (the signal was ignored when we were started): exit with the same status.
	setTimeout(() => real.exit(128 + os.constants.signals[signal]), 1000);
}

function onFatal(error: unknown, origin: string) {
	console.error(origin === 'unhandledRejection' ? 'Unhandled rejection:' : 'Uncaught exception:');
	console.error(error);
	real.exitCode = 1;
	if (stopping) return;
	stopping = true;
	nudgeAll();
	void runCleanup().finally(() => real.exit(1));
}

// In jest, the file's afterAll also stops what the file started and did not stop (a beforeAll
// that failed halfway). Hooks run in declaration order, so this one runs before the file's own
// afterAll hooks; those then find their stops already done (every stopper runs once).
if (inJest) afterAll(runCleanup);

// ---------------------------------------------------------------------------------------------
// Child processes

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

interface Proc {
	pid: number;
	ppid: number;
	pgid: number;
	start: string;
	dead: boolean;
}

/** One line of /proc/<pid>/stat; undefined when the process is gone (or there is no /proc). */
function stat(pid: number): Proc | undefined {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name may hold spaces and parentheses: the fields start after the last ')'.
		const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
		return {
			pid,
			ppid: Number(f[1]),
			pgid: Number(f[2]),
			start: f[19],
			dead: f[0] === 'Z' || f[0] === 'X',
		};
	} catch {
		return undefined;
	}
}

function allProcs(): Proc[] {
	let names: string[];
	try {
		names = readdirSync('/proc');
	} catch {
		return [];
	}
	return names.flatMap((name) => (/^\d+$/.test(name) ? (stat(Number(name)) ?? []) : []));
}

/**
 * A process, its group and every descendant seen (even one that left the group, or whose parent
 * died and left it to init), each remembered with its start time so that a reused pid is never hit.
 */
class Tree {
	private readonly members = new Map<number, string>();

	constructor(private readonly root: number) {
		const p = stat(root);
		if (p) this.members.set(root, p.start);
	}

	private scan() {
		const procs = allProcs();
		const byParent = new Map<number, Proc[]>();
		for (const p of procs) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
		const queue = procs.filter((p) => p.pgid === this.root || this.members.get(p.pid) === p.start);
		const visited = new Set<number>();
		for (let p = queue.pop(); p; p = queue.pop()) {
			if (visited.has(p.pid)) continue;
			visited.add(p.pid);
			this.members.set(p.pid, p.start);
			queue.push(...(byParent.get(p.pid) ?? []));
		}
	}

	private live(): number[] {
		return [...this.members]
			.filter(([pid, start]) => {
				const p = stat(pid);
				return p !== undefined && p.start === start && !p.dead;
			})
			.map(([pid]) => pid);
	}

	alive(): boolean {
		this.scan();
		if (this.members.size) return this.live().length > 0;
		try {
			// No /proc: the group is all we know.
			process.kill(-this.root, 0);
			return true;
		} catch {
			return false;
		}
	}

	signal(signal: NodeJS.Signals) {
		this.scan();
		for (const target of [-this.root, ...this.live()]) {
			try {
				process.kill(target, signal);
			} catch {
				// gone already
			}
		}
	}
}
