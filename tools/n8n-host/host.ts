/**
 * A real, pinned n8n for end-to-end runs: each run gets its own user folder with the packed
 * package installed the way n8n installs community nodes — into <user folder>/.n8n/nodes, with
 * no dependencies of its own, so `n8n-workflow` and `zod` must come from n8n.
 * This file holds an instance (its CLI, its processes, its REST API); installing n8n and packing
 * the package are in ./install, the processes in ./processes, the REST client in ./rest.
 * Every process started here (n8n, its CLI, npm) is stopped with its children on exit, on an
 * error or on a signal, even when nobody calls stop() (tools/cleanup).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { execTracked as run, onCleanup, spawnTracked } from '../cleanup';
import { report } from '../observe';
import { ensureN8n, withNode } from './install';
import { freePort, startProcess, type N8nProcess } from './processes';
import { ownerRest } from './rest';

export { CACHE_DIR, ensureN8n, N8N_VERSION, packPackage } from './install';
export { freePort, startProcess, type N8nProcess } from './processes';

export interface N8nInstance {
	userFolder: string;
	port: number;
	baseUrl: string;
	env: NodeJS.ProcessEnv;
	/** Run an n8n CLI command against this instance's database. */
	cli(
		args: string[],
		timeoutMs?: number,
	): Promise<{ stdout: string; stderr: string; code: number }>;
	importCredentials(credentials: unknown[]): Promise<void>;
	importWorkflows(workflows: unknown[]): Promise<void>;
	/** `n8n execute --id`: the run data of a workflow with a Manual Trigger. */
	execute(workflowId: string, onLine?: (line: string) => void): Promise<ExecutionResult>;
	/** `n8n start` (webhooks of published workflows are live once this resolves). */
	start(): Promise<void>;
	/** Stop `n8n start` (as a SIGTERM would) and start it again on the same database. */
	restart(): Promise<void>;
	/**
	 * Another n8n process on this user folder (`n8n worker`, `n8n webhook`...), resolved once its
	 * log shows `readyText`; `stop()` stops it with the rest.
	 */
	spawn(
		name: string,
		args: string[],
		readyText: string,
		env?: Record<string, string>,
	): Promise<N8nProcess>;
	/** n8n's REST API on the main instance, as the owner (set up and logged in on first use). */
	rest(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
	logs(): string;
	/** The process id of the running `n8n start` (benchmarks read its memory). */
	pid(): number | undefined;
	stop(): Promise<void>;
}

export interface ExecutionResult {
	code: number;
	runData: Record<
		string,
		Array<{ data?: { main: Array<Array<{ json: any; binary?: any }>> }; error?: any }>
	>;
	error?: { message: string; description?: string; context?: any };
	stderr: string;
}

/** A fresh n8n user folder with the packed package installed as a community node. */
export async function createInstance(
	tarball: string,
	options: { userFolder?: string; port?: number; env?: Record<string, string> } = {},
): Promise<N8nInstance> {
	const bin = await ensureN8n();
	const userFolder = options.userFolder ?? mkdtempSync(path.join(os.tmpdir(), 'apixo-e2e-'));
	const processes: N8nProcess[] = [];
	// Registered before anything starts: a failed set-up or an interrupt still removes the folder.
	const stop = onCleanup(`n8n instance ${path.basename(userFolder)}`, async () => {
		await Promise.all(processes.map((p) => p.stop()));
		if (!options.userFolder) rmSync(userFolder, { recursive: true, force: true });
	});
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true }),
	);
	await run('npm', ['install', '--omit=dev', '--omit=peer', '--no-audit', '--no-fund', tarball], {
		cwd: nodesDir,
	});
	const port = options.port ?? (await freePort());
	// jest sets NODE_ENV=test, which changes how n8n's CLI behaves: give n8n a clean one.
	const { NODE_ENV: _ignored, JEST_WORKER_ID: _worker, ...inherited } = process.env;
	const env: NodeJS.ProcessEnv = withNode({
		...inherited,
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		WEBHOOK_URL: `http://127.0.0.1:${port}/`,
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		N8N_LOG_LEVEL: 'info',
		N8N_ENCRYPTION_KEY: 'apixo-e2e-encryption-key',
		DB_SQLITE_POOL_SIZE: '2',
		// Read/Write Files from Disk may write here (the examples save videos).
		N8N_RESTRICT_FILE_ACCESS_TO: userFolder,
		...options.env,
	});
	let server: N8nProcess | undefined;

	const cli = async (args: string[], timeoutMs = 120_000, onLine?: (line: string) => void) => {
		// Tracked like `n8n start`: `n8n execute` runs a task runner too.
		const { child, exited, closed, stop } = spawnTracked(`n8n ${args[0]}`, bin, args, {
			env,
			cwd: userFolder,
			graceMs: 5_000,
		});
		let stdout = '';
		let stderr = '';
		const lines = (chunk: Buffer) =>
			chunk
				.toString()
				.split('\n')
				.filter(Boolean)
				.forEach((l) => onLine?.(l));
		child.stdout!.on('data', (c) => ((stdout += c), lines(c), report.text('n8n cli', String(c))));
		child.stderr!.on('data', (c) => ((stderr += c), lines(c), report.text('n8n cli', String(c))));
		child.once('error', (error) => (stderr += error.message));
		const timer = setTimeout(() => void stop(), timeoutMs);
		await exited;
		await stop(); // whatever it left in its group would hold its output open
		await closed;
		clearTimeout(timer);
		return { stdout, stderr, code: child.exitCode ?? -1 };
	};

	const importJson = async (kind: 'credentials' | 'workflow', data: unknown[]) => {
		const file = path.join(userFolder, `import-${kind}-${Date.now()}.json`);
		writeFileSync(file, JSON.stringify(data));
		const result = await cli([`import:${kind}`, `--input=${file}`]);
		if (result.code !== 0)
			throw new Error(`n8n import:${kind} failed: ${result.stderr}${result.stdout}`);
	};

	const spawnProcess: N8nInstance['spawn'] = async (name, args, readyText, extraEnv = {}) => {
		const handle = await startProcess(name, bin, args, {
			env: { ...env, ...extraEnv },
			cwd: userFolder,
			readyText,
		});
		processes.push(handle);
		return handle;
	};

	return {
		userFolder,
		rest: ownerRest(port),
		port,
		baseUrl: `http://127.0.0.1:${port}`,
		env,
		cli,
		importCredentials: (credentials) => {
			for (const c of credentials as Array<{ data?: { apiKey?: string } }>)
				report.secret(c.data?.apiKey);
			return importJson('credentials', credentials);
		},
		importWorkflows: (workflows) => importJson('workflow', workflows),
		async execute(workflowId, onLine) {
			const result = await cli(
				['execute', `--id=${workflowId}`, '--rawOutput'],
				40 * 60_000,
				onLine,
			);
			// --rawOutput prints the run as pretty JSON, possibly followed by an error report.
			const lines = result.stdout.split('\n');
			const first = lines.findIndex((line) => line.startsWith('{'));
			const last = lines.findIndex((line, n) => n > first && line === '}');
			let parsed: any = {};
			try {
				parsed = JSON.parse(lines.slice(first, last + 1).join('\n'));
			} catch {
				// n8n printed an error instead of run data
			}
			if (!parsed?.data?.resultData) {
				throw new Error(
					`n8n execute --id=${workflowId} gave no run data (exit ${result.code}):\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`,
				);
			}
			return {
				code: result.code,
				runData: parsed?.data?.resultData?.runData ?? {},
				error: parsed?.data?.resultData?.error,
				stderr: result.stderr,
			};
		},
		async start() {
			server = await spawnProcess('main', ['start'], 'Editor is now accessible');
		},
		async restart() {
			if (server) {
				await server.stop();
				processes.splice(processes.indexOf(server), 1);
			}
			server = await spawnProcess('main', ['start'], 'Editor is now accessible');
		},
		spawn: spawnProcess,
		logs: () => server?.logs() ?? '',
		pid: () => server?.pid,
		stop,
	};
}
