/**
 * Entry point values: the grammar, the properties, and loading
 * what a value names, both with require() in this process (CommonJS) and in
 * real node processes (ES modules, top-level await, loadAsync).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EntryPoint, formatEntryPointValue, parseEntryPointValue } from '../lib/entry-point';
import type { Distribution, ParsedValue } from '../lib/entry-point';
import { InvalidEntryPoint, LoadError } from '../lib/exception';
import { runModuleScript } from './support/processes';
import { LAYOUTS, tempDir } from './support/temp';

const PLUGINS = path.join(LAYOUTS, 'plugins');
const host: Distribution = { name: 'plugin-host', version: '3.1.4', root: PLUGINS };
const entryPoint = (value: string, name = 'ep'): EntryPoint => new EntryPoint(name, value, 'test.group', host);

const VALID: [string, ParsedValue][] = [
  ['./lib/cjs.js', { module: './lib/cjs.js', attr: null, extras: [] }],
  ['./lib/cjs.js:Plugin', { module: './lib/cjs.js', attr: 'Plugin', extras: [] }],
  ['./lib/cjs.js:ns.Inner', { module: './lib/cjs.js', attr: 'ns.Inner', extras: [] }],
  ['./lib/cjs.js:default', { module: './lib/cjs.js', attr: 'default', extras: [] }],
  ['./lib/deep/dir/mod.cjs:$_ok.ünïcode', { module: './lib/deep/dir/mod.cjs', attr: '$_ok.ünïcode', extras: [] }],
  ['exported-pkg', { module: 'exported-pkg', attr: null, extras: [] }],
  ['exported-pkg/sub:value', { module: 'exported-pkg/sub', attr: 'value', extras: [] }],
  ['@scope/scoped-pkg/tools:tool.name', { module: '@scope/scoped-pkg/tools', attr: 'tool.name', extras: [] }],
  ['node:fs', { module: 'node:fs', attr: null, extras: [] }],
  ['node:path:join', { module: 'node:path', attr: 'join', extras: [] }],
  ['fs:readFileSync', { module: 'fs', attr: 'readFileSync', extras: [] }],
  ['data:Foo', { module: 'data', attr: 'Foo', extras: [] }],
  ['./lib/cjs.js:Plugin [fast, extra-2]', { module: './lib/cjs.js', attr: 'Plugin', extras: ['fast', 'extra-2'] }],
  ['./lib/cjs.js [only.extras]', { module: './lib/cjs.js', attr: null, extras: ['only.extras'] }],
  ['  ./lib/cjs.js : Plugin  [ a ,b ]', { module: './lib/cjs.js', attr: 'Plugin', extras: ['a', 'b'] }],
  ['./lib/cjs.js:Plugin []', { module: './lib/cjs.js', attr: 'Plugin', extras: [] }],
];

const INVALID: [string, RegExp][] = [
  [':', /nothing after ":"/],
  ['::x', /not a package name: it holds a ":"/],
  ['./a.js:', /nothing after ":"/],
  ['./a.js:1bad', /attribute "1bad" is not a dotted path of JavaScript identifiers/],
  ['./a.js:x..y', /attribute "x\.\.y" is not a dotted path/],
  ['./a.js:.x', /attribute "\.x" is not a dotted path/],
  ['./a.js:x.', /attribute "x\." is not a dotted path/],
  ['../a.js', /relative paths must start with "\.\/" and stay inside the package/],
  ['../a.js:X', /relative paths must start with "\.\/"/],
  ['..', /relative paths must start with "\.\/"/],
  ['./../a.js', /leads outside its package/],
  ['./lib/../../a.js:X', /leads outside its package/],
  ['/abs/plugin.js:X', /absolute paths are not allowed/],
  ['/abs/plugin.js', /absolute paths are not allowed/],
  ['C:\\plugins\\a.js:X', /absolute paths are not allowed/],
  ['file:///abs/plugin.js', /URLs are not allowed/],
  ['file:///abs/plugin.js:X', /URLs are not allowed/],
  ['data:text/javascript,export default 1', /URLs are not allowed/],
  ['http://example.com/plugin.js', /URLs are not allowed/],
  ['https://example.com:8080/plugin.js:X', /URLs are not allowed/],
  ['pkg:sub:X', /URLs are not allowed/],
  ['', /the module is empty/],
  ['   ', /the module is empty/],
  [':X', /the module is empty/],
  ['[extra]', /the module is empty/],
  ['node:no-such-builtin', /not a Node\.js built-in module/],
  ['@scope', /not a package name, a package subpath or a "\.\/" path/],
  ['pkg//sub', /not a package name/],
  ['pkg/../other', /not a package name/],
  ['has space/x', /not a package name/],
  ['.hidden/x', /package names cannot start with "\."/],
  ['./a.js:X [bad extra!]', /bad extra name "bad extra!"/],
  ['./a.js:X [', /an unclosed "\[" \(extras go last, as MODULE\[:ATTR\] \[EXTRA, \.\.\.\]\)/],
  ['./a.js [fast', /an unclosed "\["/],
  ['./a.js [[fast]', /an unclosed "\["/],
  ['./a.js]', /a "\]" without its "\["/],
  ['./a.js:X [fast]]', /a "\]" without its "\["/],
  ['./a.js ]x[', /a "\]" without its "\["/],
  ['./a[b].js:X', /brackets may only hold the extras, at the end/],
  ['./a.js [fast] :X', /brackets may only hold the extras, at the end/],
  ['./a.js:X [a] [b]', /brackets may only hold the extras, at the end/],
];

describe('the value grammar', () => {
  test.each(VALID)('%j parses', (value, parsed) => {
    expect(parseEntryPointValue(value)).toEqual(parsed);
  });

  test.each(INVALID)('%j is invalid', (value, reason) => {
    expect(() => parseEntryPointValue(value)).toThrow(InvalidEntryPoint);
    expect(() => parseEntryPointValue(value)).toThrow(reason);
  });

  test.each([
    [42, 'a number'],
    [null, 'null'],
    [['./a.js'], 'an array'],
    [{ module: './a.js' }, 'an object'],
  ])('a value that is not a string (%j) is invalid', (value, kind) => {
    expect(() => parseEntryPointValue(value)).toThrow(`expected a string, got ${kind}`);
  });

  test('a value of 100,000 characters: refused at once, quoted in part with its length', () => {
    const value = `./a.js [${' '.repeat(100_000)}x`;
    let error: unknown;
    try {
      parseEntryPointValue(value);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidEntryPoint);
    const { message } = error as InvalidEntryPoint;
    expect(message).toMatch(/^invalid entry point value "\.\/a\.js \[ +…" \(100009 characters\): an unclosed "\["/);
    expect(message.length).toBeLessThan(400);
    expect((error as InvalidEntryPoint).value).toBe(value);
  });

  test('long names in a reason are quoted in part too', () => {
    expect(() => parseEntryPointValue(`./a.js:${'1'.repeat(5000)}`)).toThrow(/attribute "1{200}…" \(5000 characters\)/);
    expect(() => parseEntryPointValue(`./a.js:X [${'!'.repeat(5000)}]`)).toThrow(/bad extra name "!{200}…" \(5000/);
    expect(() => parseEntryPointValue(`node:${'x'.repeat(5000)}`)).toThrow(
      /"node:x{195}…" \(5005 characters\) is not a/,
    );
  });

  test('a value nested 100,000 deep is described by its kind, never serialized', () => {
    const deep: unknown = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(() => parseEntryPointValue(deep)).toThrow(/^invalid entry point value: expected a string, got an array$/);
    expect(() => parseEntryPointValue({ a: deep })).toThrow(
      /^invalid entry point value: expected a string, got an object$/,
    );
    expect(() => parseEntryPointValue(42)).toThrow(/^invalid entry point value 42: expected a string, got a number$/);
  });

  test('the error names the value and has a name and a code', () => {
    let error: unknown;
    try {
      parseEntryPointValue('./a.js:1bad');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'InvalidEntryPoint',
      code: 'STEVEDORE_INVALID_ENTRY_POINT',
      value: './a.js:1bad',
      message: expect.stringContaining('"./a.js:1bad"'),
    });
  });

  test.each(VALID)('%j survives a format/parse round trip', (value, parsed) => {
    const formatted = formatEntryPointValue(parsed);
    expect(parseEntryPointValue(formatted)).toEqual(parsed);
    expect(formatEntryPointValue(parseEntryPointValue(formatted))).toBe(formatted);
  });

  test('formatting writes the canonical form', () => {
    expect(formatEntryPointValue({ module: './a.js', attr: 'A.b', extras: ['x', 'y'] })).toBe('./a.js:A.b [x, y]');
    expect(formatEntryPointValue({ module: 'node:fs', attr: null, extras: [] })).toBe('node:fs');
    expect(formatEntryPointValue(parseEntryPointValue('  ./a.js : X  [ a ,b ]'))).toBe('./a.js:X [a, b]');
  });
});

describe('EntryPoint', () => {
  test('exposes what was declared and what was parsed', () => {
    const ep = new EntryPoint('sample', './lib/cjs.js:ns.Inner [fast]', 'trove.api.extensions', host);
    expect(ep).toMatchObject({
      name: 'sample',
      value: './lib/cjs.js:ns.Inner [fast]',
      group: 'trove.api.extensions',
      module: './lib/cjs.js',
      attr: 'ns.Inner',
      extras: ['fast'],
      dist: host,
    });
    expect(Object.isFrozen(ep.extras)).toBe(true);
    expect(ep.baseDir).toBe(PLUGINS);
    expect(String(ep)).toBe('sample = ./lib/cjs.js:ns.Inner [fast]');
    expect(JSON.parse(JSON.stringify(ep))).toEqual({
      name: 'sample',
      value: './lib/cjs.js:ns.Inner [fast]',
      group: 'trove.api.extensions',
      dist: host,
    });
  });

  test('without a package, dist is null and modules resolve from the current folder', () => {
    const ep = new EntryPoint('fs', 'node:fs', 'g');
    expect(ep.dist).toBeNull();
    expect(ep.attr).toBeNull();
    expect(ep.baseDir).toBe(process.cwd());
  });

  test.each(INVALID)('the constructor refuses %j with a clear error', (value, reason) => {
    expect(() => new EntryPoint('bad', value, 'g', host)).toThrow(reason);
  });
});

describe('load() of CommonJS and built-in modules', () => {
  test('no attr: the module itself (module.exports)', () => {
    const loaded = entryPoint('./lib/cjs.js').load() as Record<string, unknown>;
    expect(Object.keys(loaded)).toEqual(['Plugin', 'ns', 'default']);
    expect(entryPoint('./lib/function.js').load()).toEqual(expect.any(Function));
    expect((entryPoint('./lib/function.js').load() as () => string)()).toBe('plain');
  });

  test('an attr, a dotted attr, and default as an ordinary name', () => {
    expect((entryPoint('./lib/cjs.js:Plugin').load() as Function).name).toBe('Plugin');
    expect((entryPoint('./lib/cjs.js:ns.Inner').load() as Function).name).toBe('Inner');
    expect(entryPoint('./lib/cjs.js:default').load()).toBe('cjs-default-property');
  });

  test('the same module instance on every load', () => {
    expect(entryPoint('./lib/cjs.js:Plugin').load()).toBe(entryPoint('./lib/cjs.js:Plugin [x]').load());
  });

  test('node: modules, with and without an attr', () => {
    expect(entryPoint('node:fs').load()).toBe(fs);
    expect(entryPoint('node:path:join').load()).toBe(path.join);
    expect(entryPoint('node:path:posix.join').load()).toBe(path.posix.join);
  });

  test('bare and scoped specifiers resolve through the exports map from the package root', () => {
    expect(entryPoint('exported-pkg:main').load()).toBe('main');
    expect(entryPoint('exported-pkg/sub:value').load()).toBe('exported subpath');
    expect(entryPoint('@scope/scoped-pkg/tools:tool.name').load()).toBe('scoped tool');
  });

  test('an unexported subpath does not load (jest resolves it; Node itself: see the real process below)', () => {
    expect(fs.existsSync(path.join(PLUGINS, 'node_modules/exported-pkg/lib/hidden.js'))).toBe(true);
    expect(() => entryPoint('exported-pkg/lib/hidden.js:value').load()).toThrow(
      /Cannot find module 'exported-pkg\/lib\/hidden.js'/,
    );
  });

  test('a missing attribute is a LoadError naming the entry point and the attribute', () => {
    const ep = entryPoint('./lib/cjs.js:ns.Missing', 'missing-attr');
    expect(() => ep.load()).toThrow(LoadError);
    expect(() => ep.load()).toThrow(
      "entry point 'missing-attr' (./lib/cjs.js:ns.Missing): module './lib/cjs.js' has no attribute 'ns.Missing'",
    );
  });

  test('__proto__ is never walked', () => {
    expect(() => entryPoint('./lib/cjs.js:__proto__').load()).toThrow(/has no attribute '__proto__'/);
  });

  test('a missing module fails with the resolution error', () => {
    expect(() => entryPoint('./lib/not-there.js').load()).toThrow(
      expect.objectContaining({ code: 'MODULE_NOT_FOUND' }),
    );
    expect(() => entryPoint('not-installed-anywhere:X').load()).toThrow(/Cannot find module 'not-installed-anywhere'/);
  });

  test('a plugin that throws on import fails with its own error', () => {
    expect(() => entryPoint('./lib/throws.js').load()).toThrow('plugin exploded on import');
  });

  test('a ./ module that is a symbolic link resolving outside the package is refused', async () => {
    const ep = entryPoint('./lib/escape.js', 'escape');
    const outside = fs.realpathSync(path.join(LAYOUTS, 'escape-target', 'evil.js'));
    for (const load of [() => ep.load(), () => ep.loadAsync()]) {
      await expect(async () => load()).rejects.toThrow(
        expect.objectContaining({
          name: 'LoadError',
          code: 'STEVEDORE_OUTSIDE_PACKAGE',
          message: expect.stringContaining(`resolves to ${outside}, outside its package ${fs.realpathSync(PLUGINS)}`),
        }),
      );
    }
  });

  test('loadAsync() loads CommonJS with require, sharing the instance with load()', async () => {
    const ep = entryPoint('./lib/cjs.js:Plugin');
    await expect(ep.loadAsync()).resolves.toBe(ep.load());
    await expect(entryPoint('node:path:join').loadAsync()).resolves.toBe(path.join);
  });
});

// Inside jest, require() is jest's own and cannot load ES modules: these run
// the built library in a real node process.
describe('loading in a real node process', () => {
  const script = `
    import { EntryPoint } from $STEVEDORE;
    const host = { name: 'plugin-host', version: '3.1.4', root: process.env.PLUGINS };
    const make = (value) => new EntryPoint('ep', value, 'test.group', host);
    // require(esm) adds __esModule: true to a namespace with a default export (Node's CommonJS interop).
    const summary = (x) =>
      Object.prototype.toString.call(x) === '[object Module]' ? { namespace: Object.keys(x).filter((k) => k !== '__esModule') }
      : typeof x === 'function' ? { fn: x.name } : { value: x };
    const failure = (e) => ({ error: e.code, name: e.name, message: e.message, cause: e.cause?.code });
    const out = { sync: {}, async: {}, same: {} };
    for (const value of JSON.parse(process.env.SYNC)) {
      try { out.sync[value] = summary(make(value).load()); } catch (e) { out.sync[value] = failure(e); }
    }
    for (const value of JSON.parse(process.env.ASYNC)) {
      try { out.async[value] = summary(await make(value).loadAsync()); } catch (e) { out.async[value] = failure(e); }
    }
    for (const value of ['./lib/cjs.js:Plugin', './lib/esm.mjs:EsmPlugin', 'esm-pkg:default']) {
      out.same[value] = (await make(value).loadAsync()) === make(value).load();
    }
    console.log(JSON.stringify(out));
  `;
  const sync = [
    './lib/esm.mjs',
    './lib/esm.mjs:EsmPlugin',
    './lib/esm.mjs:fromDefault.deep',
    './lib/esm.mjs:default.fromDefault.deep',
    'esm-pkg',
    'esm-pkg:default',
    'esm-pkg:name',
    'exported-pkg/sub:value',
    'exported-pkg/lib/hidden.js:value',
    './lib/tla.mjs:value',
    'esm-pkg/tla:joined',
    './lib/cjs.js:Plugin',
  ];
  const later = [
    './lib/tla.mjs:value',
    './lib/tla.mjs',
    'esm-pkg/tla:joined',
    './lib/esm.mjs:fromDefault.deep',
    'esm-pkg:default',
    './lib/cjs.js:ns.Inner',
    'node:path:join',
    'exported-pkg/lib/hidden.js:value',
    './lib/throws.js',
    './lib/escape.js',
    './lib/esm.mjs:Missing',
  ];
  let out: {
    sync: Record<string, Record<string, unknown>>;
    async: Record<string, Record<string, unknown>>;
    same: Record<string, boolean>;
  };
  beforeAll(() => {
    out = runModuleScript(script, {
      env: { PLUGINS, SYNC: JSON.stringify(sync), ASYNC: JSON.stringify(later) },
    });
  });

  test('load(): an ES module without attr is its namespace; attrs walk it', () => {
    expect(out.sync['./lib/esm.mjs']).toEqual({ namespace: ['EsmPlugin', 'default'] });
    expect(out.sync['./lib/esm.mjs:EsmPlugin']).toEqual({ fn: 'EsmPlugin' });
    expect(out.sync['esm-pkg']).toEqual({ namespace: ['default', 'name'] });
    expect(out.sync['esm-pkg:default']).toEqual({ fn: 'esmDefault' });
    expect(out.sync['esm-pkg:name']).toEqual({ value: 'esm-pkg' });
    expect(out.sync['./lib/cjs.js:Plugin']).toEqual({ fn: 'Plugin' });
  });

  test('load(): a first attr missing from the namespace but present on default walks default', () => {
    expect(out.sync['./lib/esm.mjs:fromDefault.deep']).toEqual({ value: 'walked through default' });
    expect(out.sync['./lib/esm.mjs:default.fromDefault.deep']).toEqual({ value: 'walked through default' });
  });

  test("load(): Node's resolution applies the exports map, and an unexported subpath does not load", () => {
    expect(out.sync['exported-pkg/sub:value']).toEqual({ value: 'exported subpath' });
    expect(out.sync['exported-pkg/lib/hidden.js:value']).toMatchObject({ error: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  });

  test('load(): top-level await fails with an error that says to use create()', () => {
    for (const value of ['./lib/tla.mjs:value', 'esm-pkg/tla:joined']) {
      expect(out.sync[value]).toMatchObject({
        name: 'LoadError',
        error: 'STEVEDORE_ASYNC_MODULE',
        cause: 'ERR_REQUIRE_ASYNC_MODULE',
        message: expect.stringContaining('create()'),
      });
    }
  });

  test('loadAsync(): ES modules with top-level await (.mjs, and .js in a "type": "module" package)', () => {
    expect(out.async['./lib/tla.mjs:value']).toEqual({ value: 'after await' });
    expect(out.async['./lib/tla.mjs']).toEqual({ namespace: ['value'] });
    expect(out.async['esm-pkg/tla:joined']).toEqual({ value: 'tla in package' });
    expect(out.async['./lib/esm.mjs:fromDefault.deep']).toEqual({ value: 'walked through default' });
    expect(out.async['esm-pkg:default']).toEqual({ fn: 'esmDefault' });
    expect(out.async['./lib/cjs.js:ns.Inner']).toEqual({ fn: 'Inner' });
    expect(out.async['node:path:join']).toEqual({ fn: 'join' });
  });

  test('loadAsync(): failures keep their own error', () => {
    expect(out.async['exported-pkg/lib/hidden.js:value']).toMatchObject({ error: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
    expect(out.async['./lib/throws.js']).toMatchObject({ message: 'plugin exploded on import' });
    expect(out.async['./lib/escape.js']).toMatchObject({ error: 'STEVEDORE_OUTSIDE_PACKAGE' });
    expect(out.async['./lib/esm.mjs:Missing']).toMatchObject({ error: 'STEVEDORE_ATTRIBUTE_NOT_FOUND' });
  });

  test('load() and loadAsync() share one module instance', () => {
    expect(out.same).toEqual({ './lib/cjs.js:Plugin': true, './lib/esm.mjs:EsmPlugin': true, 'esm-pkg:default': true });
  });
});

test('a package folder relinked to another version between two loads, as pnpm upgrades it, loads the new one', () => {
  const { dir, cleanup } = tempDir('relink');
  try {
    for (const version of [1, 2]) {
      const folder = path.join(dir, 'store', `plug-${version}`);
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(
        path.join(folder, 'package.json'),
        JSON.stringify({ name: 'plug', version: `${version}.0.0`, entryPoints: { 'relink.group': { x: './x.js:X' } } }),
      );
      fs.writeFileSync(path.join(folder, 'x.js'), `exports.X = ${version};\n`);
    }
    const app = path.join(dir, 'app');
    fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0' }));
    const link = path.join(app, 'node_modules', 'plug');
    fs.symlinkSync(path.join('..', '..', 'store', 'plug-1'), link);
    // The second load comes after the first has returned to the event loop, as a later request's would.
    const out = runModuleScript(
      `
      import { symlinkSync, unlinkSync } from 'node:fs';
      import { Registry } from $STEVEDORE;
      const outcome = (entryPoint) => {
        try {
          return entryPoint.load();
        } catch (error) {
          return error.code;
        }
      };
      const discovered = () => new Registry({ root: process.env.APP, cache: false }).entryPoints('relink.group')[0];
      const first = outcome(discovered());
      unlinkSync(process.env.LINK);
      symlinkSync('../../store/plug-2', process.env.LINK);
      await new Promise((resolve) => setImmediate(resolve));
      console.log(JSON.stringify({ first, second: outcome(discovered()) }));
    `,
      { env: { APP: app, LINK: link } },
    );
    expect(out).toEqual({ first: 1, second: 2 });
  } finally {
    cleanup();
  }
});
