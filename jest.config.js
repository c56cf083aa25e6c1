/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  // The examples import the library by its package name: give them lib/'s source.
  moduleNameMapper: {
    '^stevedore-ts$': '<rootDir>/lib/index.ts',
    '^stevedore-ts/testing$': '<rootDir>/lib/testing.ts',
  },
  // Fixture trees hold package.json files of their own: keep them out of the haste map.
  modulePathIgnorePatterns: ['<rootDir>/__tests__/fixtures/', '<rootDir>/examples/', '<rootDir>/dist/'],
  collectCoverage: true,
  // main.ts and probe-child.ts only run as processes of their own (spawned in cli.test.ts).
  collectCoverageFrom: ['lib/**/*.ts', '!lib/cli/main.ts', '!lib/cli/probe-child.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 90 } },
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/__tests__/setup/summary-reporter.js'],
  // A stevedore-ts warning that no test recorded fails the test that let it through.
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup/stray-warnings.ts'],
  // Builds dist/ when it is stale (some tests run it in real node processes). docs/reliability.md is written by
  // npm run reliability (scripts/reliability.mjs), not by the test run.
  globalSetup: '<rootDir>/__tests__/setup/build-dist.js',
};
