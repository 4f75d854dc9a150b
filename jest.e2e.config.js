/** End-to-end tests: the packed package in a real n8n (npm run test:e2e). */
const base = require('./jest.config');

module.exports = {
	...base,
	testMatch: ['**/test/e2e/**/*.e2e.test.ts'],
	testPathIgnorePatterns: ['/node_modules/'],
	testTimeout: 180000,
	maxWorkers: 1,
};
