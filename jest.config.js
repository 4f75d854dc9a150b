/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	// test/e2e runs a real n8n and has its own command (npm run test:e2e).
	testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
	},
	// The secrets sweep runs after every file (test/setup/sweep.ts).
	setupFilesAfterEnv: ['<rootDir>/test/setup/sweep.ts'],
	globalSetup: '<rootDir>/test/setup/clear-results.ts',
	testTimeout: 30000,
};
