/**
 * Nothing we start outlives us. Whatever a script or test helper starts (n8n and its CLI,
 * Postgres, Redis, a simulator) registers a stopper here. The stoppers run once, newest first:
 * when a script's main settles (`runMain`), in jest's afterAll, on an uncaught error and on
 * SIGINT/SIGTERM/SIGHUP; a synchronous SIGKILL fallback runs on exit.
 * This file holds that registry and the signal/exit handling; ./spawn starts processes that
 * register themselves, ./processTree reads /proc (what they started, who launched us).
 */
import os from 'node:os';
import vm from 'node:vm';

import { launchedBy, stat } from './processTree';

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
