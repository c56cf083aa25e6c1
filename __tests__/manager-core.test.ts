/**
 * The manager core as users meet it: subclassing a manager, tapping the
 * registry's hooks, bundling, mapping, and what gets reported (once, to
 * whom, on how many lines). Each case is a small program over a real
 * package tree on disk.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EntryPoint } from '../lib';
import {
  DriverManager,
  Extension,
  ExtensionManager,
  NamedExtensionManager,
  Registry,
  registerBundled,
  trustPolicy,
} from '../lib';
import { REPORTED_LIMIT, reportOnce, reportedCount } from '../lib/diagnostics';
import { createPackageTree } from '../lib/testing';
import { DIST_MJS_URL, DIST_TESTING_MJS_URL } from './support/dist';
import { runModuleScript, runNode } from './support/processes';
import type { FixturePackage, PackageTree } from '../lib/testing';
import { recordWarnings } from './support/warnings';

const GROUP = 'core.plugins';
const trees: PackageTree[] = [];
afterAll(() => trees.forEach((t) => t.cleanup()));
afterEach(() => jest.restoreAllMocks());

/** A plugin package whose module counts, in `globalThis.__loads`, how often it was required and invoked. */
function counted(name: string, group = GROUP): FixturePackage {
  return {
    name,
    entryPoints: { [group]: { [name]: './index.js' } },
    files: {
      'index.js': `const counts = (globalThis.__loads ??= {});
counts[${JSON.stringify(`${name} required`)}] = (counts[${JSON.stringify(`${name} required`)}] ?? 0) + 1;
module.exports = function ${name.replace(/\W/g, '_')}(...args) {
  counts[${JSON.stringify(`${name} invoked`)}] = (counts[${JSON.stringify(`${name} invoked`)}] ?? 0) + 1;
  return { name: ${JSON.stringify(name)}, args };
};
`,
    },
  };
}

function tree(packages: FixturePackage[], app: FixturePackage = { name: 'app' }): PackageTree {
  const t = createPackageTree({ app, packages });
  trees.push(t);
  return t;
}

function loads(): Record<string, number> {
  return ((globalThis as Record<string, unknown>).__loads ??= {}) as Record<string, number>;
}
beforeEach(() => {
  (globalThis as Record<string, unknown>).__loads = {};
});

describe('one loading loop for new and create()', () => {
  test('a subclass that builds a helper manager before super() gets both loaded once, with create() too', async () => {
    const t = tree([counted('outer-plugin'), counted('helper-plugin', 'core.helpers')]);
    const helpers: ExtensionManager[] = [];
    class WithHelper extends ExtensionManager {
      constructor(namespace: string, options: { invokeOnLoad?: boolean } = {}) {
        const helper = new ExtensionManager('core.helpers', { registry: t.registry });
        helpers.push(helper);
        super(namespace, { ...options, registry: t.registry });
      }
    }
    const manager = await WithHelper.create(GROUP, { invokeOnLoad: true });
    expect(helpers[0].names()).toEqual(['helper-plugin']);
    expect(manager.names()).toEqual(['outer-plugin']);
    expect(loads()).toEqual({ 'helper-plugin required': 1, 'outer-plugin required': 1, 'outer-plugin invoked': 1 });
    // And the constructor gives the same.
    const built = new WithHelper(GROUP, { invokeOnLoad: true });
    expect([helpers[1].names(), built.names()]).toEqual([['helper-plugin'], ['outer-plugin']]);
    expect(loads()['outer-plugin invoked']).toBe(2);
  });

  test("the same hooks run in both, stevedore's way: _loadOnePlugin and _initPlugins overrides", async () => {
    const t = tree([counted('a-plugin'), counted('b-plugin')]);
    type Calls = { hook: string; names: string[] }[];
    class Audited extends ExtensionManager {
      declare calls: Calls;
      constructor(namespace: string, calls: Calls) {
        super(namespace, { registry: t.registry, invokeOnLoad: true, invokeArgs: ['conf'] }, { calls });
      }
      protected override _wants(entryPoint: EntryPoint): boolean {
        this.calls.push({ hook: '_wants', names: [entryPoint.name] });
        return entryPoint.name !== 'b-plugin';
      }
      protected override _loadOnePlugin(
        entryPoint: EntryPoint,
        invokeOnLoad: boolean,
        invokeArgs: readonly unknown[],
        invokeKwds: Readonly<Record<string, unknown>>,
      ): Extension | null {
        this.calls.push({ hook: '_loadOnePlugin', names: [entryPoint.name] });
        // As stevedore users do: add an argument of their own.
        return super._loadOnePlugin(entryPoint, invokeOnLoad, [...invokeArgs, 'extra'], invokeKwds);
      }
      protected override _initPlugins(extensions: Extension[]): void {
        this.calls.push({ hook: '_initPlugins', names: extensions.map((extension) => extension.name) });
        super._initPlugins(extensions);
      }
    }
    const syncCalls: Calls = [];
    const sync = new Audited(GROUP, syncCalls);
    const asyncCalls: Calls = [];
    const created = await Audited.create(GROUP, asyncCalls);
    const expected = [
      { hook: '_wants', names: ['a-plugin'] },
      { hook: '_wants', names: ['b-plugin'] },
      { hook: '_loadOnePlugin', names: ['a-plugin'] },
      { hook: '_initPlugins', names: ['a-plugin'] },
    ];
    expect(syncCalls).toEqual(expected);
    expect(asyncCalls).toEqual(expected);
    // The override's own arguments reach the plugin in both.
    expect(sync.get('a-plugin').obj).toEqual({ name: 'a-plugin', args: ['conf', 'extra'] });
    expect(created.get('a-plugin').obj).toEqual({ name: 'a-plugin', args: ['conf', 'extra'] });
    expect(loads()['b-plugin required']).toBeUndefined();
  });

  test('class fields of a subclass are set after super() returns: what a hook stored in one is lost', async () => {
    const t = tree([counted('a-plugin'), counted('b-plugin')]);
    // What JavaScript does: the base constructor (which loads) runs first, then the
    // subclass's field initialisers, which overwrite anything the hooks stored.
    class WithField extends ExtensionManager {
      seen: string[] = [];
      constructor(namespace: string) {
        super(namespace, { registry: t.registry });
      }
      protected override _initPlugins(extensions: Extension[]): void {
        super._initPlugins(extensions);
        this.seen = extensions.map((extension) => extension.name);
      }
    }
    expect(new WithField(GROUP).seen).toEqual([]);
    // create() runs the loop once the constructor, field initialisers included, has returned: the field keeps it.
    expect((await WithField.create(GROUP)).seen).toEqual(['a-plugin', 'b-plugin']);

    (globalThis as Record<string, unknown>).__loads = {};
    // The supported way: the settings go up as super()'s third argument (stored before
    // anything loads) and the field is `declare`d, so that no initialiser resets it.
    class WithSettings extends ExtensionManager {
      declare seen: string[];
      declare prefix: string;
      constructor(namespace: string, prefix: string) {
        super(namespace, { registry: t.registry }, { prefix, seen: [] });
      }
      protected override _wants(entryPoint: EntryPoint): boolean {
        return entryPoint.name.startsWith(this.prefix);
      }
      protected override _initPlugins(extensions: Extension[]): void {
        super._initPlugins(extensions);
        this.seen.push(...extensions.map((extension) => extension.name));
      }
    }
    const manager = new WithSettings(GROUP, 'b-');
    expect([manager.seen, manager.names()]).toEqual([['b-plugin'], ['b-plugin']]);
    expect(loads()['a-plugin required']).toBeUndefined();
  });

  test("a subclass of a named manager passes its own settings the same way, after the base's arguments", () => {
    const t = tree([counted('a-plugin'), counted('b-plugin')]);
    class Labelled extends NamedExtensionManager {
      declare label: string;
      constructor(names: string[], label: string) {
        super(GROUP, names, { registry: t.registry }, { label });
      }
      protected override _initPlugins(extensions: Extension[]): void {
        super._initPlugins(extensions.map((extension) => new Extension(`${this.label}${extension.name}`, null, 1)));
      }
    }
    expect(new Labelled(['b-plugin'], 'x:').names()).toEqual(['x:b-plugin']);
  });
});

test("docs/tutorial.md's VendorManager: a vendor's plugins only, each invoked once with the vendor as a last argument", async () => {
  const t = tree([counted('@acme/fmt'), counted('@other/fmt')]);
  type Made = { name: string; args: unknown[] };
  class VendorManager extends ExtensionManager<Made> {
    declare vendor: string;
    constructor(namespace: string, vendor: string, conf: object) {
      super(namespace, { invokeOnLoad: true, invokeArgs: [conf, vendor], registry: t.registry }, { vendor });
    }
    protected override _wants(entryPoint: EntryPoint): boolean {
      return entryPoint.dist?.name.startsWith(`@${this.vendor}/`) ?? false;
    }
  }
  const built = new VendorManager(GROUP, 'acme', { c: 1 });
  expect(loads()['@acme/fmt invoked']).toBe(1);
  const created = await VendorManager.create(GROUP, 'acme', { c: 1 });
  expect(loads()['@acme/fmt invoked']).toBe(2);
  for (const manager of [built, created]) {
    expect(manager.map((extension) => extension.obj)).toEqual([{ name: '@acme/fmt', args: [{ c: 1 }, 'acme'] }]);
  }
  expect(loads()['@other/fmt required']).toBeUndefined();
});

test('a _loadOnePlugin override that changes the invoke arguments: create() invokes again with them (docs/tutorial.md)', async () => {
  const t = tree([counted('a-plugin')]);
  class ExtraArgument extends ExtensionManager {
    protected override _loadOnePlugin(
      entryPoint: EntryPoint,
      invokeOnLoad: boolean,
      invokeArgs: readonly unknown[],
      invokeKwds: Readonly<Record<string, unknown>>,
    ): Extension | null {
      return super._loadOnePlugin(entryPoint, invokeOnLoad, [...invokeArgs, 'extra'], invokeKwds);
    }
  }
  const options = { registry: t.registry, invokeOnLoad: true, invokeArgs: ['conf'] };
  expect(new ExtraArgument(GROUP, options).get('a-plugin').obj).toEqual({ name: 'a-plugin', args: ['conf', 'extra'] });
  expect(loads()['a-plugin invoked']).toBe(1);
  // Before the loop with the manager's arguments (so that a promise could be awaited), then with the override's.
  expect((await ExtraArgument.create(GROUP, options)).get('a-plugin').obj).toEqual({
    name: 'a-plugin',
    args: ['conf', 'extra'],
  });
  expect(loads()['a-plugin invoked']).toBe(3);
});

describe('hooks and callbacks that throw', () => {
  test('a throwing afterLoad handler: the extension is not kept, reported once with its own code', () => {
    const t = tree([counted('a-plugin'), counted('b-plugin')]);
    t.registry.hooks.afterLoad.tap('test', (extension) => {
      if (extension.name === 'a-plugin') throw new Error('audit log is full');
    });
    const failures: string[] = [];
    const { warnings, restore } = recordWarnings(['code', 'message']);
    try {
      for (let i = 0; i < 2; i += 1) {
        const manager = new ExtensionManager(GROUP, {
          registry: t.registry,
          onLoadFailureCallback: (_m, entryPoint) => failures.push(entryPoint.name),
        });
        expect(manager.names()).toEqual(['b-plugin']);
      }
    } finally {
      restore();
    }
    expect(failures).toEqual([]);
    expect(warnings).toEqual([
      {
        code: 'STEVEDORE_HOOK_FAILED',
        message: expect.stringMatching(
          /^a registry\.hooks\.afterLoad handler threw for 'a-plugin' \(core\.plugins: \.\/index\.js\) from a-plugin \(.*\): audit log is full; the extension is not kept$/,
        ),
      },
    ]);
  });

  test('a throwing loadFailure handler or onLoadFailureCallback is reported and never aborts', async () => {
    const t = tree([counted('good'), { name: 'broken', entryPoints: { [GROUP]: { broken: './gone.js' } } }]);
    t.registry.hooks.loadFailure.tap('test', () => {
      throw new Error('pager is down');
    });
    const { warnings, restore } = recordWarnings(['code', 'message']);
    try {
      const options = {
        registry: t.registry,
        onLoadFailureCallback: () => {
          throw new Error('callback bug');
        },
      };
      expect(new ExtensionManager(GROUP, options).names()).toEqual(['good']);
      expect((await ExtensionManager.create(GROUP, options)).names()).toEqual(['good']);
      expect(
        new NamedExtensionManager(GROUP, ['good', 'broken', 'absent'], {
          registry: t.registry,
          onLoadFailureCallback: null,
          onMissingEntrypointsCallback: () => {
            throw new Error('missing-callback bug');
          },
        }).names(),
      ).toEqual(['good']);
    } finally {
      restore();
    }
    expect(warnings.map((warning) => warning.code)).toEqual([
      'STEVEDORE_HOOK_FAILED',
      'STEVEDORE_CALLBACK_FAILED',
      'STEVEDORE_LOAD_FAILED',
      'STEVEDORE_CALLBACK_FAILED',
    ]);
    expect(warnings[0].message).toMatch(
      /^a registry\.hooks\.loadFailure handler threw for 'broken' .*: pager is down; loading goes on$/,
    );
    expect(warnings[1].message).toMatch(
      /^onLoadFailureCallback threw while handling the failure to load 'broken' .*: callback bug \(the failure: Cannot find module '\.\/gone\.js'.*\)$/,
    );
    expect(warnings[3].message).toBe(
      `onMissingEntrypointsCallback threw for broken, absent (namespace ${GROUP}): missing-callback bug`,
    );
  });

  test("a throwing trust policy's onRefused callback: reported once, the entry point still refused", () => {
    const t = tree([counted('stray')]);
    const trust = {
      packages: [],
      onRefused: () => {
        throw new Error('log sink closed');
      },
    };
    const { warnings, restore } = recordWarnings(['code', 'message']);
    try {
      expect(new ExtensionManager(GROUP, { registry: t.registry, trust }).names()).toEqual([]);
      expect(new ExtensionManager(GROUP, { registry: t.registry, trust }).names()).toEqual([]);
    } finally {
      restore();
    }
    expect(warnings).toEqual([
      {
        code: 'STEVEDORE_CALLBACK_FAILED',
        message: expect.stringMatching(/^the trust policy's onRefused callback threw for 'stray' .*: log sink closed$/),
      },
    ]);
    expect(loads()['stray required']).toBeUndefined();
  });

  test("DriverManager still throws its driver's load error by default (stevedore's _default_on_load_failure)", () => {
    const t = tree([{ name: 'broken', entryPoints: { [GROUP]: { broken: './gone.js' } } }]);
    expect(() => new DriverManager(GROUP, 'broken', { registry: t.registry })).toThrow(
      expect.objectContaining({ code: 'MODULE_NOT_FOUND' }),
    );
  });
});

describe('reports', () => {
  test('errors inside map() are reported every time, as stevedore logs each', () => {
    const t = tree([counted('a-plugin')]);
    const manager = new ExtensionManager(GROUP, { registry: t.registry });
    const { warnings, restore } = recordWarnings(['code', 'message']);
    try {
      for (let i = 0; i < 500; i += 1) {
        manager.map(() => {
          throw new Error(`call ${i % 2}`);
        });
      }
    } finally {
      restore();
    }
    expect(warnings).toHaveLength(500);
    expect(warnings[499]).toEqual({ code: 'STEVEDORE_MAP_ERROR', message: "error calling 'a-plugin': call 1" });
  });

  test('a load failure is reported once per entry point whatever its message, on one line', () => {
    // A real process, printing warnings as Node does: what a user sees on stderr.
    const run = runNode([
      '--input-type=module',
      '-e',
      `import { ExtensionManager, Registry } from ${JSON.stringify(DIST_MJS_URL)};
       import { createPackageTree } from ${JSON.stringify(DIST_TESTING_MJS_URL)};
       const tree = createPackageTree({ packages: [
         { name: 'flaky', entryPoints: { g: { flaky: './index.js' } },
           files: { 'index.js': "throw new Error('attempt ' + Math.random() + '\\\\nsecond line');" } },
         { name: 'missing', entryPoints: { g: { missing: './gone.js' } } },
       ] });
       // Fresh registries: the module is required anew each time, and fails with a new message.
       for (let i = 0; i < 3; i += 1) new ExtensionManager('g', { registry: new Registry({ root: tree.root, cache: false }) });
       await new Promise((resolve) => setImmediate(resolve));
       tree.cleanup();`,
    ]);
    expect(run.status).toBe(0);
    // Node adds its "(Use `node --trace-warnings ...`)" hint once; each warning is one line.
    const lines = run.stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('(Use `node --trace-warnings'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\(node:\d+\) \[STEVEDORE_LOAD_FAILED\] StevedoreWarning: Could not load 'flaky' .*: attempt 0\.\d+$/,
    );
    // Node's MODULE_NOT_FOUND message goes on with a "Require stack" naming our own files: not in the warning.
    expect(lines[1]).toMatch(/StevedoreWarning: Could not load 'missing' .*: Cannot find module '.*gone\.js'$/);
  });

  test('the record is bounded, and refresh() forgets what that registry reported', () => {
    const { warnings, restore } = recordWarnings(['code', 'message']);
    try {
      for (let i = 0; i < REPORTED_LIMIT + 500; i += 1) reportOnce('STEVEDORE_LOAD_FAILED', `subject ${i}`, `m ${i}`);
      expect(reportedCount()).toBe(REPORTED_LIMIT);
      // The oldest were forgotten: reported again; the newest were not.
      expect(reportOnce('STEVEDORE_LOAD_FAILED', 'subject 0', 'again')).toBe(true);
      expect(reportOnce('STEVEDORE_LOAD_FAILED', `subject ${REPORTED_LIMIT + 499}`, 'again')).toBe(false);

      const t = tree([{ name: 'missing', entryPoints: { [GROUP]: { missing: './gone.js' } } }]);
      warnings.length = 0;
      new ExtensionManager(GROUP, { registry: t.registry });
      new ExtensionManager(GROUP, { registry: t.registry });
      expect(warnings.map((warning) => warning.code)).toEqual(['STEVEDORE_LOAD_FAILED']);
      t.registry.refresh();
      new ExtensionManager(GROUP, { registry: t.registry });
      expect(warnings.map((warning) => warning.code)).toEqual(['STEVEDORE_LOAD_FAILED', 'STEVEDORE_LOAD_FAILED']);
    } finally {
      restore();
    }
  });

  test("a declaration problem is reported when its group is asked for; a broken file's whenever any group is", () => {
    const t = tree([
      counted('app-plugin', 'app.ns'),
      { name: 'third-party', entryPoints: { 'other.ns': { bad: '../outside.js' }, 'app.ns': { fine: './f.js' } } },
    ]);
    const brokenFile = path.join(t.root, 'node_modules', 'broken-json', 'package.json');
    mkdirSync(path.dirname(brokenFile), { recursive: true });
    writeFileSync(brokenFile, '{ "name": "broken-json", "entryPoints": { ');
    const { warnings, restore } = recordWarnings(['code', 'message']);
    try {
      new ExtensionManager('app.ns', { registry: t.registry, onLoadFailureCallback: null });
      const codes = warnings.map((warning) => warning.code);
      // The unparsable file could have declared app.ns entry points: reported. other.ns is not our concern.
      expect(codes.filter((code) => code !== 'STEVEDORE_LOAD_FAILED')).toEqual(['STEVEDORE_UNREADABLE_PACKAGE']);
      expect(warnings.some((warning) => warning.message.includes('other.ns'))).toBe(false);
      new ExtensionManager('other.ns', { registry: t.registry });
      expect(warnings.at(-1)).toEqual({
        code: 'STEVEDORE_INVALID_DECLARATION',
        message: expect.stringContaining('entry point "bad" in group "other.ns" skipped'),
      });
    } finally {
      restore();
    }
    // The problems are all there for tools (stevedore doctor), with their group.
    expect(
      t.registry
        .scan()
        .problems.map((problem) => [problem.code, problem.group])
        .sort(),
    ).toEqual([
      ['STEVEDORE_INVALID_DECLARATION', 'other.ns'],
      ['STEVEDORE_UNREADABLE_PACKAGE', null],
    ]);
  });
});

describe('origins and trust', () => {
  const bundled = (name: string) => ({
    group: GROUP,
    name: name.replace(/^@\w+\//, ''),
    value: './index.js',
    dist: { name, version: '1.0.0' },
    installedAs: name,
    module: () => `${name} made`,
  });

  test('an entry point knows where it comes from', () => {
    const t = tree([counted('on-disk')]);
    const registry = new Registry({ root: t.root, cache: false });
    registry.register(GROUP, 'in-process', () => 'x');
    registerBundled(registry, [bundled('@acme/fmt')]);
    expect(registry.entryPoints(GROUP).map((entryPoint) => [entryPoint.name, entryPoint.origin])).toEqual([
      ['on-disk', 'discovered'],
      ['in-process', 'registered'],
      ['fmt', 'bundled'],
    ]);
    expect(registry.recordOf(registry.entryPoints(GROUP)[0])?.installedAs).toBe('on-disk');
    expect(registry.recordOf(registry.entryPoints(GROUP)[2])).toBeUndefined();
  });

  test('bundled plugins are judged by the package name recorded at build time, on both trust paths', () => {
    const registry = new Registry({ paths: [], root: path.dirname(__dirname), cache: false });
    registerBundled(registry, [bundled('@acme/fmt'), bundled('stray-fmt')]);
    const { warnings, restore } = recordWarnings(['code', 'message']);
    try {
      const byOption = new ExtensionManager(GROUP, { registry, trust: { packages: ['@acme/*'] }, invokeOnLoad: true });
      expect(byOption.map((extension) => extension.obj)).toEqual(['@acme/fmt made']);
      trustPolicy(registry, { packages: ['@acme/*'] }, { namespaces: [GROUP] });
      expect(new ExtensionManager(GROUP, { registry }).names()).toEqual(['fmt']);
    } finally {
      restore();
    }
    // One refusal, one warning, whichever path refused it.
    expect(warnings).toEqual([
      {
        code: 'STEVEDORE_UNTRUSTED',
        message:
          "Refused to load 'stray-fmt' (core.plugins: ./index.js) from stray-fmt (bundled): " +
          'the package "stray-fmt" is not in the trusted packages (@acme/*)',
      },
    ]);
  });
});

describe('format lookup', () => {
  test("an unreadable or invalid nearest package.json fails the plugin's load, as in Node, instead of guessing", () => {
    const out = runModuleScript<string[]>(`
      import { chmodSync } from 'node:fs';
      import { ExtensionManager } from $STEVEDORE;
      import { createPackageTree } from $TESTING;
      const tree = createPackageTree({ packages: [
        { name: 'odd-format', manifest: { type: 'module' }, entryPoints: { g: { odd: './lib/plugin.js' } },
          files: { 'lib/plugin.js': 'export default 1;', 'lib/package.json': '{ "type": ' } },
        { name: 'locked-format', entryPoints: { g: { locked: './lib/plugin.js' } },
          files: { 'lib/plugin.js': 'module.exports = 1;', 'lib/package.json': '{}' } },
      ] });
      chmodSync(tree.root + '/node_modules/locked-format/lib/package.json', 0);
      const failures = [];
      const options = { registry: tree.registry,
        onLoadFailureCallback: (m, entryPoint, error) => failures.push(entryPoint.name + ' ' + error.code + ': ' + error.message.split(String.fromCharCode(10))[0].replaceAll(tree.root, '<app>')) };
      await ExtensionManager.create('g', options);
      new ExtensionManager('g', options);
      tree.cleanup();
      console.log(JSON.stringify(failures));
    `);
    const odd = '<app>/node_modules/odd-format/lib';
    expect(out[0]).toBe(
      `odd STEVEDORE_INVALID_PACKAGE_CONFIG: cannot tell the module format of ${odd}/plugin.js: ` +
        `${odd}/package.json is not valid JSON: ${jsonError('{ "type": ')} (Node refuses it too: ERR_INVALID_PACKAGE_CONFIG)`,
    );
    if (process.getuid?.() !== 0) {
      expect(out[1]).toMatch(
        /^locked STEVEDORE_INVALID_PACKAGE_CONFIG: cannot tell the module format of .*: cannot read /,
      );
    }
    // The constructor's require() meets Node's own check (which, in Node 20, gives it no code).
    expect(out).toContain(`odd undefined: Error parsing ${odd}/package.json: ${jsonError('{ "type": ')}`);
  });
});

describe('the CLI gets what it shows by index', () => {
  test('shadowed copies are read once per scan, and records are found by entry point', () => {
    const t = tree([counted('dup')]);
    t.install(
      { name: 'dup', version: '0.9.0', entryPoints: { [GROUP]: { old: './x.js' } } },
      path.join(t.dir, 'node_modules'),
    );
    const registry = new Registry({ root: t.root, cache: false });
    const first = registry.shadowedEntryPoints(GROUP);
    expect(
      first.map(({ entryPoint, installedAs }) => [entryPoint.name, entryPoint.dist?.version, installedAs]),
    ).toEqual([['old', '0.9.0', 'dup']]);
    expect(first[0].shadowedBy?.version).toBe('1.0.0');
    expect(registry.shadowedEntryPoints(GROUP)).toBe(first);
    const [entryPoint] = registry.entryPoints(GROUP);
    expect(registry.recordOf(entryPoint)).toBe(registry.scan().packages.find((pkg) => pkg.installedAs === 'dup'));
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}
