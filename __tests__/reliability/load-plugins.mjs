// Loads the plugins of a namespace in a real Node process, through the built
// library (dist/), and prints what happened as JSON on stdout. Jest's sandbox
// cannot import() ES modules, so the ESM, top-level-await and cross-process
// cases run through this script. Argument: a JSON object
//   { root, group, mode: 'sync' | 'create', managers?: number, loadTimeout?: number,
//     cache?: boolean, cacheDir?: string, clockAheadMs?: number (the registry's clock runs that far ahead),
//     invokeOnLoad?: boolean, trust?: TrustPolicy,
//     callback?: boolean | 'first' (false: no onLoadFailureCallback, so failures become warnings;
//     'first': only the first manager has one) }
// or an array of them: each is loaded in turn, with a registry and managers of its own, and the output is the
// array of their results (`loads` counts the evaluations in the whole process so far).
import { ExtensionManager, Registry } from '../../dist/index.mjs';

const argument = JSON.parse(process.argv[2]);
let warnings = [];
process.on('warning', (warning) => warnings.push({ code: warning.code ?? warning.name, message: warning.message }));

// What the callback received: its message, its code and what kind of value it was (plugins throw anything).
function describe(error) {
  let kind;
  try {
    kind = error === null ? 'null' : typeof error === 'object' ? Object.prototype.toString.call(error) : typeof error;
  } catch {
    kind = 'unknown';
  }
  try {
    if (error instanceof Error) return { message: error.message, code: error.code ?? null, kind };
    return { message: String(error), code: null, kind };
  } catch {
    return { message: '<cannot be read>', code: null, kind };
  }
}

async function load(options) {
  const registry = new Registry({
    root: options.root,
    cache: options.cache ?? false,
    cacheDir: options.cacheDir,
    clock: options.clockAheadMs ? () => Date.now() + options.clockAheadMs : undefined,
  });

  async function build(_, index) {
    const failures = [];
    const withCallback = options.callback === 'first' ? index === 0 : options.callback !== false;
    const managerOptions = {
      registry,
      invokeOnLoad: options.invokeOnLoad ?? false,
      loadTimeout: options.loadTimeout,
      trust: options.trust,
      onLoadFailureCallback: !withCallback
        ? undefined
        : (_manager, entryPoint, error) => failures.push({ name: entryPoint.name, ...describe(error) }),
    };
    const manager =
      options.mode === 'create'
        ? await ExtensionManager.create(options.group, managerOptions)
        : new ExtensionManager(options.group, managerOptions);
    return { loaded: manager.names(), failures };
  }

  const managers = await Promise.all(Array.from({ length: options.managers ?? 1 }, build));
  // Warnings are emitted on the next tick: all of this run's are in before the next run starts.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const entryPoints = registry.entryPoints(options.group).map((entryPoint) => entryPoint.toString());
  const result = { managers, warnings, entryPoints, loads: { ...globalThis.__fixtureLoads } };
  warnings = [];
  return result;
}

const results = [];
for (const options of Array.isArray(argument) ? argument : [argument]) results.push(await load(options));
process.stdout.write(JSON.stringify(Array.isArray(argument) ? results : results[0]));
