/** n8n queue mode: Postgres + Redis + main + 2 workers + webhook processor (npm run test:queue). */
const base = require('./jest.config');

module.exports = {
	...base,
	testMatch: ['**/test/queue/**/*.test.ts'],
	testPathIgnorePatterns: ['/node_modules/'],
	testTimeout: 180000,
	maxWorkers: 1,
};
