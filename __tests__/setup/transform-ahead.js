// Compiles the run's TypeScript before its workers start: the test files, and what they import from lib/ and the
// test support, into jest's own transform cache, with jest's own transformer and options (the workers then read
// every file from that cache). Left to the workers, the compiling costs about twice as much: each worker loads and
// warms up TypeScript on its own, and at the start they all compile the same lib/ files at once (a clean clone's
// `npm test`: ≈19 CPU-seconds of compiling in the workers, ≈11 here, on one thread).
//
// The test sequencer (sequencer.js), the one place jest shows which files the run has, hands them to plan(); the
// global setup calls compileAhead(). Jest's transform cache is keyed by each file's content, path and options, so
// what is compiled here is what the workers would have compiled; a file this misses, they compile themselves.
'use strict';
const vm = require('node:vm');
const { Worker, isMainThread, workerData } = require('node:worker_threads');

/** Below this many test files, the workers compile their few files sooner than a thread is started to do it. */
const FEWEST_TESTS = 4;

/**
 * The files to compile (the test files and their static imports, transitively, that jest transforms) and the
 * project's config.
 */
let planned = null;

/** Where `name`, imported by `from`, resolves as jest resolves it (its moduleNameMapper included); null if nowhere. */
function resolveImport(resolver, from, name) {
  if (resolver.isCoreModule(name)) return null;
  try {
    return resolver.resolveStubModuleName(from, name) ?? resolver.resolveModule(from, name);
  } catch {
    return null;
  }
}

/**
 * Whether jest would run a file through a transformer: it matches a `transform` pattern and no
 * `transformIgnorePatterns` one (the files of node_modules, by default). Others it loads as they are.
 */
function isTransformedBy(config) {
  const transformed = config.transform.map(([pattern]) => new RegExp(pattern));
  const ignored = config.transformIgnorePatterns.map((pattern) => new RegExp(pattern));
  return (file) => transformed.some((re) => re.test(file)) && !ignored.some((re) => re.test(file));
}

/**
 * Records the run's test files and, through the dependencies jest's haste map found in them (type-only imports
 * left out), every file they import. The haste map covers the roots of the config (lib/ and __tests__/): a file
 * outside them is compiled but not followed.
 */
function plan(tests) {
  if (tests.length < FEWEST_TESTS) return;
  const { config, hasteFS, resolver } = tests[0].context;
  const files = new Set([...config.setupFilesAfterEnv, ...tests.map((test) => test.path)]);
  for (const file of files) {
    for (const name of hasteFS.getDependencies(file) ?? []) {
      const found = resolveImport(resolver, file, name);
      if (found) files.add(found);
    }
  }
  planned = { config, files: [...files].filter(isTransformedBy(config)) };
}

/** The transform options jest's runtime uses for a module it requires (CommonJS), with the run's coverage. */
function runtimeOptions(globalConfig) {
  return {
    isInternalModule: false,
    supportsDynamicImport: typeof vm.SyntheticModule === 'function',
    supportsExportNamespaceFrom: false,
    supportsStaticESM: false,
    supportsTopLevelAwait: false,
    changedFiles: undefined,
    collectCoverage: globalConfig.collectCoverage,
    collectCoverageFrom: globalConfig.collectCoverageFrom,
    coverageProvider: globalConfig.coverageProvider,
    sourcesRelatedToTestsInChangedFiles: undefined,
  };
}

/**
 * Compiles what plan() recorded on a thread of its own, while the global setup builds; nothing when nothing was
 * planned. One thread: V8 compiles and collects that thread's garbage on threads of its own, which keep the other
 * core about half busy (on two cores, a second compiling thread made the phase slower and cost a third more CPU).
 */
async function compileAhead(globalConfig) {
  if (!planned || !planned.config.cache) return;
  const { config, files } = planned;
  planned = null;
  try {
    await compileOnThread({ config, options: runtimeOptions(globalConfig), files });
  } catch (error) {
    // Only time is lost: what is not in the cache, the workers compile.
    process.stderr.write(`Compiling ahead failed, the workers compile instead: ${error.stack ?? error}\n`);
  }
}

/** Runs compileFiles() on a thread of its own; settles when the thread is done. */
function compileOnThread(work) {
  return new Promise((resolve, reject) => {
    const thread = new Worker(__filename, { workerData: work });
    thread.once('error', reject);
    thread.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the thread exited with ${code}`))));
  });
}

/** The thread's work: each file through jest's ScriptTransformer, which writes the result to the transform cache. */
async function compileFiles({ config, options, files }) {
  const { createScriptTransformer } = require('@jest/transform');
  const transformer = await createScriptTransformer(config);
  for (const file of files) {
    // A file that fails to compile is left to the worker that needs it, which reports the error in its test.
    try {
      transformer.transform(file, options);
    } catch {
      // (see above)
    }
  }
}

// A thread started by compileOnThread(). Should its work fail, the rejection ends the thread with an 'error' event.
if (!isMainThread && workerData?.files) void compileFiles(workerData);

module.exports = { plan, compileAhead };
