/**
 * The product code in parts for mutation testing: each part is one Stryker run with its own
 * incremental file (test/mutation/<part>.json), so a 2-core machine can do the whole in several
 * sittings and a rerun tests only mutants whose code or covering tests changed.
 */
export const PARTS = {
	contract: ['nodes/apixo/contract/**/*.ts'],
	// Unit-tested: minutes. The next parts are covered by the integration tests: an hour or more.
	errors: ['nodes/apixo/errors.ts'],
	transport: [
		'nodes/apixo/transport.ts',
		'nodes/apixo/retry.ts',
		'nodes/apixo/sleep.ts',
		'nodes/apixo/apiError.ts',
		'nodes/apixo/result.ts',
	],
	hosts: ['nodes/apixo/publicUrl.ts', 'nodes/apixo/otherHosts.ts', 'nodes/apixo/secrets.ts'],
	media: ['nodes/apixo/mediaDuration.ts', 'nodes/SeedanceMini/helpers/rangeReader.ts'],
	trigger: ['nodes/ApixoTrigger/**/*.ts'],
	credentials: ['credentials/**/*.ts'],
	node: ['nodes/SeedanceMini/SeedanceMini.node.ts', 'nodes/SeedanceMini/actions/**/*.ts'],
	batch: [
		'nodes/SeedanceMini/helpers/batch.ts',
		'nodes/SeedanceMini/helpers/throttle.ts',
		'nodes/SeedanceMini/helpers/wait.ts',
		'nodes/SeedanceMini/helpers/finish.ts',
		'nodes/SeedanceMini/helpers/operationError.ts',
		'nodes/SeedanceMini/helpers/settings.ts',
	],
	pause: ['nodes/SeedanceMini/helpers/pause.ts'],
	guards: [
		'nodes/SeedanceMini/helpers/download.ts',
		'nodes/SeedanceMini/helpers/preflight.ts',
		'nodes/SeedanceMini/helpers/budget.ts',
	],
};
