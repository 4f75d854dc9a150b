/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/** jest globalSetup: figures and sweep reports describe this run only. */
import { rmSync } from 'node:fs';
import path from 'node:path';

export default function clearResults(): void {
	for (const dir of ['figures', 'sweep'])
		rmSync(path.resolve(__dirname, '..', '..', 'test-results', dir), { recursive: true, force: true });
}
