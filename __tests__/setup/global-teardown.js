// Jest globalTeardown: removes what the global setup made outside the checkout.
'use strict';
const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  for (const dir of [process.env.STEVEDORE_TEST_READABLE_COPY, process.env.STEVEDORE_TEST_TMPDIR]) {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
};
