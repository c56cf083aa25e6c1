/**
 * examples/formatters end to end: the two programs of stevedore's tutorial,
 * run as a user runs them (`node examples/formatters/load-as-driver.js field`
 * after `npm run build`), from another folder, with their output checked
 * against what stevedore's own programs print.
 */
import path from 'node:path';
import { DriverManager, ExtensionManager, Registry } from '../lib';
import type { Formatter, FormatterClass } from './support/formatters';
import { FORMATTERS, exampleModule } from './support/formatters';
import { ensureBuilt } from './support/dist';
import type { RunResult } from './support/processes';
import { runNode } from './support/processes';
import type { TempDir } from './support/temp';
import { tempDir } from './support/temp';

let elsewhere: TempDir;

beforeAll(() => {
  ensureBuilt();
  elsewhere = tempDir('formatters');
});
afterAll(() => elsewhere.cleanup());

/** Runs one of the example programs from an unrelated folder, as a plain `node` process. */
function run(program: string, ...args: string[]): RunResult {
  return runNode([path.join(FORMATTERS, program), ...args], { cwd: elsewhere.dir });
}

const LONG = 'word '.repeat(80);
const simpleOutput = `a = A\nb = B\nlong = ${LONG}\n`;
/** `: long : word ...` wrapped with a hanging indent: `first` words on the first line, then `perLine`. */
function fieldOutput(first: number, perLine: number): string {
  const lines = [`: long :${' word'.repeat(first)}`];
  for (let left = 80 - first; left > 0; left -= perLine) lines.push(`   ${' word'.repeat(Math.min(perLine, left))}`);
  return `: a : A\n: b : B\n${lines.join('\n')}\n`;
}

describe('load-as-driver.js', () => {
  test('prints the data with the simple formatter by default', () => {
    const { status, stdout, stderr } = run('load-as-driver.js');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toBe(simpleOutput);
  });

  test('field, at the default width and at --width 30', () => {
    const wide = run('load-as-driver.js', 'field');
    expect(wide.status).toBe(0);
    expect(wide.stdout).toBe(fieldOutput(10, 11));
    expect(wide.stdout.split('\n').every((line) => line.length <= 60)).toBe(true);

    const narrow = run('load-as-driver.js', 'field', '--width', '30');
    expect(narrow.status).toBe(0);
    expect(narrow.stdout).toBe(fieldOutput(4, 5));
    expect(run('load-as-driver.js', '--width=30', 'field').stdout).toBe(narrow.stdout);
  });

  test('an unknown formatter is an error naming the namespace and the name', () => {
    const { status, stdout, stderr } = run('load-as-driver.js', 'json');
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe("No 'stevedore.example.formatter' driver found, looking for 'json'\n");
  });

  test('usage errors exit 2, as argparse does', () => {
    const { status, stderr } = run('load-as-driver.js', '--width', 'wide');
    expect(status).toBe(2);
    expect(stderr).toMatch(/^usage: load-as-driver\.js \[-h\] \[format\] \[--width WIDTH\]/);
    expect(stderr).toMatch(/error: argument --width: invalid int value: 'wide'\n$/);
    expect(run('load-as-driver.js', 'field', 'extra').stderr).toMatch(/error: unrecognized arguments: extra\n$/);
    expect(run('load-as-driver.js', 'field', '--width=0')).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/error: argument --width: must be at least 1, not 0\n$/),
    });
    expect(run('load-as-driver.js', '--help')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^usage:/) });
  });
});

describe('load-as-extension.js', () => {
  test('prints the data with every formatter, in declaration order', () => {
    const { status, stdout, stderr } = run('load-as-extension.js', '--width', '30');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toBe(
      `Formatter: simple\n${simpleOutput}\n` +
        `Formatter: field\n${fieldOutput(4, 5)}\n` +
        `Formatter: plain\n${simpleOutput}\n`,
    );
  });

  test('takes no positional argument', () => {
    const { status, stderr } = run('load-as-extension.js', 'field');
    expect(status).toBe(2);
    expect(stderr).toMatch(/error: unrecognized arguments: field\n$/);
  });
});

describe('the example package, through the library', () => {
  const registry = (): Registry => new Registry({ root: FORMATTERS, cache: false });
  const { FormatterBase } = exampleModule<{ FormatterBase: FormatterClass }>('base.js');

  test('declares simple, field and plain; plain is simple under another name', () => {
    const em = new ExtensionManager<Formatter>('stevedore.example.formatter', { registry: registry() });
    expect(em.names()).toEqual(['simple', 'field', 'plain']);
    expect(em.get('plain').plugin).toBe(em.get('simple').plugin);
    expect(em.get('field').entryPointTarget).toBe('./lib/fields.js:FieldList');
    expect(em.get('field').entryPoint!.dist).toMatchObject({ name: 'stevedore-examples', root: FORMATTERS });
  });

  test('every formatter loads as a driver that is a FormatterBase', () => {
    for (const name of ['simple', 'field', 'plain']) {
      const mgr = new DriverManager<Formatter>('stevedore.example.formatter', name, {
        registry: registry(),
        invokeOnLoad: true,
        invokeArgs: [40],
      });
      expect(mgr.driver).toBeInstanceOf(FormatterBase);
      expect(mgr.driver.maxWidth).toBe(40);
    }
  });
});
