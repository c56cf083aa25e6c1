// Jest globalSetup: compiles the run's TypeScript ahead (transform-ahead.js) while it builds dist/ when it is stale
// (some tests run it in real node processes), sets the environment every worker and child inherits (no CA bundle
// to parse, temporary trees in memory), and, when the tests run as root, makes the copy of dist/ that children
// running as another user read (see readable-copy.js). Workers find the copy in $STEVEDORE_TEST_READABLE_COPY (or
// why there is none in $STEVEDORE_TEST_READABLE_UNAVAILABLE).
'use strict';
const { chmodSync, mkdtempSync, statfsSync } = require('node:fs');
const path = require('node:path');
const buildDist = require('./build-dist');
const { compileAhead } = require('./transform-ahead');
const { makeReadableCopy } = require('./readable-copy');

/** Memory the temporary trees may need at once (the largest hold 50 MB files), with a wide margin. */
const TMPFS_ROOM = 2 * 1024 ** 3;
/** statfs's f_type of a tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;

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

/**
 * The tests make and remove tens of thousands of files in temporary trees. Unless TMPDIR says where those go, they
 * go to a new folder in /dev/shm when it is a memory file system with room to spare: on a disk, removing them costs
 * several times the CPU (and on a disk mounted with `discard`, seconds of waiting). The files are as real there:
 * folders, links, permissions and modes behave the same. The global teardown removes the folder
 * (STEVEDORE_TEST_TMPDIR).
 */
function temporaryTreesInMemory() {
  if (process.env.TMPDIR) return;
  const shm = '/dev/shm';
  try {
    const { type, bavail, bsize } = statfsSync(shm);
    if (type !== TMPFS_MAGIC || bavail * bsize < TMPFS_ROOM) return;
    const dir = mkdtempSync(path.join(shm, 'stevedore-tests-'));
    // As /tmp: anyone may create files (the children run as another user read and write there), sticky.
    chmodSync(dir, 0o1777);
    process.env.TMPDIR = dir;
    process.env.STEVEDORE_TEST_TMPDIR = dir;
  } catch {
    // No /dev/shm, or not writable: the system's temporary folder it is.
  }
}

module.exports = async function globalSetup(globalConfig) {
  // On a thread of its own, while the build (when dist/ is stale) runs as a process.
  const compiled = compileAhead(globalConfig);
  buildDist();
  await compiled;
  setCaBundleAside();
  temporaryTreesInMemory();
  if (process.getuid?.() !== 0) return;
  const { dir, unavailable } = makeReadableCopy();
  if (dir) process.env.STEVEDORE_TEST_READABLE_COPY = dir;
  else process.env.STEVEDORE_TEST_READABLE_UNAVAILABLE = unavailable;
};
