/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	// test/e2e and test/queue run a real n8n and test/live the real APIXO: they have their own
	// commands (test:e2e, test:queue, test:live).
	testPathIgnorePatterns: ['/node_modules/', '/test/e2e/', '/test/queue/', '/test/live/'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
	},
	// The secrets sweep runs after every file (test/setup/sweep.ts).
	setupFilesAfterEnv: ['<rootDir>/test/setup/sweep.ts'],
	globalSetup: '<rootDir>/test/setup/clear-results.ts',
	testTimeout: 30000,
};
