/**
 * After every test file: no secret the file handed out (API keys, trigger tokens) appears in
 * anything it produced — log lines at every level, output items, errors, webhook answers — and
 * no request to a non-APIXO host carried Authorization. Figures go to test-results/sweep/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { sweep } from '../harness/sweep';

afterAll(() => {
	const report = sweep();
	const file = path.basename(expect.getState().testPath ?? 'unknown');
	const dir = path.resolve(__dirname, '..', '..', 'test-results', 'sweep');
	mkdirSync(dir, { recursive: true });
	writeFileSync(path.join(dir, `${file}.json`), JSON.stringify({ file, ...report }, null, 1));
	if (report.leaks.length) {
		throw new Error(
			`Secrets sweep: ${report.leaks.length} leak(s):\n${report.leaks.slice(0, 10).join('\n')}`,
		);
	}
});
