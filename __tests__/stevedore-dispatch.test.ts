/**
 * Port of stevedore/tests/test_dispatch.py: the dispatch managers load every
 * extension once and choose per call which of them to run. Python's
 * `**kwds` become one final object argument.
 */
import type { Extension } from '../lib';
import { DispatchExtensionManager, NameDispatchExtensionManager } from '../lib';
import type { Faux } from './support/stevedore-app';
import { NAMESPACE, stevedoreAppRegistry } from './support/stevedore-app';
import { recordWarnings } from './support/warnings';

beforeEach(() => recordWarnings());
afterEach(() => jest.restoreAllMocks());

const invoked = { invokeOnLoad: true, invokeArgs: ['a'], invokeKwds: { b: 'B' } };
const acceptAll = (): boolean => true;

function checkDispatch(ep: Extension<Faux>, ..._args: unknown[]): boolean {
  return ep.name === 't2';
}

function invoke(ep: Extension<Faux>, ...args: unknown[]): [string, unknown[]] {
  return [ep.name, args];
}

describe('TestDispatch', () => {
  test('dispatch', () => {
    const em = new DispatchExtensionManager<Faux>(NAMESPACE, acceptAll, {
      registry: stevedoreAppRegistry(),
      ...invoked,
    });
    expect(em.extensions).toHaveLength(2);
    expect(new Set(em.names())).toEqual(new Set(['t1', 't2']));

    const results = em.map(checkDispatch, invoke, 'first', { named: 'named value' });
    const expected = [['t2', ['first', { named: 'named value' }]]];
    expect(results).toEqual(expected);
  });

  test('dispatchMapMethod', () => {
    const em = new DispatchExtensionManager<Faux>(NAMESPACE, acceptAll, {
      registry: stevedoreAppRegistry(),
      ...invoked,
    });
    const results = em.mapMethod(checkDispatch, 'getArgsAndData', 'first');
    expect(results).toEqual([[['a'], { b: 'B' }, 'first']]);
  });

  test('nameDispatch', () => {
    const em = new NameDispatchExtensionManager<Faux>(NAMESPACE, acceptAll, {
      registry: stevedoreAppRegistry(),
      ...invoked,
    });
    expect(em.extensions).toHaveLength(2);
    expect(new Set(em.names())).toEqual(new Set(['t1', 't2']));

    const results = em.map(['t2'], invoke, 'first', { named: 'named value' });
    const expected = [['t2', ['first', { named: 'named value' }]]];
    expect(results).toEqual(expected);
  });

  test('nameDispatchIgnoreMissing', () => {
    const em = new NameDispatchExtensionManager<Faux>(NAMESPACE, acceptAll, {
      registry: stevedoreAppRegistry(),
      ...invoked,
    });
    const results = em.map(['t3', 't1'], invoke, 'first', { named: 'named value' });
    const expected = [['t1', ['first', { named: 'named value' }]]];
    expect(results).toEqual(expected);
  });

  test('nameDispatchMapMethod', () => {
    const em = new NameDispatchExtensionManager<Faux>(NAMESPACE, acceptAll, {
      registry: stevedoreAppRegistry(),
      ...invoked,
    });
    const results = em.mapMethod(['t3', 't1'], 'getArgsAndData', 'first');
    expect(results).toEqual([[['a'], { b: 'B' }, 'first']]);
  });
});
