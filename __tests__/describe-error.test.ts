import { format } from 'node:util';
import { describeError, errorMessage } from '../lib/describe-error';
import { ExtensionManager, Registry } from '../lib/index';
import type { RecordedWarning } from './support/warnings';
import { withWarnings } from './support/warnings';

describe('describeError', () => {
  test.each([
    ['an Error', new Error('boom'), 'boom'],
    ['a string', 'plain', 'plain'],
    ['an empty string', '', 'a thrown empty string (not an Error)'],
    ['null', null, 'a thrown null (not an Error)'],
    ['undefined', undefined, 'a thrown undefined (not an Error)'],
    ['a number', 42, 'a thrown number 42'],
    ['an object without a prototype', Object.create(null), 'a thrown object {}'],
    ['a plain object', { reason: 'x' }, 'a thrown object {"reason":"x"}'],
    ['an object with its own toString', { toString: () => 'custom' }, 'custom'],
  ])('describes %s', (_label, value, message) => {
    expect(describeError(value).message).toBe(message);
  });

  test('never throws, even for a Proxy whose every trap throws', () => {
    const hostile = new Proxy(
      {},
      new Proxy(
        {},
        {
          get: () => () => {
            throw new Error('trap');
          },
        },
      ),
    );
    expect(() => describeError(hostile)).not.toThrow();
    expect(typeof describeError(hostile).message).toBe('string');
  });

  test('an Error whose message getter throws', () => {
    const error = new Error('x');
    Object.defineProperty(error, 'message', {
      get() {
        throw new Error('getter');
      },
    });
    expect(describeError(error).message).toBe('<unreadable message>');
  });
});

/** An Error that counts the reads of its stack (formatting a stack is what an error costs most). */
function countingStackReads(message: string): { error: Error; reads: () => number } {
  const error = new Error(message);
  let reads = 0;
  Object.defineProperty(error, 'stack', {
    get() {
      reads += 1;
      return `Error: ${message}\n    at somewhere (plugin.js:1:1)`;
    },
  });
  return { error, reads: () => reads };
}

describe('errorMessage', () => {
  test.each([
    ['an Error', new Error('boom'), 'boom'],
    ['a string', 'plain', 'plain'],
    ['null', null, 'a thrown null (not an Error)'],
    ['an object without a prototype', Object.create(null), 'a thrown object {}'],
  ])('is the message describeError gives, for %s', (_label, value, message) => {
    expect(errorMessage(value)).toBe(message);
    expect(describeError(value).message).toBe(message);
  });

  test('leaves the stack unread, which describeError reads', () => {
    const { error, reads } = countingStackReads('boom');
    expect(errorMessage(error)).toBe('boom');
    expect(reads()).toBe(0);
    expect(describeError(error)).toEqual({ message: 'boom', stack: 'Error: boom\n    at somewhere (plugin.js:1:1)' });
    expect(reads()).toBe(1);
  });
});

/**
 * A manager of two plugins, one that fails to load and one that throws when map() calls it. Returns its names,
 * what map() returned, the warnings it emitted, and how many times each error's stack was read.
 */
function reportTwoFailures(): {
  names: string[];
  mapped: unknown[];
  warnings: Pick<RecordedWarning, 'code' | 'message'>[];
  stackReads: number[];
} {
  const failures = [countingStackReads('cannot load'), countingStackReads('cannot run')];
  const registry = new Registry({ root: __dirname, paths: [], cache: false });
  registry.register('describe.failures', 'broken', function broken() {
    throw failures[0].error;
  });
  registry.register('describe.failures', 'fine', function fine() {
    return (): never => {
      throw failures[1].error;
    };
  });
  const { result, warnings } = withWarnings(() => {
    const manager = new ExtensionManager('describe.failures', { registry, invokeOnLoad: true });
    return { mapped: manager.map((extension) => (extension.obj as () => void)()), names: manager.names() };
  });
  return { ...result, warnings, stackReads: failures.map(({ reads }) => reads()) };
}

/**
 * Runs `run` with the `debug` package the library loads (this file's copy) printing `namespaces` ('': none) into
 * the text returned; DEBUG and debug's output are put back afterwards.
 */
function withDebugOutput<R>(namespaces: string, run: () => R): { result: R; logged: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const createDebug = require('debug') as { log: (...args: unknown[]) => void; enable: (namespaces: string) => void };
  const before = { DEBUG: process.env.DEBUG, log: createDebug.log };
  const lines: string[] = [];
  createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
  // enable() sets DEBUG to the namespaces, and removes it for ''.
  createDebug.enable(namespaces);
  try {
    return { result: run(), logged: lines.join('\n') };
  } finally {
    createDebug.log = before.log;
    createDebug.enable(before.DEBUG ?? '');
  }
}

describe('a failure while stevedore:manager debugging is off', () => {
  test("is reported from the error's message: its stack is never formatted", () => {
    const { result, logged } = withDebugOutput('', reportTwoFailures);
    expect(result.names).toEqual(['fine']);
    expect(result.mapped).toEqual([]);
    expect(result.warnings).toContainEqual({
      code: 'STEVEDORE_LOAD_FAILED',
      message: expect.stringContaining("Could not load 'broken'"),
    });
    expect(result.warnings).toContainEqual({
      code: 'STEVEDORE_MAP_ERROR',
      message: "error calling 'fine': cannot run",
    });
    expect(result.stackReads).toEqual([0, 0]);
    expect(logged).toBe('');
  });
});

describe('a failure while stevedore:manager debugging is on', () => {
  test('is logged there with its stack', () => {
    const { result, logged } = withDebugOutput('stevedore:manager', reportTwoFailures);
    expect(logged).toMatch(/failed to load .*broken.*: Error: cannot load\n {4}at somewhere \(plugin\.js:1:1\)/);
    expect(logged).toMatch(/error calling fine: Error: cannot run\n {4}at somewhere \(plugin\.js:1:1\)/);
    expect(result.stackReads).toEqual([1, 1]);
  });
});

describe('a plugin that throws a value String() refuses', () => {
  // Before describeError, reporting this failure threw a TypeError out of the manager's constructor.
  test('is reported as a load failure and does not break the manager', () => {
    const registry = new Registry({ root: __dirname, paths: [], cache: false });
    registry.register('describe.error', 'hostile', function hostile() {
      throw Object.create(null);
    });
    registry.register('describe.error', 'fine', function fine() {
      return 'ok';
    });
    const { result: names, warnings } = withWarnings(() =>
      new ExtensionManager('describe.error', { registry, invokeOnLoad: true }).names(),
    );
    expect(names).toEqual(['fine']);
    expect(warnings).toContainEqual({
      code: 'STEVEDORE_LOAD_FAILED',
      message: expect.stringContaining("Could not load 'hostile'"),
    });
  });
});
