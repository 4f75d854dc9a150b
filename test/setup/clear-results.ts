/** jest globalSetup: figures and sweep reports describe this run only. */
import { rmSync } from 'node:fs';
import path from 'node:path';

export default function clearResults(): void {
	for (const dir of ['figures', 'sweep'])
		rmSync(path.resolve(__dirname, '..', '..', 'test-results', dir), {
			recursive: true,
			force: true,
		});
}
