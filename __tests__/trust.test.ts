/**
 * The trust policy (lib/trust.ts): an application restricts which installed
 * packages may provide its plugins. A refused plugin is never required.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DriverManager, ExtensionManager, NoMatches, trustPolicy } from '../lib/index';
import { TrustChecker } from '../lib/trust';
import type { EntryPoint, TrustPolicy } from '../lib/index';
import type { FixturePackage, PackageTree } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { portable, reliabilitySuite } from './reliability/record';
import { withWarnings } from './support/warnings';

const GROUP = 'trust.plugins';

/** A plugin package whose module records, in `<tree>/ran-<name>`, that it was required. */
function plugin(name: string, installedAs = name): FixturePackage {
  return {
    name: installedAs,
    manifest: { name },
    entryPoints: { [GROUP]: { [name.replace(/^@[^/]+\//, '')]: './index.js' } },
    files: {
      'index.js': `require('fs').writeFileSync(require('path').join(__dirname, ${JSON.stringify(`ran-${name.replace('/', '+')}`)}), '');\nmodule.exports = ${JSON.stringify(name)};\n`,
    },
  };
}

function ran(t: PackageTree, installedAs: string, name = installedAs): boolean {
  return existsSync(path.join(t.root, 'node_modules', installedAs, `ran-${name.replace('/', '+')}`));
}

const trees: PackageTree[] = [];
afterAll(() => trees.forEach((t) => t.cleanup()));

function tree(packages: FixturePackage[], app: FixturePackage = { name: 'app' }): PackageTree {
  const t = createPackageTree({ app, packages });
  trees.push(t);
  return t;
}

function names(t: PackageTree, trust?: TrustPolicy): string[] {
  return new ExtensionManager(GROUP, { registry: t.registry, trust }).names();
}

const report = reliabilitySuite(
  'trust',
  'Trust policy: plugins the application did not ask for',
  'Each case installs plugins that record when they are required (`__tests__/trust.test.ts`). "Never required" ' +
    'is checked on disk; "warned once" means one `STEVEDORE_UNTRUSTED` warning across two managers.',
);

describe('trust: { packages }', () => {
  report.case('an allow-list of a name and a scope; another package is installed', () => {
    const t = tree([plugin('@acme/one'), plugin('trove-ext-sample'), plugin('stray')]);
    const policy: TrustPolicy = { packages: ['@acme/*', 'trove-ext-sample'] };
    const { result, warnings } = withWarnings(() => [names(t, policy), names(t, policy)]);
    expect(result).toEqual([
      ['one', 'trove-ext-sample'],
      ['one', 'trove-ext-sample'],
    ]);
    expect(ran(t, 'stray')).toBe(false);
    expect(ran(t, 'trove-ext-sample')).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].code).toBe('STEVEDORE_UNTRUSTED');
    expect(warnings[0].message).toContain(path.join(t.root, 'node_modules', 'stray', 'package.json'));
    return `the listed ones load; "stray" is never required, warned once: ${portable(warnings[0].message, { [t.dir]: '<tree>' })}`;
  });

  report.case('a package whose package.json claims a trusted name it is not installed under', () => {
    // node_modules/evil declares "name": "@acme/evil": require('@acme/evil') would not reach it.
    const t = tree([plugin('@acme/evil', 'evil')]);
    const { result, warnings } = withWarnings(() => names(t, { packages: ['@acme/*'] }));
    expect(result).toEqual([]);
    expect(ran(t, 'evil', '@acme/evil')).toBe(false);
    expect(warnings.map((w) => w.code)).toEqual(['STEVEDORE_UNTRUSTED']);
    return 'refused: trust goes by the name it is installed under (what require() resolves), never by the name it claims';
  });

  report.case('the application declares entry points in its own package.json', () => {
    const t = tree([plugin('stray')], {
      name: 'app',
      entryPoints: { [GROUP]: { own: './own.js' } },
      files: { 'own.js': 'module.exports = 1;\n' },
    });
    const { result } = withWarnings(() => names(t, { packages: [] }));
    expect(result).toEqual(['own']);
    expect(ran(t, 'stray')).toBe(false);
    return 'its own entry points are always trusted; with an empty list nothing else loads';
  });

  test('onRefused replaces the warning', () => {
    const t = tree([plugin('stray')]);
    const refused: [string, string][] = [];
    const onRefused = (entryPoint: EntryPoint, reason: string) => refused.push([entryPoint.name, reason]);
    const { result, warnings } = withWarnings(() => names(t, { packages: ['other'], onRefused }));
    expect(result).toEqual([]);
    expect(warnings).toEqual([]);
    expect(refused).toEqual([['stray', 'the package "stray" is not in the trusted packages (other)']]);
  });

  test.each([[{ packages: ['@acme/*x'] }], [{ packages: ['*'] }], [{ packages: [''] }], ['everything']])(
    'rejects the malformed policy %j',
    (policy) => {
      const t = tree([]);
      expect(() => names(t, policy as TrustPolicy)).toThrow(TypeError);
    },
  );
});

describe("trust: 'dependencies'", () => {
  report.case("'dependencies': a transitive dependency hoisted next to the direct ones", () => {
    const t = tree([plugin('direct'), plugin('dev-tool'), plugin('hoisted')], {
      name: 'app',
      manifest: { dependencies: { direct: '^1.0.0' }, devDependencies: { 'dev-tool': '^1.0.0' } },
    });
    const { result, warnings } = withWarnings(() => names(t, 'dependencies'));
    expect(result).toEqual(['dev-tool', 'direct']);
    expect(ran(t, 'hoisted')).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain('"hoisted" is not a direct dependency');
    return `direct dependencies (dependencies, devDependencies, ...) load; the hoisted one is never required, warned once: ${portable(warnings[0].message, { [t.dir]: '<tree>' })}`;
  });

  test('combines with a list', () => {
    const t = tree([plugin('direct'), plugin('extra'), plugin('stray')], {
      name: 'app',
      manifest: { optionalDependencies: { direct: '1' } },
    });
    const { result } = withWarnings(() => names(t, { dependencies: true, packages: ['extra'] }));
    expect(result).toEqual(['direct', 'extra']);
  });
});

describe('trustPolicy(registry, policy): through the beforeLoad hook', () => {
  report.case(
    'trustPolicy() on a registry: every manager of the namespace, create() and DriverManager too',
    async () => {
      const t = tree([plugin('good'), plugin('stray')]);
      const checker = trustPolicy(t.registry, { packages: ['good'] }, { namespaces: [GROUP] });
      expect(checker).toBeInstanceOf(TrustChecker);
      const { result: syncNames, warnings } = withWarnings(() => names(t));
      expect(syncNames).toEqual(['good']);
      const created = await ExtensionManager.create(GROUP, { registry: t.registry });
      expect(created.names()).toEqual(['good']);
      expect(() => new DriverManager(GROUP, 'stray', { registry: t.registry })).toThrow(NoMatches);
      expect(ran(t, 'stray')).toBe(false);
      expect(warnings.map((w) => w.code)).toEqual(['STEVEDORE_UNTRUSTED']);
      return 'vetoed in beforeLoad: never required by the constructor, create() or a DriverManager (which then throws NoMatches); warned once';
    },
  );

  test('leaves other namespaces and in-process entry points alone', () => {
    const t = tree([
      plugin('stray'),
      { name: 'other', entryPoints: { 'other.group': { x: './x.js' } }, files: { 'x.js': 'module.exports = 1;\n' } },
    ]);
    trustPolicy(t.registry, { packages: [] }, { namespaces: [GROUP] });
    t.registry.register(GROUP, 'bundled', 'in-process');
    const { result } = withWarnings(() => [
      names(t),
      new ExtensionManager('other.group', { registry: t.registry }).names(),
    ]);
    expect(result).toEqual([['bundled'], ['x']]);
  });

  test('refusal() explains without loading or warning', () => {
    const t = tree([plugin('stray')]);
    const checker = new TrustChecker(t.registry, 'dependencies');
    const [entryPoint] = t.registry.entryPoints(GROUP);
    expect(checker.refusal(entryPoint)).toBe(
      `the package "stray" is not a direct dependency of the application (${path.join(t.root, 'package.json')})`,
    );
  });
});
