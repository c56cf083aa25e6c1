// Jest testSequencer: the longest files start first, so that no worker is left running one alone at the end.
// Jest orders by the durations it recorded in its cache; without them (a fresh clone, a new cache folder) it
// orders by file size, which puts the package manager and process tests, small files, last. These are the files
// that took longest in the last measured run (seconds, 2 workers), first to last.
'use strict';
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;
const { plan } = require('./transform-ahead');

const LONGEST = [
  'consumer.test.ts', // 13.6
  'docs-commands.test.ts', // 13.6
  'cache-installs.test.ts', // 13.5
  'cli-main.test.ts', // 10.8
  'concurrency.test.ts', // 7.8
  'faults.test.ts', // 6.8
  'cli.test.ts', // 6.4
  'bench.test.ts', // 5.1
  'cache.test.ts', // 3.9
  'properties.test.ts', // 3.7
  'async-loading.test.ts', // 3.7
  'peers-layouts.test.ts', // 3.6
  'layout-yarn-pnp.test.ts', // 3.6
];

class LongestFirst extends Sequencer {
  sort(tests) {
    const sorted = this.longestFirst(tests);
    // The files the global setup compiles before the workers start (see transform-ahead.js).
    plan(sorted);
    return sorted;
  }

  longestFirst(tests) {
    const sorted = super.sort(tests);
    if (sorted.some((test) => test.duration != null)) return sorted;
    const rank = (test) => {
      const at = LONGEST.indexOf(path.basename(test.path));
      return at === -1 ? LONGEST.length : at;
    };
    // Stable: the files not listed keep jest's order (by size).
    return sorted
      .map((test, index) => ({ test, index }))
      .sort((a, b) => rank(a.test) - rank(b.test) || a.index - b.index)
      .map(({ test }) => test);
  }
}

module.exports = LongestFirst;
