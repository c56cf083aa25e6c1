// Jest globalSetup: builds dist/ when it is stale (some tests run it in real node processes) and, when the tests
// run as root, the copy of it that children running as another user read (see readable-copy.js). Workers find
// the copy in $STEVEDORE_TEST_READABLE_COPY (or why there is none in $STEVEDORE_TEST_READABLE_UNAVAILABLE).
'use strict';
const buildDist = require('./build-dist');
const { makeReadableCopy } = require('./readable-copy');

/**
 * Node 20 reads and parses the file NODE_EXTRA_CA_CERTS names at every start, before any code runs: with a system
 * bundle (200 KB) that is about 80 ms of CPU, two thirds of a bare `node -e 0`, and the tests start several hundred
 * node processes, nearly all of which open no connection. The variable is set aside for the run (workers and every
 * child start without it) and kept as STEVEDORE_TEST_CA_CERTS for the package managers, which get it back
 * (NETWORK_ENV in support/processes.ts): a proxy between them and the registry may need it.
 */
function setCaBundleAside() {
  if (process.env.NODE_EXTRA_CA_CERTS === undefined) return;
  process.env.STEVEDORE_TEST_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
  delete process.env.NODE_EXTRA_CA_CERTS;
}

module.exports = async function globalSetup() {
  buildDist();
  setCaBundleAside();
  if (process.getuid?.() !== 0) return;
  const { dir, unavailable } = makeReadableCopy();
  if (dir) process.env.STEVEDORE_TEST_READABLE_COPY = dir;
  else process.env.STEVEDORE_TEST_READABLE_UNAVAILABLE = unavailable;
};
