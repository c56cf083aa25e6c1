/**
 * Port of stevedore/tests/test_hook.py: HookManager loads every extension
 * declared under one name; `get(name)` returns them as a list.
 */
import { HookManager, KeyError } from '../lib';
import { NAMESPACE, stevedoreAppRegistry, thrown } from './support/stevedore-app';

const invoked = { invokeOnLoad: true, invokeArgs: ['a'], invokeKwds: { b: 'B' } };

function hookManager(): HookManager {
  return new HookManager(NAMESPACE, 't1', { registry: stevedoreAppRegistry(), ...invoked });
}

describe('TestHook', () => {
  test('hook', () => {
    const em = hookManager();
    expect(em.extensions).toHaveLength(1);
    expect(em.names()).toEqual(['t1']);
  });

  test('getByName', () => {
    const em = hookManager();
    const eList = em.get('t1');
    expect(eList).toHaveLength(1);
    const e = eList[0];
    expect(e.name).toBe('t1');
  });

  test('getByNameMissing', () => {
    const em = hookManager();
    const error = thrown(() => em.get('t2'));
    expect(error).toBeInstanceOf(KeyError);
    expect(error.key).toBe('t2');
  });
});
