// Hostile package.json files: does discovery stay linear in their size?
//
// Builds one small tree per input and size (an application, a good plugin and
// the hostile package), then times `new Registry({ cache: false }).scan()` of
// the built library on it, in this process: the fastest of several runs, less
// the fastest scan of the same tree with a tiny manifest in place of the
// hostile one. Both the wall time and the CPU time (user + system, all
// threads) are kept; the time per byte is the CPU time's, which a busy
// machine does not inflate. It must stay flat from 10 KB to 1 MB: a quadratic
// parser shows up as a per-byte time that grows tenfold with each size. For
// comparison, `JSON.parse` of the same text alone (V8's own cost, which
// grows a little per byte on deep nesting as it outgrows the CPU caches).
//
// Alone: `node bench/adversarial.mjs [--sizes 10000,100000,1000000] [--no-huge]`
// (builds dist/ first if it is missing). From bench/run.mjs: `adversarialRows()`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const GROUP = 'bench.hostile';
const projectDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The sizes every input is built at, in bytes. */
export const SIZES = [10_000, 100_000, 1_000_000];
/** The size of the one huge declaring manifest. */
export const HUGE_BYTES = 50 * 1024 * 1024;

const deepArray = (depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const pad = (bytes, per) => Math.max(1, Math.floor(bytes / per));

/**
 * The hostile inputs: each makes the manifest text of about `bytes` bytes
 * and says how many problems a scan must report for it (a number, or a
 * function of the size).
 */
export const INPUTS = [
  {
    input: 'a long value ("./a.js [" + spaces + "x")',
    problems: 1,
    manifest: (bytes) => json({ [GROUP]: { bad: `./a.js [${' '.repeat(bytes)}x` } }),
  },
  {
    input: 'a long valid value (a "./" path)',
    problems: 0,
    manifest: (bytes) => json({ [GROUP]: { long: `./${'a/'.repeat(pad(bytes, 2))}x.js:X` } }),
  },
  {
    input: 'an array nested deep as a value',
    problems: 1,
    manifest: (bytes) => `{"name": "hostile", "entryPoints": {"${GROUP}": {"bad": ${deepArray(pad(bytes, 2))}}}}`,
  },
  {
    input: 'an object nested deep as a value',
    problems: 1,
    manifest: (bytes) => `{"name": "hostile", "entryPoints": {"${GROUP}": {"bad": ${deepObject(pad(bytes, 6))}}}}`,
  },
  {
    input: 'an array nested deep as a group',
    problems: 1,
    manifest: (bytes) => `{"name": "hostile", "entryPoints": {"${GROUP}": ${deepArray(pad(bytes, 2))}}}`,
  },
  {
    input: 'an array nested deep as "entryPoints"',
    problems: 1,
    manifest: (bytes) => `{"name": "hostile", "entryPoints": ${deepArray(pad(bytes, 2))}}`,
  },
  {
    input: 'an array nested deep elsewhere, escapes in the text',
    problems: 1,
    manifest: (bytes) =>
      `{"name": "hostile", "description": "caf\\u00e9 \\"x\\"", "config": ${deepArray(pad(bytes, 2))}, ` +
      `"entryPoints": {"${GROUP}": {"dup": "./x.js", "dup": "./x.js"}}}`,
  },
  {
    input: 'many entry points, every name twice',
    problems: (bytes) => pad(bytes, 46), // one per repeated name
    manifest: (bytes) => {
      const names = [];
      for (let i = 0; i < pad(bytes, 46); i++) names.push(`"n${i}": "./x.js:X"`, `"n${i}": "./y.js:Y"`);
      return `{"name": "hostile", "entryPoints": {"${GROUP}": {${names.join(', ')}}}}`;
    },
  },
];

/** The 50 MB manifest: a description full of escapes, and one good and one bad declaration. */
const HUGE = {
  input: 'a 50 MB manifest that declares (escapes throughout)',
  problems: 1,
  manifest: (bytes) =>
    `{"name": "hostile", "description": "${'caf\\u00e9 \\"x\\" '.repeat(pad(bytes, 16))}", ` +
    `"entryPoints": {"${GROUP}": {"good": "./x.js:X", "bad": 42}}}`,
};

function json(entryPoints) {
  return JSON.stringify({ name: 'hostile', version: '1.0.0', entryPoints });
}

function writeTree(dir, manifest) {
  const write = (file, text) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  write('app/package.json', JSON.stringify({ name: 'app', version: '1.0.0' }));
  write(
    'app/node_modules/good/package.json',
    JSON.stringify({ name: 'good', version: '1.0.0', entryPoints: { [GROUP]: { good: './x.js:X' } } }),
  );
  write('app/node_modules/hostile/package.json', manifest);
  return path.join(dir, 'app');
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * The fastest wall and CPU times of `run()`, in ms: repeated until
 * `budgetMs` were spent (at least `minRuns` runs, at most 200).
 */
function fastest(run, budgetMs, minRuns) {
  const best = { ms: Infinity, cpuMs: Infinity };
  let spent = 0;
  for (let i = 0; i < 200 && (i < minRuns || spent < budgetMs); i++) {
    const wall = performance.now();
    const cpu = cpuMs();
    run(i);
    const ms = performance.now() - wall;
    best.ms = Math.min(best.ms, ms);
    best.cpuMs = Math.min(best.cpuMs, cpuMs() - cpu);
    spent += ms;
  }
  return best;
}

/** The fastest scan of the tree at `root`; checks what the first one found. */
function fastestScan(lib, root, expectedProblems, budgetMs, minRuns) {
  return fastest(
    (run) => {
      const result = new lib.Registry({ root, cache: false, paths: [path.join(root, 'node_modules')] }).scan();
      if (run === 0) check(result, expectedProblems, root);
    },
    budgetMs,
    minRuns,
  );
}

function check(result, expectedProblems, root) {
  const good = result.packages.some((pkg) => pkg.dist.name === 'good');
  const problems = result.problems.length;
  if (!good || problems !== expectedProblems) {
    throw new Error(`${root}: expected the good plugin and ${expectedProblems} problem(s), got ${problems}`);
  }
}

/**
 * Times discovery over each hostile input at each size.
 *
 * @param options.distDir The built library (`dist/`).
 * @param options.workDir A folder for the trees (emptied first, removed after).
 * @param options.sizes The sizes in bytes (default {@link SIZES}).
 * @param options.huge Whether to add the 50 MB manifest (default true).
 * @param options.budgetMs How long each figure is measured for, at least `minRuns` runs (default 1000; a smoke
 *   run that only shows the scenario works gives 0).
 * @param options.minRuns The fewest runs of each figure (default 5; a smoke run whose figures nobody reads: 1,
 *   which still checks what every scan found).
 * @returns Rows `{ input, bytes, ms, cpuMs, nsPerByte, parseNsPerByte }`: the scan's wall and CPU
 *   times less those of a tiny manifest, the CPU time per byte, and that of `JSON.parse` alone.
 */
export async function adversarialRows({ distDir, workDir, sizes = SIZES, huge = true, budgetMs = 1000, minRuns = 5 }) {
  const lib = createRequire(import.meta.url)(path.join(distDir, 'index.js'));
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  // Every hostile tree warns; the warnings are what the fault tests check, not what this measures.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    const baseline = fastestScan(
      lib,
      writeTree(path.join(workDir, 'baseline'), json({ [GROUP]: { ok: './x.js' } })),
      0,
      budgetMs,
      minRuns,
    );
    const cases = INPUTS.flatMap((input) => sizes.map((bytes) => [input, bytes]));
    if (huge) cases.push([HUGE, HUGE_BYTES]);
    const rows = [];
    for (const [input, target] of cases) {
      const manifest = input.manifest(target);
      const dir = path.join(workDir, `case-${rows.length}`);
      const root = writeTree(dir, manifest);
      const bytes = Buffer.byteLength(manifest);
      const problems = typeof input.problems === 'function' ? input.problems(target) : input.problems;
      const scan = fastestScan(lib, root, problems, budgetMs, minRuns);
      const parse = fastest(() => JSON.parse(manifest), budgetMs, minRuns);
      const ms = Math.max(0, scan.ms - baseline.ms);
      const cpu = Math.max(0, scan.cpuMs - baseline.cpuMs);
      rows.push({
        input: input.input,
        bytes,
        ms,
        cpuMs: cpu,
        nsPerByte: (cpu * 1e6) / bytes,
        parseNsPerByte: (parse.cpuMs * 1e6) / bytes,
      });
      rmSync(dir, { recursive: true, force: true });
      await nextTurn();
    }
    return rows;
  } finally {
    process.emitWarning = emitWarning;
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The rows as the lines of a Markdown table. */
export function adversarialTable(rows) {
  const inputs = [...new Set(rows.map((row) => row.input))];
  const size = (bytes) =>
    bytes >= 1e6 ? `${+(bytes / 1e6).toPrecision(3)} MB` : `${+(bytes / 1e3).toPrecision(3)} KB`;
  const lines = [
    '| input | size | scan, wall (ms) | scan, CPU (ms) | CPU ns per byte | `JSON.parse` alone, ns per byte |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const input of inputs) {
    for (const row of rows.filter((r) => r.input === input)) {
      lines.push(
        `| ${input} | ${size(row.bytes)} | ${row.ms.toFixed(2)} | ${row.cpuMs.toFixed(2)} | ` +
          `${row.nsPerByte.toFixed(1)} | ${row.parseNsPerByte.toFixed(1)} |`,
      );
    }
  }
  return lines;
}

async function main() {
  const args = process.argv.slice(2);
  const sizesAt = args.indexOf('--sizes');
  const sizes = sizesAt === -1 ? SIZES : args[sizesAt + 1].split(',').map(Number);
  const distDir = path.join(projectDir, 'dist');
  if (!existsSync(path.join(distDir, 'index.js'))) {
    execFileSync(process.execPath, [path.join(projectDir, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  }
  // Outside the project: a tree under it would see the project's own node_modules.
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'stevedore-ts-adversarial-'));
  const rows = await adversarialRows({ distDir, workDir, sizes, huge: !args.includes('--no-huge') });
  process.stdout.write(`${adversarialTable(rows).join('\n')}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
