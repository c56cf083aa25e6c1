/**
 * Shared pieces of the ported stevedore tests: the `stevedore-app` fixture
 * (the entry points stevedore's own pyproject.toml declares for its tests).
 * Their warnings are recorded with support/warnings.
 */
import path from 'node:path';
import { Registry } from '../../lib';

/** The fixture application declaring `stevedore.test.extension`: t1, t2 (FauxExtension), e1 (BrokenExtension), e2 (missing module). */
export const STEVEDORE_APP = path.join(__dirname, '..', 'fixtures', 'stevedore-app');

/** The namespace the fixture declares. */
export const NAMESPACE = 'stevedore.test.extension';

/** Every name that loads (e2 cannot be imported). */
export const ALL_NAMES = ['e1', 't1', 't2'];
/** The names that can also be invoked (e1's constructor throws). */
export const WORKING_NAMES = ['t1', 't2'];

/** A fresh registry over the fixture, without the on-disk cache. */
export function stevedoreAppRegistry(): Registry {
  return new Registry({ root: STEVEDORE_APP, cache: false });
}

/** What FauxExtension records about how it was constructed. */
export interface Faux {
  args: unknown[];
  kwds: Record<string, unknown>;
  getArgsAndData(data: unknown): [unknown[], Record<string, unknown>, unknown];
}

/**
 * The fixture's plugin module, required the way managers load it (in jest,
 * through the same module registry, so classes compare with `toBe`).
 */
export const testExtensionModule: {
  FauxExtension: new (...args: unknown[]) => Faux;
  BrokenExtension: new () => never;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
} = require(path.join(STEVEDORE_APP, 'lib', 'test-extension.js'));

/** Runs `fn` and returns what it threw; fails the test when it returns normally. */
export function thrown(fn: () => unknown): Error & Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected an error to be thrown');
}
