const os = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Jest's runtime, compiling each module once per worker rather than once per test file (see the file).
  runtime: '<rootDir>/__tests__/setup/runtime.js',
  // ts-jest, behind a cache key that spares each worker loading TypeScript (see the file).
  transform: {
    '^.+\\.ts$': ['<rootDir>/__tests__/setup/ts-transformer.js', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  // Only these folders are crawled for the module map (not the 10,000 files of node_modules, nor the examples'
  // installs); everything else is still required by path.
  roots: ['<rootDir>/__tests__', '<rootDir>/lib'],
  // Jest's default on a 2-core machine is one worker, running the files one after the other in its own process.
  // Half again as many workers as cores: a file often waits (for a plugin to time out, a process to start or be
  // killed), and a third worker keeps both cores busy meanwhile (a clean clone's run: ≈62 s instead of ≈66).
  // (A number: jest reads a percentage above 100% as that many workers.)
  maxWorkers: Math.ceil(os.availableParallelism() * 1.5),
  // The longest files first, also when jest has no durations recorded (a fresh clone).
  testSequencer: '<rootDir>/__tests__/setup/sequencer.js',
  // The examples import the library by its package name: give them lib/'s source.
  moduleNameMapper: {
    '^stevedore-ts$': '<rootDir>/lib/index.ts',
    '^stevedore-ts/testing$': '<rootDir>/lib/testing.ts',
  },
  // Fixture trees hold package.json files of their own: keep them out of the haste map.
  modulePathIgnorePatterns: ['<rootDir>/__tests__/fixtures/', '<rootDir>/examples/', '<rootDir>/dist/'],
  // Coverage (with its threshold) is measured by `npm run coverage` (jest --coverage), which CI runs; `npm test`
  // leaves it out: instrumenting lib/ costs about a fifth of the run.
  // main.ts and probe-child.ts only run as processes of their own (spawned in cli.test.ts).
  collectCoverageFrom: ['lib/**/*.ts', '!lib/cli/main.ts', '!lib/cli/probe-child.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 90 } },
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/__tests__/setup/summary-reporter.js'],
  // A stevedore-ts warning that no test recorded fails the test that let it through.
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup/stray-warnings.ts'],
  // Builds dist/ when it is stale (some tests run it in real node processes), and a copy of it that other users
  // may read. docs/reliability.md is written by npm run reliability (scripts/reliability.mjs), not by the test run.
  globalSetup: '<rootDir>/__tests__/setup/global-setup.js',
  globalTeardown: '<rootDir>/__tests__/setup/global-teardown.js',
};
