/**
 * Nothing we start outlives us (issue 14 defect 12). A script starts a process tree through the
 * n8n host — a stand-in for n8n with a child in its process group and one that left the group —
 * and is then interrupted, fails, exits or loses its parent; afterwards no process of the tree
 * is left. In jest, afterAll stops what a file left running, and Ctrl+C still ends jest (in band
 * and in workers), taking the tree with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

import { onCleanup, runCleanup } from '../../tools/cleanup';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'cleanup');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Alive: in /proc and not a zombie. */
function alive(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2)[0]);
	} catch {
		return false;
	}
}

/** The pids still alive after polling for up to `ms`. */
async function survivors(pids: number[], ms = 5000): Promise<number[]> {
	const deadline = Date.now() + ms;
	while (pids.some(alive) && Date.now() < deadline) await sleep(100);
	return pids.filter(alive);
}

// Whatever a failed case leaves is killed at the end, so this file leaks nothing either.
const seen = new Set<number>();
const groups = new Set<number>();
const dirs: string[] = [];
afterAll(() => {
	for (const pid of groups) signal(-pid, 'SIGKILL');
	for (const pid of seen) if (alive(pid)) signal(pid, 'SIGKILL');
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function signal(pid: number, name: NodeJS.Signals) {
	try {
		process.kill(pid, name);
	} catch {
		// already gone
	}
}

// A nested run must not think it is one of this run's jest workers.
const { JEST_WORKER_ID: _worker, ...cleanEnv } = process.env;

interface Started {
	child: ChildProcess;
	/** Shell-style status: the exit code, or 128 + the signal's number. */
	status: Promise<number>;
	output: () => string;
}

function start(command: string, args: string[], env: Record<string, string> = {}, cwd = ROOT) {
	// Its own process group, like a command typed in a terminal: a group signal is Ctrl+C.
	const child = spawn(command, args, { cwd, env: { ...cleanEnv, ...env }, detached: true });
	groups.add(child.pid!);
	let output = '';
	child.stdout!.on('data', (c) => (output += c));
	child.stderr!.on('data', (c) => (output += c));
	const status = new Promise<number>((resolve) =>
		child.on('exit', (code, sig) => resolve(code ?? 128 + os.constants.signals[sig!])),
	);
	const started: Started = { child, status, output: () => output };
	return started;
}

/** `tree.ts <mode>` run as the scripts run (ts-node); the pids it prints. */
function script(run: Started) {
	const pids = (async () => {
		for (;;) {
			const line = run
				.output()
				.split('\n')
				.find((l) => l.startsWith('{"pids"'));
			if (line) {
				const list = (JSON.parse(line) as { pids: number[] }).pids;
				list.forEach((pid) => seen.add(pid));
				return list;
			}
			if (run.child.exitCode !== null || run.child.signalCode !== null)
				throw new Error(`tree.ts ended early:\n${run.output()}`);
			await sleep(50);
		}
	})();
	return { ...run, pids };
}
const tree = (mode: string, env: Record<string, string> = {}) =>
	script(
		start(process.execPath, ['-r', 'ts-node/register', path.join(FIXTURES, 'tree.ts'), mode], env),
	);

/** A bounded wait: a process that does not end fails the case instead of timing it out. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms`)), ms);
	});
	try {
		return await Promise.race([promise, late]);
	} finally {
		clearTimeout(timer);
	}
}

describe('a script that started a process tree through the n8n host', () => {
	test.concurrent.each([
		['SIGTERM', 143],
		['SIGINT', 130],
		['SIGHUP', 129],
	] as const)('%s stops the tree, then the script ends by that signal', async (name, code) => {
		const run = tree('wait');
		const pids = await run.pids;
		expect(pids.filter(alive)).toHaveLength(4);
		run.child.kill(name);
		expect(await within(run.status, 10_000, 'tree.ts')).toBe(code);
		expect(await survivors(pids)).toEqual([]);
	});

	test.concurrent.each([
		['throw', 1, 'uncaught boom'],
		['reject', 1, 'rejected boom'],
		['fail', 1, 'main failed'],
		['exit', 3, ''],
		['return', 0, ''],
	] as const)('%s: the tree is stopped and the exit code kept', async (mode, code, text) => {
		const run = tree(mode);
		const pids = await run.pids;
		expect(await within(run.status, 10_000, `tree.ts ${mode}`)).toBe(code);
		expect(run.output()).toContain(text);
		expect(await survivors(pids)).toEqual([]);
	});

	test.concurrent('a stand-in that ignores SIGTERM is killed after the grace period', async () => {
		const run = tree('wait', { STAND_IN_STUBBORN: '1', GRACE_MS: '1500' });
		const pids = await run.pids;
		const sent = Date.now();
		run.child.kill('SIGTERM');
		expect(await within(run.status, 10_000, 'tree.ts')).toBe(143);
		expect(Date.now() - sent).toBeGreaterThanOrEqual(1400);
		expect(await survivors(pids)).toEqual([]);
	});

	test.concurrent('a second Ctrl+C stops waiting for the grace period', async () => {
		const run = tree('wait', { STAND_IN_STUBBORN: '1', GRACE_MS: '60000' });
		const pids = await run.pids;
		run.child.kill('SIGINT');
		await sleep(1000);
		expect(alive(pids[0])).toBe(true); // still waiting for the stubborn stand-in
		run.child.kill('SIGINT');
		expect(await within(run.status, 5000, 'tree.ts')).toBe(130);
		expect(await survivors(pids)).toEqual([]);
	});

	// `npm run x` runs `sh -c "… && ts-node …"`, and dash passes no signal on: npm's SIGTERM ends
	// the shell and orphans the script; a SIGKILLed npm leaves the shell waiting for it.
	test.concurrent.each(['SIGTERM', 'SIGKILL'] as const)(
		'%s to `npm run` only (not its group) stops the tree',
		async (name) => {
			const dir = mkdtempSync(path.join(os.tmpdir(), 'apixo-cleanup-npm-'));
			dirs.push(dir);
			const command = ['true &&', process.execPath, '-r', require.resolve('ts-node/register')];
			const scripts = { tree: [...command, path.join(FIXTURES, 'tree.ts'), 'wait'].join(' ') };
			writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', scripts }));
			const project = { TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') };
			const run = script(start('npm', ['run', 'tree'], project, dir));
			const pids = await run.pids;
			run.child.kill(name); // npm alone, as a process manager stopping it would
			await run.status;
			expect(await survivors(pids, 10_000)).toEqual([]);
		},
	);
});

describe('in jest', () => {
	/** A nested jest on the fixture files; they append their pids to a file. */
	function jest(files: string[], args: string[]) {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'apixo-cleanup-'));
		dirs.push(dir);
		const pidsFile = path.join(dir, 'pids.jsonl');
		const config = {
			rootDir: ROOT,
			testEnvironment: 'node',
			testMatch: ['**/test/fixtures/cleanup/*.fixture.ts'],
			transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
			// No cached timings: with two files, jest then uses workers when allowed.
			cacheDirectory: path.join(dir, 'cache'),
		};
		const run = start(
			process.execPath,
			[
				require.resolve('jest/bin/jest'),
				'--config',
				JSON.stringify(config),
				...args,
				...files.map((f) => path.join(FIXTURES, `jest-${f}.fixture.ts`)),
			],
			{ CLEANUP_PIDS_FILE: pidsFile },
		);
		const lines = () =>
			(existsSync(pidsFile) ? readFileSync(pidsFile, 'utf8') : '')
				.split('\n')
				.filter(Boolean)
				.map((l) => JSON.parse(l) as { file: string; runner: number; pids: number[] });
		const started = async (file: string) => {
			for (;;) {
				const line = lines().find((l) => l.file === file);
				if (line) {
					line.pids.forEach((pid) => seen.add(pid));
					return line;
				}
				if (run.child.exitCode !== null || run.child.signalCode !== null)
					throw new Error(`nested jest ended before ${file} started:\n${run.output()}`);
				await sleep(100);
			}
		};
		return { ...run, started };
	}

	test('afterAll stops what a file left running, and jest exits', async () => {
		const run = jest(['leave'], ['-i']);
		const { pids } = await run.started('leave');
		const status = await within(run.status, 30_000, 'nested jest').catch((error) => {
			throw new Error(`${error.message}\n${run.output()}`);
		});
		expect(status).toBe(0);
		expect(await survivors(pids)).toEqual([]);
	}, 60_000);

	test('Ctrl+C still ends jest in band, and the tree with it', async () => {
		const run = jest(['hang'], ['-i']);
		const { pids, runner } = await run.started('hang');
		expect(runner).toBe(run.child.pid); // the test ran in jest's own process
		process.kill(-run.child.pid!, 'SIGINT');
		expect(await within(run.status, 10_000, 'nested jest')).toBe(130);
		expect(await survivors(pids)).toEqual([]);
	}, 60_000);

	test('Ctrl+C still ends jest with workers, and the trees with it', async () => {
		const run = jest(['leave', 'hang'], ['--maxWorkers=2']);
		const hang = await run.started('hang');
		const leave = await run.started('leave');
		expect(hang.runner).not.toBe(run.child.pid); // in a worker process
		process.kill(-run.child.pid!, 'SIGINT');
		expect(await within(run.status, 10_000, 'nested jest')).not.toBe(0);
		expect(await survivors([...hang.pids, ...leave.pids, hang.runner])).toEqual([]);
	}, 60_000);

	test('signal listeners are on the real process only while something is registered', async () => {
		// jest's `process` is a copy whose events never fire; the listeners must be on the real one.
		const real = vm.runInThisContext('process') as NodeJS.Process;
		const count = () =>
			['SIGINT', 'SIGTERM', 'SIGHUP', 'exit'].map((event) => real.listenerCount(event));
		const before = count();
		const uncaught = real.listenerCount('uncaughtException');
		const order: string[] = [];
		const first = onCleanup('first', () => void order.push('first'));
		onCleanup('second', () => void order.push('second'));
		expect(count()).toEqual(before.map((n) => n + 1));
		// jest reports uncaught errors itself: no handler of ours in its way.
		expect(real.listenerCount('uncaughtException')).toBe(uncaught);
		await runCleanup();
		await first(); // once only
		expect(order).toEqual(['second', 'first']); // newest first
		expect(count()).toEqual(before);
	});
});
