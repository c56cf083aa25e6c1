/**
 * The deprecated `api_extensions_path`: a folder whose modules each define an
 * extension, as Trove loaded them before it used stevedore. A module
 * `widgets.js` provides the class `Widgets` (the old naming rule), or a
 * default export, or any exported ExtensionDescriptor class or object.
 */
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ConfigError } from '../config';
import { EXTENSION_DESCRIPTOR } from './descriptor';
import type { WarningSink } from './manager';

const MODULE_EXTENSIONS = new Set(['.js', '.cjs', '.mjs']);

export interface PathExtensions {
  /** The objects found, by file, in file name order (still to be checked). */
  extensions: { descriptor: unknown; file: string }[];
  /** Modules that could not be loaded or define no extension. */
  problems: { file: string; reason: string }[];
}

/** The message that tells how to move an extension from the folder to a package. */
export function deprecationMessage(folder: string, configFile: string | null): string {
  const where = configFile ? ` (set in ${configFile})` : '';
  return (
    `api_extensions_path = ${folder}${where} is deprecated and will be removed. ` +
    'To migrate, publish each extension as a package whose package.json declares it: ' +
    '"entryPoints": { "trove.api.extensions": { "<name>": "./<file>.js:<ExportedClass>" } }, ' +
    'install it next to trove-api (npm install <package>), then delete api_extensions_path from the configuration file.'
  );
}

function isBranded(candidate: unknown): boolean {
  if (typeof candidate === 'function')
    return (candidate.prototype as Record<symbol, unknown>)?.[EXTENSION_DESCRIPTOR] === true;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    (candidate as Record<symbol, unknown>)[EXTENSION_DESCRIPTOR] === true
  );
}

/** Makes the extension object as stevedore invokes a plugin: a class is constructed, another function called. */
function invoke(fn: (...args: unknown[]) => unknown): unknown {
  const isClass = /^class[\s{]/.test(Function.prototype.toString.call(fn));
  return isClass ? new (fn as unknown as new () => unknown)() : fn();
}

/** The export that defines the extension: the conventional class name first, then `default`, then any descriptor. */
function pickExport(moduleExports: unknown, conventionalName: string): unknown {
  const record = (moduleExports ?? {}) as Record<string, unknown>;
  const candidates = [record[conventionalName], record.default, moduleExports, ...Object.values(record)];
  return candidates.find(isBranded) ?? record[conventionalName];
}

/**
 * Loads every module of `folder` (not those whose name starts with `_` or
 * `.`), in name order, and makes each one's extension. Emits the deprecation
 * warning. Throws {@link ConfigError} when the folder does not exist.
 */
export function loadExtensionsFromPath(
  folder: string,
  { configFile = null, warn }: { configFile?: string | null; warn: WarningSink },
): PathExtensions {
  let isFolder = false;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    // reported below
  }
  if (!isFolder) {
    throw new ConfigError(configFile, `api_extensions_path = ${folder}: no such folder`);
  }
  warn({ code: 'TROVE_API_EXTENSIONS_PATH_DEPRECATED', message: deprecationMessage(folder, configFile) });
  const result: PathExtensions = { extensions: [], problems: [] };
  const files = readdirSync(folder)
    .filter((name) => MODULE_EXTENSIONS.has(path.extname(name)) && !/^[_.]/.test(name))
    .sort();
  for (const name of files) {
    const file = path.join(folder, name);
    const base = path.basename(name, path.extname(name));
    const conventionalName = base[0].toUpperCase() + base.slice(1);
    try {
      const moduleExports: unknown = createRequire(file)(file);
      const picked = pickExport(moduleExports, conventionalName);
      if (picked === undefined) {
        result.problems.push({
          file,
          reason: `exports no ExtensionDescriptor (expected a class named ${conventionalName}, a default export, or an exported ExtensionDescriptor)`,
        });
        continue;
      }
      const descriptor = typeof picked === 'function' ? invoke(picked as (...args: unknown[]) => unknown) : picked;
      result.extensions.push({ descriptor, file });
    } catch (error) {
      result.problems.push({
        file,
        reason: `failed to load: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  return result;
}
