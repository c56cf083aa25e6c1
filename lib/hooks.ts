/**
 * The tapable hooks a registry offers and its managers call while loading.
 * Kept apart from the registry, which only holds them, so that discovery
 * does not depend on the managers' types.
 */
import type { SyncBailHook, SyncHook } from 'tapable';
import type { EntryPoint } from './entry-point';
import type { Extension } from './extension';

/** The tapable hooks managers call while loading. */
export interface RegistryHooks {
  /** Before an entry point is loaded; returning `false` vetoes loading it. A handler that throws fails that entry point's load. */
  beforeLoad: SyncBailHook<[EntryPoint, unknown], boolean | void>;
  /**
   * After an extension was loaded (and invoked, when asked). A handler that
   * throws makes the manager drop the extension (reported as `STEVEDORE_HOOK_FAILED`).
   */
  afterLoad: SyncHook<[Extension<unknown>, unknown]>;
  /** When an entry point failed to load or to be invoked. A handler that throws is reported, never fatal. */
  loadFailure: SyncHook<[EntryPoint, unknown, unknown]>;
}

/** New hooks (loads tapable). */
export function createHooks(): RegistryHooks {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SyncBailHook, SyncHook } = require('tapable') as typeof import('tapable');
  return {
    beforeLoad: new SyncBailHook(['entryPoint', 'manager']),
    afterLoad: new SyncHook(['extension', 'manager']),
    loadFailure: new SyncHook(['entryPoint', 'error', 'manager']),
  };
}
