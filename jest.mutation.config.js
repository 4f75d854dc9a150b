/**
 * jest for mutation testing (stryker.config.mjs): the unit and integration tests of `npm test`,
 * with the product and tools folders in jest's module map so that Stryker's "related tests"
 * finds every test file that imports a mutated file, and a runner that loads only the files
 * holding the tests that cover a mutant (scripts/mutation/jest-runner.cjs).
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
	...base,
	roots: ['<rootDir>/test', '<rootDir>/nodes', '<rootDir>/credentials', '<rootDir>/tools'],
	runner: '<rootDir>/scripts/mutation/jest-runner.cjs',
};
