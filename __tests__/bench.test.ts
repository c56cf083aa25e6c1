/**
 * The benchmark runs end to end (`npm run bench -- --quick`) and writes a
 * well-formed report. No timing is asserted: the machines are shared.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO as project, ensureBuilt } from './support/dist';
import { runOk } from './support/processes';
import type { TempDir } from './support/temp';
import { tempDir } from './support/temp';

let temp: TempDir;
let work: string;

beforeAll(() => {
  ensureBuilt();
  temp = tempDir('bench');
  work = temp.dir;
});

afterAll(() => temp.cleanup());

it('runs the quick benchmark and writes a table for every scenario', () => {
  const out = path.join(work, 'performance.md');
  runOk(
    process.execPath,
    [path.join(project, 'bench', 'run.mjs'), '--quick', '--sizes', '120', '--runs', '1', '--trees', work, '--out', out],
    { cwd: project },
  );
  const text = readFileSync(out, 'utf8');
  expect(text).toMatch(/^# Performance\n/);
  expect(text).toMatch(/Machine: .+ Node v\d+/);

  const times = text.slice(text.indexOf('## Times'), text.indexOf('## Importing'));
  const table = times.split('\n').filter((line) => line.startsWith('| 120 |'));
  const header = text.split('\n').find((line) => line.startsWith('| N | scenario |')) as string;
  const columns = header.split('|').length;
  expect(table).toHaveLength(7);
  for (const row of table) {
    expect(row.split('|')).toHaveLength(columns);
    const measured = String.raw`\d+\.\d \(\d+\.\d–\d+\.\d\) \| \d+\.\d\d`;
    expect(row).toMatch(
      new RegExp(String.raw`^\| 120 \| [^|]+ \| ${measured} \| ${measured} \| -?\d+\.\d \| \d+\.\d \|`),
    );
  }
  const row = (label: string): string[] =>
    (table.find((line) => line.includes(label)) as string).split('|').map((cell) => cell.trim());
  // found = entry points in the group; modules = plugins required; the warm runs really hit the cache.
  const plugins = row('cold discovery, empty cache')[10];
  expect(Number(plugins)).toBeGreaterThan(0);
  expect(row('ExtensionManager')[11]).toBe(plugins);
  expect(row('DriverManager')[11]).toBe('1');
  expect(row('warm discovery')[12]).toBe('hit 1/1');
  expect(row('cold discovery, empty cache')[12]).toBe('stored');
  // The memory table: the same N with 1% declaring.
  expect(text).toMatch(/^\| 120 \| 1% \| \d+ \| -?\d+ \| \d+\.\d \| -?\d+ \| \d+\.\d \| \d+\.\d \|$/m);
  expect(text).toMatch(/\| added by the import \(difference of medians\) \| -?\d+\.\d \|/);
  expect(text).toMatch(/^- N = 120: cold .+x floor/m);
});
