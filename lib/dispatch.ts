/**
 * Dispatch managers load every enabled extension once and choose, call by
 * call, which of them to run (stevedore/dispatch.py).
 */
import type { Extension, PluginType } from './extension';
import { callExtensionMethod } from './extension';
import { EnabledExtensionManager } from './enabled';
import { debug } from './diagnostics';

/** Decides, for one call, whether an extension takes part: `(extension, ...args)`. */
export type FilterFunc<T = unknown, A extends unknown[] = unknown[]> = (extension: Extension<T>, ...args: A) => unknown;

/** Loads all plugins and filters on execution: for long-running processes that pass different inputs to different extensions. */
export class DispatchExtensionManager<T = unknown, N extends string = string> extends EnabledExtensionManager<T, N> {
  // The @ts-expect-error directives below end their methods' doc comments: the .d.ts keeps them (consumers
  // that type-check libraries, skipLibCheck: false, would fail otherwise), and TypeDoc still shows the docs.
  /**
   * Calls `func(extension, ...args)` for each extension for which
   * `filterFunc(extension, ...args)` is truthy. Throws NoMatches when there
   * are no extensions at all.
   *
   * @ts-expect-error -- dispatch's map takes a filter first, as in stevedore */
  override map<U, A extends unknown[]>(
    filterFunc: FilterFunc<PluginType<T, this['namespace']>, A>,
    func: (extension: Extension<PluginType<T, this['namespace']>>, ...args: A) => U,
    ...args: A
  ): U[] {
    this._requireExtensions();
    const results: U[] = [];
    for (const extension of this.extensions) {
      if (filterFunc(extension, ...args)) this._invokeOnePlugin(results, func, extension, args);
    }
    return results;
  }

  /**
   * Calls method `methodName` of each extension's `obj` that `filterFunc` selects.
   *
   * @ts-expect-error -- dispatch's mapMethod takes a filter first, as in stevedore */
  override mapMethod(
    filterFunc: FilterFunc<PluginType<T, this['namespace']>>,
    methodName: string,
    ...args: unknown[]
  ): unknown[] {
    return this.map(filterFunc, callExtensionMethod, methodName, ...args);
  }
}

/**
 * Loads all plugins and filters on execution by name: for processes that can
 * tell which extensions to call before calling them.
 */
export class NameDispatchExtensionManager<T = unknown, N extends string = string> extends DispatchExtensionManager<
  T,
  N
> {
  /** The extensions by name (an object without prototype, so any name is a plain key). */
  declare byName: Record<string, Extension<PluginType<T, this['namespace']>>>;

  protected override _initPlugins(extensions: Extension<PluginType<T, N>>[]): void {
    super._initPlugins(extensions);
    const byName = Object.create(null) as Record<string, Extension<PluginType<T, this['namespace']>>>;
    for (const extension of this.extensions) byName[extension.name] = extension;
    this.byName = byName;
  }

  /**
   * Calls `func(extension, ...args)` for each name in `names` that has an
   * extension, in the order of `names`; unknown names are ignored.
   *
   * @ts-expect-error -- name dispatch's map takes names first, as in stevedore */
  override map<U, A extends unknown[]>(
    names: Iterable<string>,
    func: (extension: Extension<PluginType<T, this['namespace']>>, ...args: A) => U,
    ...args: A
  ): U[] {
    const results: U[] = [];
    for (const name of names) {
      const extension = Object.hasOwn(this.byName, name) ? this.byName[name] : undefined;
      if (extension) this._invokeOnePlugin(results, func, extension, args);
      else debug.manager('Missing extension %s being ignored', name);
    }
    return results;
  }

  /**
   * Calls method `methodName` of the `obj` of each named extension.
   *
   * @ts-expect-error -- name dispatch's mapMethod takes names first, as in stevedore */
  override mapMethod(names: Iterable<string>, methodName: string, ...args: unknown[]): unknown[] {
    return this.map(names, callExtensionMethod, methodName, ...args);
  }
}
