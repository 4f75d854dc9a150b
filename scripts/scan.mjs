/**
 * What n8n runs before a community package can be verified, offline: its own analyzer
 * (`@n8n/scan-community-package`, inline eslint comments ignored as it does) over the source
 * (package.json, nodes/, credentials/) and over the unpacked `npm pack` tarball; plus what the
 * tarball holds and weighs. npm provenance, the scanner's other gate, needs the registry.
 *   node scripts/scan.mjs        (after npm run build)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
	analyzePackage,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The packed package stays small: the built nodes, their icons and codex, the docs. */
const MAX_TARBALL_BYTES = 200 * 1024;
const ALLOWED = [/^package\.json$/, /^README\.md$/, /^LICENSE$/, /^CHANGELOG\.md$/, /^dist\//];
/** Nothing of the tests, tools or scripts, and no source maps, even if dist/ ever held them. */
const FORBIDDEN = [
	/(^|\/)(test|tools|scripts|fixtures|docs)\//,
	/\.map$/,
	/\.test\./,
	/\.tsbuildinfo$/,
];

let failures = 0;
const check = (name, ok, detail = '') => {
	console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
	if (!ok) failures++;
};

const report = (result) =>
	result.passed ? '0 violations' : `${result.message}\n${result.details ?? ''}`;

// The gate must be able to fail: a package that breaks the rules on purpose is refused.
const bad = await analyzePackage(
	path.join(ROOT, 'test', 'fixtures', 'scan-bad'),
	SOURCE_FILE_PATTERNS,
);
check(
	"n8n's scanner refuses a package that breaks its rules (test/fixtures/scan-bad)",
	!bad.passed,
);

const source = await analyzePackage(ROOT, SOURCE_FILE_PATTERNS);
check(
	"n8n's scanner on the source (package.json, nodes/, credentials/)",
	source.passed,
	report(source),
);

const work = mkdtempSync(path.join(os.tmpdir(), 'apixo-scan-'));
try {
	const [tarballName] = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
			cwd: ROOT,
			// Run from `npm publish --dry-run` (prepublishOnly), the pack would be a dry run too.
			env: { ...process.env, npm_config_dry_run: 'false' },
		}).toString(),
	).map((entry) => entry.filename);
	const tarball = path.join(work, tarballName);
	const unpacked = path.join(work, 'package');
	execFileSync('tar', ['-xzf', tarball, '-C', work]);

	const dist = await analyzePackage(unpacked, ['**/*.js', 'package.json']);
	check(
		"n8n's scanner on the packed tarball (compiled .js, package.json)",
		dist.passed,
		report(dist),
	);

	const files = [];
	const walk = (dir) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) walk(full);
			else files.push(path.relative(unpacked, full));
		}
	};
	walk(unpacked);
	const unexpected = files.filter(
		(f) => !ALLOWED.some((p) => p.test(f)) || FORBIDDEN.some((p) => p.test(f)),
	);
	check(
		'tarball holds only dist/, README, LICENSE, CHANGELOG, package.json',
		unexpected.length === 0,
		unexpected.join(', ') || `${files.length} files`,
	);
	for (const needed of [
		'package.json',
		'README.md',
		'LICENSE',
		'CHANGELOG.md',
		'dist/nodes/SeedanceMini/SeedanceMini.node.js',
	])
		check(`tarball has ${needed}`, files.includes(needed));
	const bytes = statSync(tarball).size;
	check(
		`tarball size ≤ ${MAX_TARBALL_BYTES / 1024} KB`,
		bytes <= MAX_TARBALL_BYTES,
		`${(bytes / 1024).toFixed(1)} KB, ${files.length} files`,
	);
} finally {
	rmSync(work, { recursive: true, force: true });
}

console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
