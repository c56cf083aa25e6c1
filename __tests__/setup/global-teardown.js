// Jest globalTeardown: removes what the global setup made outside the checkout.
'use strict';
const { rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  const dir = process.env.STEVEDORE_TEST_READABLE_COPY;
  if (dir) rmSync(dir, { recursive: true, force: true });
};
