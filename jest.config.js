/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  // Fixture trees hold package.json files of their own: keep them out of the haste map.
  modulePathIgnorePatterns: ['<rootDir>/__tests__/fixtures/', '<rootDir>/examples/', '<rootDir>/dist/'],
  collectCoverage: true,
  collectCoverageFrom: ['lib/**/*.ts', '!lib/cli/**'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 90 } },
  testTimeout: 60000,
  // docs/reliability.md is generated from the reliability suites' outcomes.
  globalSetup: '<rootDir>/__tests__/reliability/global-setup.cjs',
  globalTeardown: '<rootDir>/__tests__/reliability/global-teardown.cjs',
};
