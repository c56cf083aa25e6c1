/**
 * Tracing through `node:diagnostics_channel`, the way undici and fastify
 * publish: two tracing channels that APM tools and profilers subscribe to.
 *
 * - `stevedore-ts:discover`: a registry's scan of the package tree (or its
 *   on-disk cache), with a {@link DiscoverTrace} context;
 * - `stevedore-ts:load`: a manager loading one entry point, with a
 *   {@link LoadTrace} context: `start` and `end` (plus `error`) around
 *   `entryPoint.load()`; for `create()`, also `asyncStart` and `asyncEnd`
 *   when the `import()` settles.
 *
 * When nobody subscribes, nothing is published and nothing is allocated: the
 * wrapped call is made directly. See docs/observability.md.
 */
import type { TracingChannel } from 'node:diagnostics_channel';
import type { EntryPoint } from './entry-point';
import type { CacheStatus, Registry } from './registry';
import type { ScanResult } from './scan';

/** The name of the tracing channel of registry scans. */
export const DISCOVER_CHANNEL = 'stevedore-ts:discover';
/** The name of the tracing channel of entry point loads. */
export const LOAD_CHANNEL = 'stevedore-ts:load';

/** The context of a `stevedore-ts:discover` trace: one registry scan. */
export interface DiscoverTrace {
  /** The registry that scans. */
  registry: Registry;
  /** The application's folder: its package.json is read first. */
  root: string;
  /** The folders of installed packages, in search order (empty under Yarn Plug'n'Play). */
  sources: readonly string[];
  /** Set before `end`: what the on-disk cache did (`hit`, else `stored`, `not-stored` or `off`). */
  cache: CacheStatus | null;
  /** Set before `end`: how many packages declare entry points. */
  packages: number;
  /** Set before `end`: how many entry points they declare, in all groups. */
  entryPoints: number;
  /** Set by the channel on `end`: the scan. */
  result?: ScanResult;
  /** Set by the channel on `error`: what the scan threw. */
  error?: unknown;
}

/** The context of a `stevedore-ts:load` trace: one entry point being loaded. */
export interface LoadTrace {
  /** The entry point being loaded. */
  entryPoint: EntryPoint;
  /** Its group (the manager's namespace). */
  group: string;
  /** Its name. */
  name: string;
  /** The declaration, `module:attr`. */
  value: string;
  /** The name of the declaring package, or null (an entry point added with `register()`). */
  package: string | null;
  /** `sync` for `new Manager()` (`require()`), `async` for `Manager.create()` (`import()`). */
  mode: 'sync' | 'async';
  /** Set by the channel on `end` (sync) or `asyncStart` (async): the loaded plugin. */
  result?: unknown;
  /** Set by the channel on `error`: why it did not load. */
  error?: unknown;
}

interface Channels {
  discover: TracingChannel<unknown, DiscoverTrace>;
  load: TracingChannel<unknown, LoadTrace>;
}

let channels: Channels | null = null;

// Made on first use, so that importing the library creates no channels. Channels are
// process-wide by name: a subscriber that came first gets these same objects.
function tracing(): Channels {
  if (!channels) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { tracingChannel } = require('node:diagnostics_channel') as typeof import('node:diagnostics_channel');
    channels = {
      discover: tracingChannel<unknown, DiscoverTrace>(DISCOVER_CHANNEL),
      load: tracingChannel<unknown, LoadTrace>(LOAD_CHANNEL),
    };
  }
  return channels;
}

/**
 * Runs a registry's scan (`load`, called on `registry`), traced on
 * `stevedore-ts:discover` when anyone subscribes.
 */
export function traceDiscover(registry: Registry, load: () => ScanResult): ScanResult {
  const channel = tracing().discover;
  if (!channel.hasSubscribers) return load();
  const context: DiscoverTrace = {
    registry,
    root: registry.root,
    sources: registry.folders,
    cache: null,
    packages: 0,
    entryPoints: 0,
  };
  return channel.traceSync(scanCounted, context, undefined, registry, load, context);
}

function scanCounted(registry: Registry, load: () => ScanResult, context: DiscoverTrace): ScanResult {
  const result = load();
  context.cache = registry.cacheStatus;
  context.packages = result.packages.length;
  for (const record of result.packages) context.entryPoints += record.declarations.length;
  return result;
}

/** `entryPoint.load()`, traced on `stevedore-ts:load` when anyone subscribes. */
export function traceLoad<T>(entryPoint: EntryPoint<T>): T {
  const channel = tracing().load;
  if (!channel.hasSubscribers) return entryPoint.load();
  return channel.traceSync(() => entryPoint.load(), loadContext(entryPoint, 'sync'));
}

/** `entryPoint.loadAsync()`, traced on `stevedore-ts:load` (with asyncStart/asyncEnd) when anyone subscribes. */
export function traceLoadAsync<T>(entryPoint: EntryPoint<T>): Promise<T> {
  const channel = tracing().load;
  if (!channel.hasSubscribers) return entryPoint.loadAsync();
  return channel.tracePromise(() => entryPoint.loadAsync(), loadContext(entryPoint, 'async'));
}

function loadContext(entryPoint: EntryPoint, mode: LoadTrace['mode']): LoadTrace {
  return {
    entryPoint,
    group: entryPoint.group,
    name: entryPoint.name,
    value: entryPoint.value,
    package: entryPoint.dist?.name ?? null,
    mode,
  };
}
