/**
 * Port of stevedore/tests/test_enabled.py: EnabledExtensionManager keeps the
 * extensions its check function accepts.
 */
import type { Extension } from '../lib';
import { EnabledExtensionManager } from '../lib';
import type { Faux } from './support/stevedore-app';
import { NAMESPACE, stevedoreAppRegistry } from './support/stevedore-app';
import { recordWarnings } from './support/warnings';

beforeEach(() => recordWarnings());
afterEach(() => jest.restoreAllMocks());

const invoked = { invokeOnLoad: true, invokeArgs: ['a'], invokeKwds: { b: 'B' } };

describe('TestEnabled', () => {
  test('enabled', () => {
    const checkEnabled = (ep: Extension<Faux>): boolean => ep.name === 't2';
    const em = new EnabledExtensionManager<Faux>(NAMESPACE, checkEnabled, {
      registry: stevedoreAppRegistry(),
      ...invoked,
    });
    expect(em.extensions).toHaveLength(1);
    expect(em.names()).toEqual(['t2']);
  });

  test('enabledAfterLoad', () => {
    // The check sees the invoked object, so it can decide on it.
    const seen: [string, unknown][] = [];
    const checkEnabled = (ext: Extension<Faux>): unknown => {
      seen.push([ext.name, ext.obj]);
      return ext.obj && ext.name === 't2';
    };
    const em = new EnabledExtensionManager<Faux>(NAMESPACE, checkEnabled, {
      registry: stevedoreAppRegistry(),
      ...invoked,
    });
    expect(em.extensions).toHaveLength(1);
    expect(em.names()).toEqual(['t2']);
    expect(seen.map(([name]) => name)).toEqual(['t1', 't2']);
    for (const [, obj] of seen) expect(obj).toMatchObject({ args: ['a'], kwds: { b: 'B' } });
  });
});
