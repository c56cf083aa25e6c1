import { describeError } from '../lib/describe-error';
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
