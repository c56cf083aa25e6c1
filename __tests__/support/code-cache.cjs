'use strict';
/**
 * Preloaded (`node -r`) into the package managers when the tests run them
 * (npm, pnpm, Yarn): keeps V8's compiled code of the CommonJS modules they
 * load in STEVEDORE_CODE_CACHE, so that the next run does not parse and
 * compile the same megabytes again (about half the CPU of a small pnpm or
 * Yarn install, a quarter of npm's; Node 22's NODE_COMPILE_CACHE does the
 * same, Node 20 has no such option). The package manager runs unchanged: only
 * where its compiled code comes from differs. An entry is named by the
 * module's path and text, and V8 refuses one made by another Node version
 * (the module is then compiled as usual and its entry written again).
 *
 * A module that calls import() is compiled as usual: on Node 20 a script
 * compiled from cached data cannot import() (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
 * `import(` right after `{` or `<` is a JSDoc type (`@type {import('./x')}`),
 * not a call.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');
const { threadId } = require('node:worker_threads');

const dir = process.env.STEVEDORE_CODE_CACHE;
const IMPORT_CALL = /(?<![\w$.{<])import\s*\(/;
/** Scripts compiled without a usable entry: their code is saved when the process ends (with what ran by then). */
const unsaved = [];

function entryFile(filename, content) {
  return path.join(dir, crypto.createHash('sha256').update(filename).update('\0').update(content).digest('hex'));
}

function readEntry(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function removeQuietly(file) {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Left for whoever clears node_modules/.cache.
  }
}

if (dir) {
  const compileAsUsual = Module.prototype._compile;
  Module.prototype._compile = function compile(content, filename) {
    if (IMPORT_CALL.test(content)) return compileAsUsual.call(this, content, filename);
    const file = entryFile(filename, content);
    const cachedData = readEntry(file);
    // A '#!' line is allowed only at the very start of a script, which the wrapper is not.
    const source = content.startsWith('#!') ? `//${content}` : content;
    const script = new vm.Script(Module.wrap(source), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) unsaved.push([script, file]);
    // The `require` Node gives a module (what makeRequireFunction builds inside Node).
    const require = (id) => this.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, this, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, this);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
  };

  process.once('exit', () => {
    for (const [script, file] of unsaved) {
      // Written under another name, then renamed: processes (and pnpm's worker threads) running at the same time
      // never read half an entry.
      const partial = `${file}.${process.pid}-${threadId}`;
      try {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(partial, script.createCachedData());
        fs.renameSync(partial, file);
      } catch {
        // A cache that cannot be written only costs the next run its compile time; never the process its exit code.
        removeQuietly(partial);
      }
    }
  });
}
