/**
 * Property-based tests (fast-check): the value grammar over any input, and
 * discovery over randomly generated package trees written to real folders.
 * Run counts are modest so that the suite stays fast; a failure prints the
 * shrunk counter-example and the seed to replay it.
 */
import { fc, test } from '@fast-check/jest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidEntryPoint, Registry, parseEntryPointValue } from '../lib/index';
import { formatEntryPointValue, leavesPackage } from '../lib/entry-point';
import type { ParsedValue } from '../lib/index';
import type { FixturePackage } from '../lib/testing';
import { createPackageTree } from '../lib/testing';
import { reliabilitySuite } from './reliability/record';
import { DIST, ensureBuilt } from './support/dist';
import { expectBe, expectEqual } from './support/expect-cheaply';

/** Parses, returning the parts or the InvalidEntryPoint; any other throw fails the property. */
function parseOrReason(value: unknown): ParsedValue | InvalidEntryPoint {
  try {
    return parseEntryPointValue(value);
  } catch (err) {
    if (err instanceof InvalidEntryPoint) return err;
    throw err;
  }
}

/** `expect(value).toBeInstanceOf(InvalidEntryPoint)`, called only to report a difference (see expect-cheaply). */
function expectRefused(value: unknown): void {
  if (!(value instanceof InvalidEntryPoint)) expect(value).toBeInstanceOf(InvalidEntryPoint);
}

// Pieces of the grammar, so that random strings often come close to valid values.
const grammarPiece = fc.constantFrom(
  './',
  '../',
  '.',
  '..',
  '/',
  '\\',
  ':',
  '::',
  'node:',
  'file:',
  'data:',
  '//',
  '@scope/',
  'pkg',
  'x.js',
  'Cls',
  '1',
  '$',
  '_',
  '[',
  ']',
  ',',
  ' ',
  'extra',
  '\u00e9',
  '\u{1F600}',
  '\0',
);
const nearlyValue = fc.array(grammarPiece, { maxLength: 8 }).map((pieces) => pieces.join(''));

// fast-check's `unit: 'binary'`, spelled out: the same nat mapped to the same code points (all but the
// surrogates, in order), so a seed gives the same strings and the same shrinks. fast-check's own unit maps a
// code point back through a Map of all 1.1 million of them, built as the string arbitrary is made (≈1.2 s of
// CPU, a third of this file's run); this one computes the index.
const SURROGATES = 0xe000 - 0xd800;
const anyCodePoint = fc.nat({ max: 0x10ffff - SURROGATES }).map(
  (index) => String.fromCodePoint(index < 0xd800 ? index : index + SURROGATES),
  (value) => {
    const codePoint = typeof value === 'string' ? value.codePointAt(0) : undefined;
    const one = codePoint !== undefined && String.fromCodePoint(codePoint) === value;
    if (!one || (codePoint >= 0xd800 && codePoint < 0xe000)) throw new Error('not one code point');
    return codePoint < 0xd800 ? codePoint : codePoint - SURROGATES;
  },
);
const anyString = fc.oneof(fc.string({ unit: anyCodePoint, maxLength: 40 }), nearlyValue);

const identifier = fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,6}$/);
const segment = fc.stringMatching(/^[a-z0-9_-]{1,6}(\.m?js)?$/);
const packageName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/).filter((name) => name !== 'node');
const relativeModule = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `./${parts.join('/')}`);
const bareModule = fc
  .tuple(fc.option(packageName, { nil: undefined }), packageName, fc.array(segment, { maxLength: 2 }))
  .map(([scope, name, sub]) => [scope ? `@${scope}/${name}` : name, ...sub].join('/'));
const builtinModule = fc.constantFrom('node:fs', 'node:path', 'node:url', 'node:fs/promises');
const validParts: fc.Arbitrary<ParsedValue> = fc.record({
  module: fc.oneof(relativeModule, bareModule, builtinModule),
  attr: fc.option(
    fc.array(identifier, { minLength: 1, maxLength: 3 }).map((ids) => ids.join('.')),
    { nil: null },
  ),
  extras: fc.array(fc.stringMatching(/^[\w.-]{1,6}$/), { maxLength: 3 }),
});

const report = reliabilitySuite(
  'properties',
  'Property-based tests',
  'Generated inputs (`__tests__/properties.test.ts`, fast-check): each row is a property that held for every ' +
    'generated case of the run.',
);

describe('the value grammar', () => {
  const runs = { numRuns: 500 };

  report.case('any string: parses, or throws InvalidEntryPoint (500 strings, half built from grammar pieces)', () => {
    fc.assert(
      fc.property(anyString, (value) => {
        const parsed = parseOrReason(value);
        if (parsed instanceof InvalidEntryPoint) {
          const quoted = JSON.stringify(value);
          if (!parsed.message.includes(quoted)) expect(parsed.message).toContain(quoted);
          expectBe(parsed.value, value);
        } else {
          expectBe(typeof parsed.module, 'string');
          if (parsed.module === '') expect(parsed.module).not.toBe('');
        }
      }),
      runs,
    );
    return 'never threw anything but InvalidEntryPoint, whose message quotes the value';
  });

  report.case('a "./" path leaves its package exactly when path.posix.normalize says so (500 paths)', () => {
    const part = fc.constantFrom('a', 'b.js', '..', '.', '', '...', '..a', 'a..');
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), fc.constantFrom('/', '\\'), (parts, separator) => {
        const module = `./${parts.join(separator)}`;
        const normalized = path.posix.normalize(module.replace(/\\/g, '/'));
        expectBe(leavesPackage(module), normalized === '..' || normalized.startsWith('../'));
      }),
      runs,
    );
    return 'the one-pass depth count agrees with path.posix.normalize on every generated path';
  });

  report.case('any value that is not a string: InvalidEntryPoint', () => {
    fc.assert(
      fc.property(
        fc.anything().filter((value) => typeof value !== 'string'),
        (value) => {
          expectRefused(parseOrReason(value));
        },
      ),
      runs,
    );
    return 'always InvalidEntryPoint ("expected a string, got ...")';
  });

  report.case('any string that parses: format(parse(s)) parses to the same parts', () => {
    fc.assert(
      fc.property(anyString, (value) => {
        const parsed = parseOrReason(value);
        if (parsed instanceof InvalidEntryPoint) return;
        const formatted = formatEntryPointValue(parsed);
        expectEqual(parseEntryPointValue(formatted), parsed);
        expectBe(formatEntryPointValue(parseEntryPointValue(formatted)), formatted);
      }),
      runs,
    );
    return 'round-trips (formatting normalizes white space and extras only)';
  });

  report.case(
    'generated valid parts (./ paths, bare and scoped names, node: built-ins, attrs, extras): parse(format(p)) = p',
    () => {
      fc.assert(
        fc.property(validParts, (parts) => {
          expectEqual(parseEntryPointValue(formatEntryPointValue(parts)), parts);
        }),
        runs,
      );
      return 'round-trips exactly (a package named "node" is excluded: "node:x" is the built-in, by the grammar)';
    },
  );

  // ("data:Thing" is package "data", attribute "Thing": only prefixes no package name can start with.)
  test.prop(
    [fc.constantFrom('../', '/', 'file://', 'data:text/', 'http://', 'C:\\'), fc.string({ maxLength: 10 })],
    runs,
  )('a value that starts outside the package is always refused', (prefix, rest) => {
    expectRefused(parseOrReason(prefix + rest));
  });
});

// --- Discovery over random trees ------------------------------------------------------------

const GROUPS = ['g.one', 'g.two', '__proto__', '7'];
const ENTRY_NAMES = ['a', 'b', 'constructor', '__proto__', '10', '2', 'z z'];
const INVALID_VALUES: unknown[] = ['', '../up.js', '/abs.js', 'file:///x.js', './x.js:1bad', 42, null, ['./x.js'], {}];

type Declared = Record<string, Record<string, unknown> | unknown>;

interface GeneratedPackage {
  scope: string | null;
  name: string;
  linked: boolean;
  /** An object of groups, or (rarely) a value of the wrong type for the whole field. */
  entryPoints: Declared | unknown;
}

const generatedValue = fc.oneof(
  { weight: 3, arbitrary: validParts.map(formatEntryPointValue) },
  { weight: 1, arbitrary: fc.constantFrom(...INVALID_VALUES) },
);
const generatedGroup = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.constantFrom(...ENTRY_NAMES), generatedValue, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('./x.js', null, 3, ['a']) },
);
const generatedPackage: fc.Arbitrary<GeneratedPackage> = fc.record({
  scope: fc.option(fc.constantFrom('s', 'sa', 'z'), { nil: null }),
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,5}$/),
  linked: fc.boolean(),
  entryPoints: fc.oneof(
    { weight: 8, arbitrary: fc.dictionary(fc.constantFrom(...GROUPS), generatedGroup, { maxKeys: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'x', [], 5) },
  ),
});
const generatedTree = fc.uniqueArray(generatedPackage, {
  maxLength: 8,
  selector: (pkg) => `${pkg.scope}/${pkg.name}`,
});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What discovery must find and report for a generated tree, in order. */
function expected(packages: GeneratedPackage[]) {
  const sorted = [...packages].sort((a, b) => {
    const [x, y] = [
      [a.scope ? `@${a.scope}` : a.name, a.name],
      [b.scope ? `@${b.scope}` : b.name, b.name],
    ];
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
  });
  const found: string[] = [];
  const problems: Record<string, number> = {};
  for (const pkg of sorted) {
    const installedAs = pkg.scope ? `@${pkg.scope}/${pkg.name}` : pkg.name;
    const count = (n: number) => (problems[installedAs] = (problems[installedAs] ?? 0) + n);
    if (!isObject(pkg.entryPoints)) {
      count(1);
      continue;
    }
    // Object.keys: the order JSON.parse gives (integer-like keys first, as in any JS object).
    for (const group of Object.keys(pkg.entryPoints)) {
      const entries = pkg.entryPoints[group];
      if (!isObject(entries)) {
        count(1);
        continue;
      }
      for (const name of Object.keys(entries)) {
        const value = entries[name];
        if (typeof value === 'string' && !(parseOrReason(value) instanceof InvalidEntryPoint)) {
          found.push(`${installedAs} ${group} ${name} = ${value}`);
        } else count(1);
      }
    }
  }
  return { found, problems };
}

describe('discovery over random package trees', () => {
  // Every invalid declaration is also a process warning: keep them out of the test output.
  let warnings: jest.SpyInstance;
  beforeAll(() => (warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined)));
  afterAll(() => warnings.mockRestore());

  report.case(
    'random trees of up to 8 packages (scoped, linked, valid and invalid declarations, prototype and numeric keys): 40 trees',
    () => {
      fc.assert(
        fc.property(generatedTree, (packages) => {
          const fixtures: FixturePackage[] = packages.map((pkg) => ({
            name: pkg.scope ? `@${pkg.scope}/${pkg.name}` : pkg.name,
            linked: pkg.linked,
            // As a raw manifest field: `entryPoints: null` must be written too.
            manifest: { entryPoints: pkg.entryPoints },
          }));
          const tree = createPackageTree({ packages: fixtures });
          try {
            const want = expected(packages);
            const result = tree.registry.scan();
            const found = result.packages.flatMap((pkg) =>
              pkg.declarations.map(([group, name, value]) => `${pkg.installedAs} ${group} ${name} = ${value}`),
            );
            expect(found).toEqual(want.found);
            const problems: Record<string, number> = {};
            for (const problem of result.problems) {
              expect(problem.code).toBe('STEVEDORE_INVALID_DECLARATION');
              const owner = fixtures.find((pkg) =>
                [path.join(tree.root, 'node_modules', pkg.name), path.join(tree.dir, 'linked', pkg.name)].some(
                  (dir) => problem.file === path.join(dir, 'package.json'),
                ),
              );
              expect(owner).toBeDefined();
              problems[owner!.name] = (problems[owner!.name] ?? 0) + 1;
            }
            expect(problems).toEqual(want.problems);
            const entryPoints = tree.registry.entryPoints().map((ep) => `${ep.group} ${ep.name} = ${ep.value}`);
            expect(entryPoints.sort()).toEqual(want.found.map((line) => line.split(' ').slice(1).join(' ')).sort());
            const again = new Registry({ root: tree.root, cache: false }).scan();
            expect({ packages: again.packages, problems: again.problems }).toEqual({
              packages: result.packages,
              problems: result.problems,
            });
          } finally {
            tree.cleanup();
          }
        }),
        { numRuns: 40 },
      );
      return 'never threw; order deterministic and equal between scans; every valid declaration found, every invalid one reported exactly once';
    },
  );
});

// --- Linear cost ------------------------------------------------------------------------------

/**
 * The built library (dist/, bundled from lib/): the linear-cost checks measure the code users run, not lib/
 * under the coverage instrumentation `npm run coverage` adds (which multiplies the cost of every line, and unevenly).
 * The same behaviour on lib/ is checked by the rest of this file and by faults.test.ts.
 */
let built: typeof import('../lib/index');

/** parseOrReason, on the built library. */
function builtParseOrReason(value: string): ParsedValue | InvalidEntryPoint {
  try {
    return built.parseEntryPointValue(value);
  } catch (err) {
    if (err instanceof built.InvalidEntryPoint) return err;
    throw err;
  }
}

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * The CPU time (ms) one call of `run` costs: calls are batched until a batch
 * takes a few milliseconds (far above the clock's resolution), and the
 * fastest of five batches counts, so that another process's load weighs little.
 * With `enough`, the batches stop at the first one that costs at most that
 * much a call: the ones left could only have been faster.
 */
function cost(run: () => void, enough = 0): number {
  let calls = 1;
  let best = Infinity;
  for (;;) {
    const started = cpuMs();
    for (let i = 0; i < calls; i++) run();
    const spent = cpuMs() - started;
    if (spent >= 4 || calls >= 1 << 16) {
      // The batch that ended the search counts as a batch (once warmed up, a call could only be faster).
      best = spent / calls;
      break;
    }
    calls *= 2;
  }
  for (let batch = 1; batch < 5 && best > enough; batch++) {
    const started = cpuMs();
    for (let i = 0; i < calls; i++) run();
    best = Math.min(best, (cpuMs() - started) / calls);
  }
  return best;
}

// Six doublings: linear work grows 64 times, quadratic work 4,096 times. The margin (20 times the linear
// growth) absorbs noise and cache effects; a quadratic step still exceeds it threefold.
const SMALL = 16 * 1024;
const DOUBLINGS = 6;
const MARGIN = 20;

/**
 * Asserts that `costOf(size, enough)` (the fastest of five batches, or the first one that costs at most
 * `enough`) grows at most MARGIN times faster than the size over six doublings. The small size is the
 * fastest of all five (the bound it sets is then the strictest); the large one stops at the first batch
 * within the bound, the verdict the fastest of five would give.
 */
function expectLinear(costOf: (size: number, enough: number) => number): { small: number; large: number } {
  const small = costOf(SMALL, 0);
  const bound = small * 2 ** DOUBLINGS * MARGIN;
  const large = costOf(SMALL * 2 ** DOUBLINGS, bound);
  expect(large).toBeLessThanOrEqual(bound);
  return { small, large };
}

const nested = (container: 'array' | 'object', bytes: number): string =>
  container === 'array'
    ? `${'['.repeat(bytes / 2)}${']'.repeat(bytes / 2)}`
    : `${'{"a":'.repeat(Math.floor(bytes / 6))}1${'}'.repeat(Math.floor(bytes / 6))}`;

type Shape = 'value' | 'group' | 'field' | 'elsewhere' | 'long value' | 'repeated names';

/** A manifest of about `bytes` bytes that is hostile in the way `shape` says. */
function hostileManifest(shape: Shape, container: 'array' | 'object', escapes: boolean, bytes: number): string {
  const head = `"name": "hostile", ${escapes ? '"description": "caf\\u00e9 \\"x\\" \\\\", ' : ''}`;
  switch (shape) {
    case 'value':
      return `{${head}"entryPoints": {"g": {"bad": ${nested(container, bytes)}}}}`;
    case 'group':
      return `{${head}"entryPoints": {"g": ${nested(container, bytes)}}}`;
    case 'field':
      return `{${head}"entryPoints": ${nested(container, bytes)}}`;
    case 'elsewhere':
      return `{${head}"config": ${nested(container, bytes)}, "entryPoints": {"g": {"ok": "./x.js"}}}`;
    case 'long value':
      return `{${head}"entryPoints": {"g": {"bad": "./a.js [${' '.repeat(bytes)}x"}}}`;
    case 'repeated names': {
      const names = Array.from({ length: Math.floor(bytes / 40) }, (_, i) => `"n${i}": "./x.js", "n${i}": "./y.js"`);
      return `{${head}"entryPoints": {"g": {${names.join(', ')}}}}`;
    }
  }
}

describe('linear cost: doubling the input six times multiplies the work by about 64, never by 4,096', () => {
  let warnings: jest.SpyInstance;
  beforeAll(() => {
    ensureBuilt();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    built = require(DIST) as typeof import('../lib/index');
    warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterAll(() => warnings.mockRestore());

  report.case('the value grammar, on values built from grammar pieces repeated from 16 KB to 1 MB', () => {
    fc.assert(
      fc.property(fc.array(grammarPiece, { minLength: 1, maxLength: 6 }), nearlyValue, (pieces, tail) => {
        const unit = pieces.join('');
        const valueOf = (size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size) + tail;
        expectLinear((size, enough) => {
          const value = valueOf(size);
          return cost(() => builtParseOrReason(value), enough);
        });
      }),
      { numRuns: 20 },
    );
    return 'CPU time within 20 times of linear growth for every generated value (20 values)';
  });

  report.case(
    'the value grammar on "./../" and "./a/.." repeated, the shapes path.posix.normalize makes quadratic',
    () => {
      for (const unit of ['./../', '/a/..', 'a/b/../']) {
        expectLinear((size, enough) => {
          const value = `./${unit.repeat(Math.ceil(size / unit.length)).slice(0, size)}`;
          return cost(() => builtParseOrReason(value), enough);
        });
      }
      return 'CPU time within 20 times of linear growth (a megabyte of "./../" took 77 s before)';
    },
  );

  report.case(
    'discovery of a hostile package.json on disk (deep arrays or objects in each position, long values, ' +
      'repeated names; with and without escapes), from 16 KB to 1 MB',
    () => {
      const shapes: Shape[] = ['value', 'group', 'field', 'elsewhere', 'long value', 'repeated names'];
      fc.assert(
        fc.property(
          fc.constantFrom(...shapes),
          fc.constantFrom<'array' | 'object'>('array', 'object'),
          fc.boolean(),
          (shape, container, escapes) => {
            const tree = createPackageTree({ packages: [{ name: 'good', entryPoints: { g: { good: './x.js' } } }] });
            try {
              const file = path.join(tree.root, 'node_modules', 'hostile', 'package.json');
              mkdirSync(path.dirname(file), { recursive: true });
              expectLinear((size, enough) => {
                writeFileSync(file, hostileManifest(shape, container, escapes, size));
                const paths = [path.join(tree.root, 'node_modules')];
                return cost(() => {
                  const result = new built.Registry({ root: tree.root, cache: false, paths }).scan();
                  // (expect() only on a failure: what is measured is the scan, not jest.)
                  const found = result.packages.map((pkg) => pkg.installedAs);
                  if (!found.includes('good')) expect(found).toContain('good');
                }, enough);
              });
            } finally {
              tree.cleanup();
            }
          },
        ),
        { numRuns: 8 },
      );
      return 'CPU time within 20 times of linear growth for every generated package (8 packages)';
    },
  );
});
