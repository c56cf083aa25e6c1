/**
 * ExtensionManager: which API extensions the service runs (Trove's
 * `trove.common.extensions.ExtensionManager`). Extensions come from the
 * `trove.api.extensions` entry point namespace through stevedore-ts's
 * EnabledExtensionManager (invoked on load, kept when the object is an
 * ExtensionDescriptor), then from the deprecated `api_extensions_path` folder.
 * Of two extensions with the same alias, the first loaded is served and the
 * other is left out with a warning, as Trove does (its `add_extension` raises,
 * and stevedore's `map()` logs that and goes on).
 */
import type { EntryPoint, Extension, Registry } from 'stevedore-ts';
import { EnabledExtensionManager } from 'stevedore-ts';
import type { ExtensionDescriptorLike } from './descriptor';
import { checkExtensionDescriptor, REQUIRED_METHODS } from './descriptor';
import { loadExtensionsFromPath } from './legacy';

/** Where an extension came from. */
export type ExtensionSource =
  | {
      kind: 'entry-point';
      /** The entry point name and value, e.g. `mgmt` and `./dist/extensions/mgmt.js:Mgmt`. */
      entryPoint: string;
      value: string;
      /** The declaring package (null for one registered in-process). */
      package: string | null;
      version: string | null;
    }
  | { kind: 'path'; file: string };

export interface LoadedExtension {
  alias: string;
  descriptor: ExtensionDescriptorLike;
  source: ExtensionSource;
}

export interface SkippedExtension {
  /** How it is named in warnings: the entry point or the file. */
  label: string;
  source: ExtensionSource;
  reason: string;
}

/** A warning the service reports (by default with `process.emitWarning`). */
export interface ServiceWarning {
  code: 'TROVE_EXTENSION_SKIPPED' | 'TROVE_DUPLICATE_EXTENSION' | 'TROVE_API_EXTENSIONS_PATH_DEPRECATED';
  message: string;
}

export type WarningSink = (warning: ServiceWarning) => void;

/** Two extensions share an alias: the second is left out (the error is reported as a warning). */
export class DuplicateExtensionError extends Error {
  readonly code = 'TROVE_DUPLICATE_EXTENSION';
  /**
   * @param alias The alias both extensions have.
   * @param sources The one in service, then the one left out.
   */
  constructor(
    readonly alias: string,
    readonly sources: [ExtensionSource, ExtensionSource],
  ) {
    super(
      `Found duplicate extension: ${alias} (serving ${describeSource(sources[0])}; ` +
        `ignoring ${describeSource(sources[1])}): uninstall one of them or remove it from api_extensions_path`,
    );
    this.name = 'DuplicateExtensionError';
  }
}

/** `trove-ext-sample@1.0.0 (entry point sample = ./lib/index.js:SampleExtension)`, or the file. */
export function describeSource(source: ExtensionSource): string {
  if (source.kind === 'path') return `${source.file} (api_extensions_path)`;
  const where = source.package ? `${source.package}@${source.version}` : 'in-process registration';
  return `${where} (entry point ${source.entryPoint} = ${source.value})`;
}

function entryPointSource(entryPoint: EntryPoint): ExtensionSource {
  return {
    kind: 'entry-point',
    entryPoint: entryPoint.name,
    value: entryPoint.value,
    package: entryPoint.dist?.name ?? null,
    version: entryPoint.dist?.version ?? null,
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads the five descriptive fields, as Trove's `_check_extension` does: a
 * method that throws or returns something other than a string makes the
 * extension unusable. Returns the reason, or null.
 */
function describeProblem(descriptor: ExtensionDescriptorLike): string | null {
  for (const method of REQUIRED_METHODS) {
    let value: unknown;
    try {
      value = descriptor[method]();
    } catch (error) {
      return `${method}() threw: ${errorMessage(error)}`;
    }
    if (typeof value !== 'string' || (method === 'getAlias' && !value)) {
      return `${method}() must return a ${method === 'getAlias' ? 'non-empty ' : ''}string, got ${JSON.stringify(value)}`;
    }
  }
  return null;
}

/** Why `value` cannot serve as an extension (the check, then its descriptive fields), or null. */
function problemWith(value: unknown): string | null {
  return checkExtensionDescriptor(value) ?? describeProblem(value as ExtensionDescriptorLike);
}

export interface ExtensionManagerOptions {
  /** Where entry points come from (stevedore-ts's default registry when omitted). */
  registry?: Registry;
  /** The deprecated `api_extensions_path` folder, already resolved; null when not set. */
  extensionsPath?: string | null;
  /** The configuration file that set `api_extensions_path`, named in the deprecation warning. */
  configFile?: string | null;
  /** Receives the warnings; default `process.emitWarning`. */
  warn?: WarningSink;
}

export class ExtensionManager {
  static readonly EXT_NAMESPACE = 'trove.api.extensions';

  /** The extensions in service, by alias, in load order. */
  readonly extensions = new Map<string, LoadedExtension>();
  /** The extensions left out, with the reason (each was also reported as a warning). */
  readonly skipped: SkippedExtension[] = [];
  /** The extensions left out because an earlier one has their alias. */
  readonly duplicates: DuplicateExtensionError[] = [];
  /** The stevedore-ts manager that loaded the entry points. */
  readonly apiExtensionManager: EnabledExtensionManager<ExtensionDescriptorLike>;
  private readonly warn: WarningSink;

  /** Loads every extension (throws a ConfigError when `extensionsPath` is not a folder). */
  constructor({
    registry,
    extensionsPath = null,
    configFile = null,
    warn = emitServiceWarning,
  }: ExtensionManagerOptions = {}) {
    this.warn = warn;
    this.apiExtensionManager = new EnabledExtensionManager<ExtensionDescriptorLike>(
      ExtensionManager.EXT_NAMESPACE,
      (extension) => this.checkLoadExtension(extension),
      {
        invokeOnLoad: true,
        registry,
        onLoadFailureCallback: (_manager, entryPoint, error) =>
          this.skip(entryPointSource(entryPoint), `failed to load: ${errorMessage(error)}`),
      },
    );
    for (const extension of this.apiExtensionManager.extensions) {
      this.addExtension(extension.obj as ExtensionDescriptorLike, entryPointSource(extension.entryPoint!));
    }
    if (extensionsPath) {
      const found = loadExtensionsFromPath(extensionsPath, { configFile, warn });
      for (const problem of found.problems) this.skip({ kind: 'path', file: problem.file }, problem.reason);
      for (const { descriptor, file } of found.extensions) {
        const reason = problemWith(descriptor);
        if (reason) this.skip({ kind: 'path', file }, reason);
        else this.addExtension(descriptor as ExtensionDescriptorLike, { kind: 'path', file });
      }
    }
  }

  /** The check given to EnabledExtensionManager: an ExtensionDescriptor whose fields can be read. */
  private checkLoadExtension(extension: Extension<ExtensionDescriptorLike>): boolean {
    const reason = problemWith(extension.obj);
    if (reason) this.skip(entryPointSource(extension.entryPoint!), reason);
    return reason === null;
  }

  private addExtension(descriptor: ExtensionDescriptorLike, source: ExtensionSource): void {
    const alias = descriptor.getAlias();
    const existing = this.extensions.get(alias);
    if (existing) {
      const duplicate = new DuplicateExtensionError(alias, [existing.source, source]);
      this.duplicates.push(duplicate);
      this.warn({ code: duplicate.code, message: duplicate.message });
      return;
    }
    this.extensions.set(alias, { alias, descriptor, source });
  }

  /** Leaves an extension out, with a warning naming it. */
  skip(source: ExtensionSource, reason: string): void {
    const label = describeSource(source);
    this.skipped.push({ label, source, reason });
    this.warn({ code: 'TROVE_EXTENSION_SKIPPED', message: `Skipping API extension ${label}: ${reason}` });
  }

  /** Takes a loaded extension out of service (it failed to register its resources). */
  remove(alias: string, reason: string): void {
    const loaded = this.extensions.get(alias);
    if (!loaded) return;
    this.extensions.delete(alias);
    this.skip(loaded.source, reason);
  }
}

/** The default warning sink: a Node warning, visible on stderr unless silenced. */
export function emitServiceWarning({ code, message }: ServiceWarning): void {
  process.emitWarning(message, {
    type: code === 'TROVE_API_EXTENSIONS_PATH_DEPRECATED' ? 'DeprecationWarning' : 'Warning',
    code,
  });
}
