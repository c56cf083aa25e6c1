/**
 * What loading one entry point gives: the plugin described (kind, name,
 * members, description) or the error serialised with its causes. This runs
 * inside the probe child process (see probe.ts), never in the command's own
 * process, so that a plugin that hangs, exits or prints cannot harm it.
 */
import type { Distribution } from '../entry-point';
import { EntryPoint } from '../entry-point';

/** What a loaded plugin is. */
export interface PluginDescription {
  /** `class`, `function`, `module` (an ES module namespace), `object`, or the `typeof` of a primitive. */
  kind: string;
  /** The function's or class's name; null for other kinds. */
  name: string | null;
  /** Exported names: keys of a module or object; methods and `static` members of a class; own keys of a function. */
  members: string[];
  /** The plugin's own `description` (a static property, or an export of that name), or null. */
  description: string | null;
}

/** An error as it can travel between processes. */
export interface SerializedError {
  name: string;
  message: string;
  code: string | null;
  stack: string | null;
  /** The chain of `cause`s, outermost first. */
  causes: { name: string; message: string; code: string | null }[];
  /** When the attribute was not found: the names the module does export. */
  moduleMembers?: string[];
}

/** The outcome of loading an entry point in the child. */
export type LoadOutcome =
  | { loaded: true; sync: boolean; plugin: PluginDescription }
  | { loaded: false; error: SerializedError; syncOnly?: undefined };

/** An entry point as it travels to the child process. */
export interface EntryPointData {
  name: string;
  value: string;
  group: string;
  dist: Distribution | null;
}

/**
 * Loads an entry point the way a manager does (`load()`, synchronous); an ES
 * module with top-level await, which only `create()` can load, is then loaded
 * with `loadAsync()` and reported with `sync: false`.
 */
export async function loadAndDescribe(data: EntryPointData): Promise<LoadOutcome> {
  const entryPoint = new EntryPoint(data.name, data.value, data.group, data.dist);
  try {
    return { loaded: true, sync: true, plugin: describePlugin(entryPoint.load()) };
  } catch (err) {
    if (errorCode(err) === 'STEVEDORE_ASYNC_MODULE') {
      try {
        return { loaded: true, sync: false, plugin: describePlugin(await entryPoint.loadAsync()) };
      } catch (asyncErr) {
        return { loaded: false, error: serializeError(asyncErr) };
      }
    }
    const error = serializeError(err);
    if (error.code === 'STEVEDORE_ATTRIBUTE_NOT_FOUND') {
      try {
        const moduleItself = new EntryPoint(data.name, entryPoint.module, data.group, data.dist).load();
        error.moduleMembers = describePlugin(moduleItself).members;
      } catch {
        // the module loaded once already; if it fails now there is nothing more to tell
      }
    }
    return { loaded: false, error };
  }
}

const FUNCTION_OWN_KEYS = new Set(['length', 'name', 'prototype', 'arguments', 'caller']);

/** Describes a loaded plugin without invoking it. */
export function describePlugin(plugin: unknown): PluginDescription {
  if (typeof plugin === 'function') {
    const isClass = /^class\b/.test(Function.prototype.toString.call(plugin));
    const statics = Object.getOwnPropertyNames(plugin).filter((key) => !FUNCTION_OWN_KEYS.has(key));
    const members = isClass ? [...prototypeMethods(plugin), ...statics.map((key) => `static ${key}`)] : statics;
    return {
      kind: isClass ? 'class' : 'function',
      name: plugin.name || null,
      members,
      description: ownDescription(plugin),
    };
  }
  if (typeof plugin === 'object' && plugin !== null) {
    const isModule = Object.prototype.toString.call(plugin) === '[object Module]';
    return {
      kind: isModule ? 'module' : 'object',
      name: null,
      members: Object.keys(plugin),
      description: ownDescription(plugin),
    };
  }
  return { kind: plugin === null ? 'null' : typeof plugin, name: null, members: [], description: null };
}

function prototypeMethods(cls: Function): string[] {
  const methods = new Set<string>();
  for (
    let proto = cls.prototype as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) if (key !== 'constructor') methods.add(key);
  }
  return [...methods];
}

function ownDescription(plugin: object): string | null {
  try {
    const description = (plugin as { description?: unknown }).description;
    return typeof description === 'string' && description.trim() ? description : null;
  } catch {
    return null; // a getter that throws
  }
}

function errorCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : null;
}

/** An error (or any thrown value) as plain data. */
export function serializeError(err: unknown): SerializedError {
  const base = summarize(err);
  const causes: SerializedError['causes'] = [];
  const seen = new Set<unknown>([err]);
  for (
    let cause = causeOf(err);
    cause !== undefined && !seen.has(cause) && causes.length < 10;
    cause = causeOf(cause)
  ) {
    seen.add(cause);
    causes.push(summarize(cause));
  }
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : null;
  return { ...base, stack, causes };
}

function summarize(err: unknown): { name: string; message: string; code: string | null } {
  if (err instanceof Error) return { name: err.name, message: err.message, code: errorCode(err) };
  let message: string;
  try {
    message = typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
  } catch {
    message = String(err);
  }
  return { name: 'thrown value', message, code: errorCode(err) };
}

function causeOf(err: unknown): unknown {
  return err instanceof Error ? err.cause : undefined;
}
