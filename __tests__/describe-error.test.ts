import { format } from 'node:util';
import { describeError, errorMessage } from '../lib/describe-error';
import { ExtensionManager, Registry } from '../lib/index';

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
 * With DEBUG set to `debugSetting` (unset when undefined): a manager of two plugins, one that fails to load and one
 * that throws when map() calls it. Returns its names, what map() returned, the warnings it emitted, and how many
 * times each error's stack was read.
 */
function reportTwoFailures(debugSetting: string | undefined): {
  names: string[];
  mapped: unknown[];
  warnings: unknown[][];
  stackReads: number[];
} {
  const before = process.env.DEBUG;
  if (debugSetting === undefined) delete process.env.DEBUG;
  else process.env.DEBUG = debugSetting;
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
  const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  try {
    const manager = new ExtensionManager('describe.failures', { registry, invokeOnLoad: true });
    const mapped = manager.map((extension) => (extension.obj as () => void)());
    return {
      names: manager.names(),
      mapped,
      warnings: [...warning.mock.calls],
      stackReads: failures.map(({ reads }) => reads()),
    };
  } finally {
    warning.mockRestore();
    if (before === undefined) delete process.env.DEBUG;
    else process.env.DEBUG = before;
  }
}

describe('a failure while stevedore:manager debugging is off', () => {
  test("is reported from the error's message: its stack is never formatted", () => {
    const { names, mapped, warnings, stackReads } = reportTwoFailures(undefined);
    expect(names).toEqual(['fine']);
    expect(mapped).toEqual([]);
    expect(warnings).toContainEqual([
      expect.stringContaining("Could not load 'broken'"),
      expect.objectContaining({ code: 'STEVEDORE_LOAD_FAILED' }),
    ]);
    expect(warnings).toContainEqual([
      "error calling 'fine': cannot run",
      expect.objectContaining({ code: 'STEVEDORE_MAP_ERROR' }),
    ]);
    expect(stackReads).toEqual([0, 0]);
  });
});

describe('a failure while stevedore:manager debugging is on', () => {
  test('is logged there with its stack', () => {
    // The `debug` package the library loads (this file's copy), its output caught.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const createDebug = require('debug') as {
      log: (...args: unknown[]) => void;
      enable: (namespaces: string) => void;
      disable: () => string;
    };
    const before = { DEBUG: process.env.DEBUG, log: createDebug.log };
    const logged: string[] = [];
    createDebug.log = (...args: unknown[]) => void logged.push(format(...args));
    createDebug.enable('stevedore:manager');
    try {
      const { stackReads } = reportTwoFailures('stevedore:manager');
      const lines = logged.join('\n');
      expect(lines).toMatch(/failed to load .*broken.*: Error: cannot load\n {4}at somewhere \(plugin\.js:1:1\)/);
      expect(lines).toMatch(/error calling fine: Error: cannot run\n {4}at somewhere \(plugin\.js:1:1\)/);
      expect(stackReads).toEqual([1, 1]);
    } finally {
      // disable() also clears DEBUG: put back what there was.
      createDebug.disable();
      createDebug.log = before.log;
      if (before.DEBUG !== undefined) process.env.DEBUG = before.DEBUG;
    }
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
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const manager = new ExtensionManager('describe.error', { registry, invokeOnLoad: true });
      expect(manager.names()).toEqual(['fine']);
      expect(warning).toHaveBeenCalledWith(
        expect.stringContaining("Could not load 'hostile'"),
        expect.objectContaining({ code: 'STEVEDORE_LOAD_FAILED' }),
      );
    } finally {
      warning.mockRestore();
    }
  });
});
