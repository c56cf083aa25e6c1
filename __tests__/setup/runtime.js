// Jest's module runtime, with each module compiled as a vm.Script rather than by vm.compileFunction. Every test
// file runs in a fresh context and loads its modules again: lib/, the test support, jest's own test framework
// (jest-circus, expect). V8 keeps a script's compiled code for the whole process and hands it to the next context
// that compiles the same source, so a worker compiles each module once; compileFunction has no such cache, and
// compiled everything anew for every test file, the functions that run included (a clean clone's `npm test`: about
// 6 CPU-seconds less, of the workers' 40). It is how jest compiled modules before version 26.
'use strict';
const vm = require('node:vm');
const Runtime = require('jest-runtime').default;

class ScriptCompilingRuntime extends Runtime {
  constructor(...args) {
    super(...args);
    // jest-runtime 30's module executor. Another jest keeps compiling its own way.
    const executor = this.executor;
    if (typeof executor?.compile !== 'function') return;
    const compileFunction = executor.compile.bind(executor);
    executor.compile = (source, filename) =>
      compileScript(executor, source, filename) ?? compileFunction(source, filename);
  }
}

/**
 * `source`, a CommonJS module's code, as the function jest calls with the module's parameters, compiled in the
 * test file's context; undefined when it does not compile (jest's own compile then reports why, as it always has).
 */
function compileScript(executor, source, filename) {
  const context = executor.environment.getVmContext();
  if (context == null) return undefined;
  const scriptFilename = executor.resolution.isCoreModule(filename) ? `jest-nodejs-core-${filename}` : filename;
  // On the module's first line, with the columns of that line moved back by its length: stack traces and source
  // maps see the lines and columns of the module's own code, as with compileFunction.
  const wrapper = `(function (${executor.injectedModuleParameters.join(', ')}) {`;
  try {
    const script = new vm.Script(`${wrapper}${source}\n})`, {
      filename: scriptFilename,
      columnOffset: -wrapper.length,
      // Node calls it only under --experimental-vm-modules (without, import() fails before: as with jest's own).
      importModuleDynamically: (specifier, _script, importAttributes, phase) =>
        executor.dynamicImport(specifier, scriptFilename, context, importAttributes, phase),
    });
    return script.runInContext(context);
  } catch {
    return undefined;
  }
}

module.exports = ScriptCompilingRuntime;
