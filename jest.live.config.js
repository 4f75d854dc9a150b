/**
 * `npm run test:live`: the real APIXO, for a maintainer with a key (APIXO_API_KEY; optional
 * APIXO_BASE_URL). Free calls only, unless APIXO_LIVE_PAID=1 also runs one paid task.
 */
const base = require('./jest.config');

if (!process.env.APIXO_API_KEY?.trim()) console.log('APIXO_API_KEY is not set: live tests skipped');

module.exports = {
	...base,
	testMatch: ['**/test/live/**/*.test.ts'],
	testPathIgnorePatterns: ['/node_modules/'],
	// Leave the last full run's figures and sweep reports in test-results/ alone.
	globalSetup: undefined,
	// One paid task may take up to maxWait (1200 s) plus the first poll delay.
	testTimeout: 1_500_000,
	maxWorkers: 1,
};
