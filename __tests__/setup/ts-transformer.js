// ts-jest, with a cache key that needs no TypeScript. Jest asks the transformer for a file's key before it looks
// in its transform cache, and ts-jest makes the key from its parsed tsconfig.json: each worker loaded and started
// TypeScript (9 MB of JavaScript, about half a CPU-second) only for that, although the global setup has compiled
// every file ahead. This key is made of what ts-jest's depends on: its options, tsconfig.json as written, the
// versions of ts-jest and TypeScript, jest's config, the file's path and content. ts-jest itself is loaded for the
// first file that is not in the cache.
'use strict';
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const path = require('node:path');

const VERSIONS = ['ts-jest', 'typescript'].map((name) => `${name}@${require(`${name}/package.json`).version}`);

/** The transformer for jest's `transform` option; `options` are ts-jest's. */
function createTransformer(options = {}) {
  let tsJest = null;
  const compiler = () => (tsJest ??= require('ts-jest').default.createTransformer(options));
  // Jest makes a transformer for each project, so one tsconfig.json: read at the first key.
  let tsconfig = null;
  const tsconfigOf = (rootDir) =>
    (tsconfig ??= readFileSync(path.resolve(rootDir, options.tsconfig ?? 'tsconfig.json'), 'utf8'));

  function getCacheKey(sourceText, sourcePath, transformOptions) {
    const { config, configString, instrument = false, supportsStaticESM = false } = transformOptions;
    const hash = createHash('sha1');
    for (const part of [
      ...VERSIONS,
      JSON.stringify(options),
      tsconfigOf(config.rootDir),
      configString,
      `instrument:${instrument}`,
      `supportsStaticESM:${supportsStaticESM}`,
      sourcePath,
      sourceText,
    ]) {
      hash.update(part).update('\0');
    }
    return hash.digest('hex');
  }

  return {
    getCacheKey,
    getCacheKeyAsync: async (...args) => getCacheKey(...args),
    process: (...args) => compiler().process(...args),
    processAsync: (...args) => compiler().processAsync(...args),
  };
}

module.exports = { createTransformer };
