/**
 * Small programs as stevedore users write them, each over a real package tree
 * on disk: what they hit, and what they are told.
 */
import type { EntryPoint } from '../lib';
import { DriverManager, Extension, ExtensionManager, NamedExtensionManager } from '../lib';
import { createPackageTree } from '../lib/testing';
import type { FixturePackage, PackageTree } from '../lib/testing';
import { runModuleScript } from './support/processes';
import { recordWarnings } from './support/warnings';

const GROUP = 'user.plugins';
const trees: PackageTree[] = [];
afterAll(() => trees.forEach((t) => t.cleanup()));
afterEach(() => jest.restoreAllMocks());

function tree(packages: FixturePackage[]): PackageTree {
  const t = createPackageTree({ packages });
  trees.push(t);
  return t;
}

/** A plugin package exporting a class that records its arguments. */
function plugin(name: string, manifest: Record<string, unknown> = {}): FixturePackage {
  return {
    name,
    manifest,
    entryPoints: { [GROUP]: { [name]: './index.js:Plugin' } },
    files: { 'index.js': 'exports.Plugin = class Plugin { constructor(...args) { this.args = args; } };' },
  };
}

/** A plugin built for host 2, in a tree where host 3 is installed: refused (and reported) under checkPeers. */
function incompatibleTree(): PackageTree {
  return tree([{ name: 'host', version: '3.0.0' }, plugin('for-host-2', { peerDependencies: { host: '^2.0.0' } })]);
}

/** The names of the entry points the registry's managers consider loading (its beforeLoad hook sees them). */
function consideredBy(t: PackageTree): string[] {
  const considered: string[] = [];
  t.registry.hooks.beforeLoad.tap('spy', (entryPoint: EntryPoint) => {
    considered.push(entryPoint.name);
  });
  return considered;
}

describe("a subclass that overrides _loadPlugins decides what is looked at (stevedore's TestExtensionManager)", () => {
  // stevedore/tests/manager.py: the deprecated TestExtensionManager loads nothing and sets its extensions.
  class TestExtensionManager extends ExtensionManager {
    constructor(
      extensions: Extension[],
      namespace: string,
      options: ConstructorParameters<typeof ExtensionManager>[1],
    ) {
      super(namespace, options);
      this.extensions = extensions as typeof this.extensions;
    }
    protected override _loadPlugins(): Extension[] {
      return [];
    }
  }

  test('no entry point reaches a hook, a peer check or a report', () => {
    const { warnings } = recordWarnings(['code', 'message']);
    const t = incompatibleTree();
    const considered = consideredBy(t);
    const own = new Extension('mine', null, class Mine {}, null);
    const em = new TestExtensionManager([own], GROUP, { registry: t.registry, checkPeers: true });
    expect(em.names()).toEqual(['mine']);
    expect(em.get('mine')).toBe(own);
    expect(considered).toEqual([]);
    expect(warnings).toEqual([]);

    // The same tree through the base class: the entry point is considered, and refused.
    expect(new ExtensionManager(GROUP, { registry: t.registry, checkPeers: true }).names()).toEqual([]);
    expect(considered).toEqual(['for-host-2']);
    expect(warnings.map((warning) => warning.code)).toEqual(['STEVEDORE_INCOMPATIBLE']);
  });

  test("test_callback's mocked _loadPlugins: the named manager reports only the missing names", () => {
    const { warnings } = recordWarnings(['code', 'message']);
    const t = incompatibleTree();
    const considered = consideredBy(t);
    jest
      .spyOn(ExtensionManager.prototype as unknown as { _loadPlugins(): Extension[] }, '_loadPlugins')
      .mockReturnValue([new Extension('foo', null, null, null)]);
    const missing: string[][] = [];
    new NamedExtensionManager(GROUP, ['foo', 'for-host-2'], {
      registry: t.registry,
      checkPeers: true,
      onMissingEntrypointsCallback: (names) => missing.push(names),
    });
    expect(missing).toEqual([['for-host-2']]);
    expect(considered).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

describe('create() and the body of a subclass constructor', () => {
  class Indexed extends ExtensionManager {
    declare byPackage: Map<string, string>;
    constructor(namespace: string, registry: PackageTree['registry']) {
      super(namespace, { registry });
      this.byPackage = new Map(this.extensions.map((extension) => [extension.entryPoint!.dist!.name, extension.name]));
    }
  }

  test('new sees the extensions in the body; create() says where to work on them instead', async () => {
    const t = tree([plugin('alpha'), plugin('beta')]);
    expect([...new Indexed(GROUP, t.registry).byPackage]).toEqual([
      ['alpha', 'alpha'],
      ['beta', 'beta'],
    ]);
    await expect(Indexed.create(GROUP, t.registry)).rejects.toThrow(
      new TypeError(
        'Indexed.create(): the extensions are not loaded until the constructor has returned; ' +
          'work on them in _initPlugins(), which new and create() both run',
      ),
    );
  });

  test('the supported way, _initPlugins, works with both; the extensions are a plain property again', async () => {
    const t = tree([plugin('alpha'), plugin('beta')]);
    class IndexedInInit extends ExtensionManager {
      declare byPackage: Map<string, string>;
      protected override _initPlugins(extensions: Extension[]): void {
        super._initPlugins(extensions);
        this.byPackage = new Map(extensions.map((extension) => [extension.entryPoint!.dist!.name, extension.name]));
      }
    }
    const built = new IndexedInInit(GROUP, { registry: t.registry });
    const created = await IndexedInInit.create(GROUP, { registry: t.registry, invokeOnLoad: true });
    expect([...created.byPackage]).toEqual([...built.byPackage]);
    expect(created.names()).toEqual(['alpha', 'beta']);
    expect(Object.getOwnPropertyDescriptor(created, 'extensions')).toMatchObject({ writable: true, enumerable: true });
    created.extensions = created.extensions.slice(1);
    expect(created.names()).toEqual(['beta']);
  });
});

describe('a load-failure warning names the entry point once, on one line', () => {
  function failingTree(): PackageTree {
    return tree([
      {
        name: 'failing',
        entryPoints: { [GROUP]: { 'no-attr': './plain.js:Missing' } },
        files: { 'plain.js': 'exports.Present = 1;' },
      },
    ]);
  }
  const from = (t: PackageTree): string => `from failing (${t.root}/node_modules/failing/package.json)`;

  test('a missing attribute', () => {
    const { warnings } = recordWarnings(['code', 'message']);
    const t = failingTree();
    new ExtensionManager(GROUP, { registry: t.registry });
    expect(warnings).toEqual([
      {
        code: 'STEVEDORE_LOAD_FAILED',
        message: `Could not load 'no-attr' (${GROUP}: ./plain.js:Missing) ${from(t)}: module './plain.js' has no attribute 'Missing'`,
      },
    ]);
  });

  test('a throwing onLoadFailureCallback: its error, then the failure it was handling', () => {
    const { warnings } = recordWarnings(['code', 'message']);
    const t = failingTree();
    const em = new ExtensionManager(GROUP, {
      registry: t.registry,
      onLoadFailureCallback: () => {
        throw new Error('strict mode');
      },
    });
    expect(em.names()).toEqual([]);
    expect(warnings).toEqual([
      {
        code: 'STEVEDORE_CALLBACK_FAILED',
        message:
          `onLoadFailureCallback threw while handling the failure to load 'no-attr' (${GROUP}: ./plain.js:Missing) ${from(t)}: ` +
          "strict mode (the failure: module './plain.js' has no attribute 'Missing')",
      },
    ]);
  });

  test('ES modules (a real node process): top-level await under new, a timeout under create()', () => {
    const out = runModuleScript<{
      sync: string[];
      created: string[];
      errors: { code: string; message: string }[];
      events: string[];
    }>(
      `
      import { NamedExtensionManager } from $STEVEDORE;
      import { createPackageTree } from $TESTING;
      const tree = createPackageTree({ packages: [{
        name: 'failing',
        manifest: { type: 'module' },
        entryPoints: { ${JSON.stringify(GROUP)}: { tla: './tla.js:Plugin', 'never-settles': './never.js:Plugin' } },
        files: {
          'tla.js': 'await Promise.resolve();\\nexport class Plugin {}',
          'never.js': 'await new Promise(() => {});\\nexport class Plugin {}',
        },
      }] });
      const warnings = [];
      process.on('warning', (w) => warnings.push(w.code + ' ' + w.message.replaceAll(tree.root, '<root>')));
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      new NamedExtensionManager(${JSON.stringify(GROUP)}, ['tla'], { registry: tree.registry });
      await settle();
      const sync = warnings.splice(0);
      const { tracingChannel } = await import('node:diagnostics_channel');
      const events = [];
      const record = (event) => (context) => events.push(event + ' ' + context.name);
      tracingChannel('stevedore-ts:load').subscribe({
        start: record('start'), end: record('end'), asyncStart: record('asyncStart'), asyncEnd: record('asyncEnd'), error: record('error'),
      });
      await NamedExtensionManager.create(${JSON.stringify(GROUP)}, ['never-settles', 'tla'], { registry: tree.registry, loadTimeout: 200 });
      await settle();
      const created = warnings.splice(0);
      // Thrown by entryPoint.load() or handed to a callback, the error still says which entry point it is about.
      const errors = [];
      await NamedExtensionManager.create(${JSON.stringify(GROUP)}, ['never-settles'], {
        registry: tree.registry, loadTimeout: 200,
        onLoadFailureCallback: (manager, entryPoint, error) => errors.push({ code: error.code, message: error.message }),
      });
      tree.cleanup();
      console.log(JSON.stringify({ sync, created, errors, events }));
      process.exit(0);
    `,
    );
    const from = 'from failing (<root>/node_modules/failing/package.json)';
    expect(out.sync).toEqual([
      `STEVEDORE_LOAD_FAILED Could not load 'tla' (${GROUP}: ./tla.js:Plugin) ${from}: it is an ES module with ` +
        'top-level await, which cannot be loaded synchronously: build the manager with its static create() method ' +
        '(or call entryPoint.loadAsync())',
    ]);
    expect(out.created).toEqual([
      `STEVEDORE_LOAD_FAILED Could not load 'never-settles' (${GROUP}: ./never.js:Plugin) ${from}: it did not finish loading within 200 ms`,
    ]);
    // docs/observability.md: the timed-out import has no error or asyncEnd, its trace stays open.
    expect(out.events.filter((event) => event.endsWith(' never-settles'))).toEqual([
      'start never-settles',
      'end never-settles',
      'start never-settles',
      'end never-settles',
    ]);
    expect(out.events.filter((event) => event.endsWith(' tla'))).toEqual([
      'start tla',
      'end tla',
      'asyncStart tla',
      'asyncEnd tla',
    ]);
    expect(out.errors).toEqual([
      {
        code: 'STEVEDORE_LOAD_TIMEOUT',
        message: "entry point 'never-settles' (./never.js:Plugin) did not finish loading within 200 ms",
      },
    ]);
  });
});

test('a NamedExtensionManager subclass reads _missingNames in its hooks, test instances included', () => {
  const t = tree([plugin('alpha')]);
  const seen: string[][] = [];
  class Reporting extends NamedExtensionManager {
    protected override _initPlugins(extensions: Extension[]): void {
      super._initPlugins(extensions);
      seen.push([...this._missingNames]);
    }
  }
  new Reporting(GROUP, ['alpha', 'beta'], { registry: t.registry, onMissingEntrypointsCallback: null });
  // As stevedore's make_test_instance sets `_missing_names = set()`.
  Reporting.makeTestInstance([new Extension('gamma', null, null, null)]);
  expect(seen).toEqual([['beta'], []]);
});

test("strict loading, stevedore's raise-in-the-callback pattern: reported, and the documented way throws after", () => {
  const { warnings } = recordWarnings(['code', 'message']);
  const t = tree([
    plugin('alpha'),
    { name: 'broken', entryPoints: { [GROUP]: { broken: './gone.js' } }, files: { 'index.js': '' } },
  ]);
  // The stevedore pattern: the manager is built all the same, and the throw is reported.
  const lenient = new ExtensionManager(GROUP, {
    registry: t.registry,
    onLoadFailureCallback: (_manager, _entryPoint, error) => {
      throw error;
    },
  });
  expect(lenient.names()).toEqual(['alpha']);
  expect(warnings.map((warning) => warning.code)).toEqual(['STEVEDORE_CALLBACK_FAILED']);
  // docs/stevedore-names.md: collect, then throw once the manager is built.
  const failures: unknown[] = [];
  const strict = (): ExtensionManager => {
    const em = new ExtensionManager(GROUP, {
      registry: t.registry,
      onLoadFailureCallback: (_m, _ep, error) => failures.push(error),
    });
    if (failures.length) throw new AggregateError(failures, `some ${GROUP} plugins failed to load`);
    return em;
  };
  expect(strict).toThrow(AggregateError);
  expect(failures).toEqual([expect.objectContaining({ code: 'MODULE_NOT_FOUND' })]);
});

describe('new with a plugin whose invocation returns a promise that rejects', () => {
  function asyncTree(): PackageTree {
    return tree([
      {
        name: 'async-init',
        entryPoints: { [GROUP]: { bad: './index.js:bad', good: './index.js:good' } },
        files: {
          'index.js':
            "exports.bad = async () => { await null; throw new Error('async init failed'); };\n" +
            'exports.good = async () => ({ ok: true });\n',
        },
      },
    ]);
  }

  test('is reported as its load failure when it rejects, not left to end the process', async () => {
    const { warnings } = recordWarnings(['code', 'message']);
    const t = asyncTree();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const failures: [string, unknown][] = [];
      const em = new ExtensionManager(GROUP, {
        registry: t.registry,
        invokeOnLoad: true,
        onLoadFailureCallback: (_manager, entryPoint, error) => failures.push([entryPoint.name, error]),
      });
      // create() would await them; new keeps the promises, as stevedore keeps what the plugin returned.
      expect(em.names()).toEqual(['bad', 'good']);
      expect(failures).toEqual([]);
      await expect(em.get('bad').obj).rejects.toThrow('async init failed');
      await new Promise((resolve) => setImmediate(resolve));
      expect(failures).toEqual([['bad', new Error('async init failed')]]);
      // Without a callback (a DriverManager's default rethrow included, too late to throw): a warning.
      new ExtensionManager(GROUP, { registry: t.registry, invokeOnLoad: true });
      new DriverManager(GROUP, 'bad', { registry: t.registry, invokeOnLoad: true });
      await new Promise((resolve) => setImmediate(resolve));
      const from = `from async-init (${t.root}/node_modules/async-init/package.json)`;
      expect(warnings).toEqual([
        {
          code: 'STEVEDORE_LOAD_FAILED',
          message: `Could not load 'bad' (${GROUP}: ./index.js:bad) ${from}: async init failed`,
        },
      ]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
