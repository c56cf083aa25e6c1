/**
 * The benchmark runs end to end (`npm run bench -- --quick`) on both kinds of
 * tree and writes a well-formed report. No timing is asserted: the machines
 * are shared; what is checked is that every scenario ran, found the
 * generator's count of entry points, and that the cache did what each
 * scenario says (off, stored, hit).
 *
 * The smallest run that shows it, since nothing here reads a figure: the tracing processes run each build twice
 * (one warm-up run, one measured; not 25 times), the hostile inputs are built at one size and scanned once each
 * (that scan checks what it found; not five times). Python stevedore is left out (`--no-python`):
 * whether it runs depends on what the machine has installed (CI has no python3-stevedore), and none of its
 * figures is checked here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO as project, ensureBuilt } from './support/dist';
import { runOk } from './support/processes';
import type { TempDir } from './support/temp';
import { tempDir } from './support/temp';

// The tree size: the smallest at which the Node tree (1% of its packages declare entry points) has them in more
// than one package (2 packages, 4 entry points; the generator is deterministic), so that "found the generator's
// count" means something on both trees. What grows with the size is mostly writing the trees (was 120).
const N = 60;
let temp: TempDir;
let text: string;

beforeAll(() => {
  ensureBuilt();
  temp = tempDir('bench');
  const out = path.join(temp.dir, 'performance.md');
  runOk(
    process.execPath,
    [
      path.join(project, 'bench', 'run.mjs'),
      '--quick',
      '--sizes',
      String(N),
      '--runs',
      '1',
      '--trees',
      temp.dir,
      '--out',
      out,
      '--no-python',
      '--hostile-sizes',
      '10000',
      '--hostile-runs',
      '1',
      '--tracing-iterations',
      '1',
    ],
    { cwd: project },
  );
  text = readFileSync(out, 'utf8');
}, 120_000);

afterAll(() => temp.cleanup());

/** The cells of the row of `scenario` in the table of one kind of tree. */
function row(tree: string, scenario: string): string[] {
  const section = text.slice(text.indexOf(`## ${tree}\n`));
  const line = section.split('\n').find((l) => l.startsWith(`| ${N} |`) && l.includes(scenario)) as string;
  expect(line).toBeDefined();
  return line.split('|').map((cell) => cell.trim());
}

it('writes a report with the machine, the method and a targets table', () => {
  expect(text).toMatch(/^# Performance\n/);
  expect(text).toMatch(/Machine: .+ Node v\d+/);
  expect(text).toContain('start-up subtracted');
  const targets = text.slice(text.indexOf('## Targets'), text.indexOf('## Python-parity tree'));
  // One round over tiny trees: a start-up can take longer than a whole scenario, so a ratio may be negative.
  const ratio = String.raw`-?\d+\.\d{3}x \((met|MISSED)\)`;
  expect(targets).toMatch(
    new RegExp(String.raw`\| Python-parity tree \| ${ratio} \| ${ratio} \| ≤ 0\.75x \| ${ratio} \|`),
  );
  expect(targets).toMatch(new RegExp(String.raw`\| Node tree \| ${ratio} \| ${ratio} \| ≤ 0\.45x \| ${ratio} \|`));
});

it.each(['Python-parity tree', 'Node tree'])('measures every scenario on the %s', (tree) => {
  const measured = /^\d+\.\d \(\d+\.\d–\d+\.\d\)$/;
  const floor = row(tree, '(read-sync)');
  expect(floor[3]).toMatch(measured);
  expect(floor[5]).toBe('1.000');
  const found = floor[10];
  expect(Number(found)).toBeGreaterThan(0);
  for (const scenario of ['(read-fast)', 'cold, `cache: false`', 'cold, empty cache', 'warm (cache hit)']) {
    const cells = row(tree, scenario);
    expect(cells[3]).toMatch(measured);
    expect(cells[5]).toMatch(/^-?\d+\.\d{3}$/);
    expect(cells[10]).toBe(found); // exactly the generator's count of entry points
  }
  expect(row(tree, 'cold, `cache: false`')[11]).toBe('off 1/1');
  expect(row(tree, 'cold, empty cache')[11]).toBe('stored 1/1');
  expect(row(tree, 'warm (cache hit)')[11]).toBe('hit 1/1');
  expect(row(tree, 'DriverManager')[10]).toBe('1');
  expect(text).toMatch(new RegExp(`## ${tree}[\\s\\S]*What a warm start checks and reads: N = ${N}: \\d+ paths`));
});

it('measures the import by require and by import(), and says what it did with the adversarial inputs', () => {
  expect(text).toMatch(/\| added by `require` \(difference of medians, to `node -e ''`\) \| -?\d+\.\d \|/);
  expect(text).toMatch(/\| added by `import\(\)` \(difference of medians, to the empty ES module\) \| -?\d+\.\d \|/);
  expect(text).toMatch(/## Adversarial inputs\n\n.+\n\n\| input \| size \|/);
  // Every hostile input of bench/adversarial.mjs was scanned (each scan checked its problem count) at the one size.
  const hostile = text.slice(text.indexOf('## Adversarial inputs'), text.indexOf('## Tracing'));
  expect(hostile.split('\n').filter((line) => /^\| .+ \| [\d.]+ KB \| /.test(line))).toHaveLength(8);
  expect(text).toMatch(/## Against Python stevedore\n\nNot run here/);
  expect(text).toMatch(/## Tracing when nobody subscribes\n\nTracing \(bench\/tracing\.mjs\)/);
  // A row per scenario: the traced build's ratios to the compiled-out one, with and without a subscriber.
  const tracing = text.slice(text.indexOf('## Tracing when nobody subscribes'));
  const rows = tracing.split('\n').filter((line) => /^\| new /.test(line));
  expect(rows).toHaveLength(3);
  for (const cells of rows.map((line) => line.split('|').slice(1, -1))) {
    expect(cells).toHaveLength(6);
    for (const ratio of [cells[3], cells[5]]) expect(Number(ratio)).toBeGreaterThan(0);
  }
});
