// Jest globalSetup: builds dist/ when it is stale (some tests run it in real node processes) and, when the tests
// run as root, the copy of it that children running as another user read (see readable-copy.js). Workers find
// the copy in $STEVEDORE_TEST_READABLE_COPY (or why there is none in $STEVEDORE_TEST_READABLE_UNAVAILABLE).
'use strict';
const buildDist = require('./build-dist');
const { makeReadableCopy } = require('./readable-copy');

module.exports = async function globalSetup() {
  buildDist();
  if (process.getuid?.() !== 0) return;
  const { dir, unavailable } = makeReadableCopy();
  if (dir) process.env.STEVEDORE_TEST_READABLE_COPY = dir;
  else process.env.STEVEDORE_TEST_READABLE_UNAVAILABLE = unavailable;
};
