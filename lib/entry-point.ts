/**
 * Entry points: the parsed form of one `name -> value` declaration in a
 * package.json `entryPoints` group, and the code that loads what it names.
 *
 * The value grammar is Python's: `MODULE[:ATTR[.ATTR...]][ [EXTRA, ...]]`,
 * with Node module specifiers in place of dotted module names.
 */
import { isBuiltin } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidEntryPoint, LoadError } from './exception';
import { realFolder, realpathOrResolved, requireFrom, resolveImport } from './resolve';
import { kindOf, quote } from './quote';

/** The package that declared an entry point. */
export interface Distribution {
  /** The `name` in its package.json. */
  readonly name: string;
  /** The `version` in its package.json ('' when it has none). */
  readonly version: string;
  /** The real path of the package's folder. */
  readonly root: string;
}

/** The three parts of an entry point value. */
export interface ParsedValue {
  module: string;
  attr: string | null;
  extras: string[];
}

const EXTRA_NAME = /^[\w.-]+$/;
const ATTR = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*(?:\.[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*)*$/u;
// The common case, tested first because it is much cheaper than the Unicode one.
const ASCII_ATTR = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;
const URL_SCHEME = /^[a-z][a-z\d+.-]*:/i;
// `scheme://...`, `data:type/subtype,...` or a well-known scheme: a URL, whatever the split at the last `:` made of it.
const URL_LIKE = /^[a-z][a-z\d+.-]*:(?:\/|[\w.+-]+\/[\w.+-]+[;,])|^(?:file|data|https?|blob|javascript):/i;
const WINDOWS_ABSOLUTE = /^[a-z]:[\\/]/i;
// One segment of a bare specifier: no white space, no backslash, not `.`/`..`.
const BARE_SEGMENT = /^(?!\.\.?$)[^\s\\/]+$/;
// The shape nearly every value has (`./dist/plugin.js:Plugin`, `./index.js`): what the general rules below
// make of it, with one match. (`..` is looked for apart: such a path may lead outside the package.)
const PLAIN_PATH = /^(\.\/[\w./-]*)(?::([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*))?$/;
// Every pattern above is anchored and has one way to match each character, so none backtracks
// more than linearly on a long value; `[extras]` is found with lastIndexOf, not with a pattern.

const EXTRAS_FORM = 'extras go last, as MODULE[:ATTR] [EXTRA, ...]';

/**
 * Parses an entry point value. Throws {@link InvalidEntryPoint} with the
 * reason when it does not follow the grammar or names a module that may never
 * be loaded (a path outside the package, an absolute path, a URL).
 */
export function parseEntryPointValue(value: unknown): ParsedValue {
  if (typeof value !== 'string') {
    throw new InvalidEntryPoint(value, `expected a string, got ${kindOf(value)}`);
  }
  const plain = PLAIN_PATH.exec(value);
  if (plain !== null && !plain[1].includes('..')) return { module: plain[1], attr: plain[2] ?? null, extras: [] };
  let rest = value;
  let extras: string[] = [];
  // `[extras]` is the bracketed part that ends the value (trailing white space aside).
  const close = value.lastIndexOf(']');
  if (close !== -1 && value.slice(close + 1).trim() === '') {
    const open = value.lastIndexOf('[', close);
    if (open === -1 || value.lastIndexOf(']', close - 1) > open) {
      throw new InvalidEntryPoint(value, `a "]" without its "[" (${EXTRAS_FORM})`);
    }
    rest = value.slice(0, open);
    extras = value
      .slice(open + 1, close)
      .split(',')
      .map((extra) => extra.trim())
      .filter(Boolean);
    const bad = extras.find((extra) => !EXTRA_NAME.test(extra));
    if (bad !== undefined) throw new InvalidEntryPoint(value, `bad extra name ${quote(bad)}`);
  }
  const reason = bracketProblem(rest);
  if (reason) throw new InvalidEntryPoint(value, reason);
  rest = rest.trim();
  const prefix = rest.startsWith('node:') ? 'node:' : '';
  const body = rest.slice(prefix.length);
  const colon = body.lastIndexOf(':');
  const module = prefix + (colon === -1 ? body : body.slice(0, colon)).trim();
  const attr = colon === -1 ? null : body.slice(colon + 1).trim();
  if (attr !== null && !ASCII_ATTR.test(attr) && !ATTR.test(attr)) {
    // A URL or a Windows path also has a ":"; name what it is rather than blame the "attribute".
    if (URL_LIKE.test(rest)) throw new InvalidEntryPoint(value, URL_REASON);
    if (WINDOWS_ABSOLUTE.test(rest)) throw new InvalidEntryPoint(value, 'absolute paths are not allowed');
    throw new InvalidEntryPoint(
      value,
      attr === ''
        ? 'nothing after ":" (write MODULE or MODULE:ATTR)'
        : `attribute ${quote(attr)} is not a dotted path of JavaScript identifiers`,
    );
  }
  const problem = moduleProblem(module);
  if (problem) throw new InvalidEntryPoint(value, problem);
  return { module, attr, extras };
}

/** Why the part before `[extras]` may not hold a bracket, or null when it holds none. */
function bracketProblem(rest: string): string | null {
  const open = rest.indexOf('[');
  const close = rest.indexOf(']');
  if (open === -1 && close === -1) return null;
  if (close === -1) return `an unclosed "[" (${EXTRAS_FORM})`;
  if (open === -1 || close < open) return `a "]" without its "[" (${EXTRAS_FORM})`;
  return `brackets may only hold the extras, at the end (${EXTRAS_FORM})`;
}

/** Formats parsed parts back into a value string: the inverse of parsing. */
export function formatEntryPointValue({ module, attr, extras }: ParsedValue): string {
  return module + (attr === null ? '' : `:${attr}`) + (extras.length ? ` [${extras.join(', ')}]` : '');
}

/**
 * Whether a `./` path climbs out of its package through `..` segments (`/` and `\\` both separate them, as
 * Windows reads them). One pass keeping a depth, where `path.posix.normalize` builds a string per `..` and so
 * costs the square of the length on a value of a megabyte of `./../`.
 */
export function leavesPackage(modulePath: string): boolean {
  // Only a `..` segment can lead out (most values have none: one native search settles them).
  if (!modulePath.includes('..')) return false;
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= modulePath.length; i++) {
    const char = modulePath.charCodeAt(i);
    if (i < modulePath.length && char !== SLASH && char !== BACKSLASH) continue;
    const length = i - start;
    const dot = modulePath.charCodeAt(start) === DOT;
    if (length === 2 && dot && modulePath.charCodeAt(start + 1) === DOT) {
      if (--depth < 0) return true;
    } else if (length > 1 || (length === 1 && !dot)) {
      depth++;
    }
    start = i + 1;
  }
  return false;
}

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const DOT = 0x2e;

const URL_REASON = 'URLs are not allowed (use a package name or a "./" path)';

function moduleProblem(module: string): string | null {
  if (module === '') return 'the module is empty';
  if (module.startsWith('node:')) {
    return isBuiltin(module) ? null : `${quote(module)} is not a Node.js built-in module`;
  }
  if (module.startsWith('./')) return leavesPackage(module) ? 'the path leads outside its package' : null;
  if (module === '.' || module === '..' || module.startsWith('../') || module.startsWith('.\\')) {
    return 'relative paths must start with "./" and stay inside the package';
  }
  if (path.isAbsolute(module) || path.win32.isAbsolute(module)) return 'absolute paths are not allowed';
  if (URL_SCHEME.test(module)) return URL_REASON;
  // npm names cannot hold a `:`; one here is a stray separator (`::x`).
  if (module.includes(':')) return `${quote(module)} is not a package name: it holds a ":"`;
  const segments = module.split('/');
  const nameLength = module.startsWith('@') ? 2 : 1;
  if (segments.length < nameLength || !segments.every((segment) => BARE_SEGMENT.test(segment))) {
    return `${quote(module)} is not a package name, a package subpath or a "./" path`;
  }
  if (module.startsWith('.')) return 'package names cannot start with "."';
  return null;
}

/** How a resolved module is to be loaded. */
export type ModuleFormat = 'builtin' | 'commonjs' | 'module' | 'json' | 'addon';

/** Where an entry point comes from, which decides how it loads and how a trust policy judges it. */
export type EntryPointOrigin =
  /** Declared in a package.json that discovery read (or built by hand from a value string). */
  | 'discovered'
  /** Collected at build time into a bundle's generated module (`registerBundled()`). */
  | 'bundled'
  /** Added in-process with `registry.register()`. */
  | 'registered';

// What each folder's package.json says about format: its `type`, nothing (no
// package.json: look further up), or why it cannot be read.
type FolderType = { type: string } | { none: true } | { invalid: string };
const typeOfFolder = new Map<string, FolderType>();

function folderType(dir: string): FolderType {
  const file = path.join(dir, 'package.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return { none: true };
    return { invalid: `cannot read ${file}: ${(err as Error).message}` };
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (err) {
    return { invalid: `${file} is not valid JSON: ${(err as Error).message}` };
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    return { invalid: `${file} does not hold a JSON object` };
  }
  const type = (manifest as { type?: unknown }).type;
  return { type: typeof type === 'string' ? type : 'commonjs' };
}

/**
 * The `type` of the nearest package.json, as Node decides a `.js` file's
 * format; undefined when there is none up to the filesystem root. A nearest
 * package.json that cannot be read or parsed is an error, as it is to Node
 * (`ERR_INVALID_PACKAGE_CONFIG`): looking further up could pick the wrong loader.
 */
function packageTypeFor(file: string): string | undefined {
  const visited: string[] = [];
  let found: FolderType = { none: true };
  for (let dir = path.dirname(file); ;) {
    const known = typeOfFolder.get(dir);
    found = known ?? folderType(dir);
    if (!known) visited.push(dir);
    if (!('none' in found)) break;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // Every folder walked through answers the same as the one that decided.
  for (const dir of visited) typeOfFolder.set(dir, found);
  if ('invalid' in found) {
    throw new LoadError(
      `cannot tell the module format of ${file}: ${found.invalid} (Node refuses it too: ERR_INVALID_PACKAGE_CONFIG)`,
      'STEVEDORE_INVALID_PACKAGE_CONFIG',
    );
  }
  return 'type' in found ? found.type : undefined;
}

export function formatOf(resolved: string): ModuleFormat {
  if (isBuiltin(resolved)) return 'builtin';
  const ext = path.extname(resolved);
  if (ext === '.mjs' || ext === '.mts') return 'module';
  if (ext === '.cjs' || ext === '.cts') return 'commonjs';
  if (ext === '.json') return 'json';
  if (ext === '.node') return 'addon';
  return packageTypeFor(resolved) === 'module' ? 'module' : 'commonjs';
}

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

const NO_EXTRAS: readonly string[] = Object.freeze([]);

/** The data fields of an entry point, writable (for building one without its constructor). */
type Writable<E extends EntryPoint> = {
  -readonly [K in 'name' | 'value' | 'group' | 'dist' | 'module' | 'attr' | 'extras']: E[K];
};

function isNamespace(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === '[object Module]';
}

/**
 * A named entry point in a group, as a package declared it. Loading it runs
 * the declaring package's code; constructing it does not.
 */
export class EntryPoint<T = unknown> {
  /** The module specifier: a `./` path inside the package, or a bare or `node:` specifier. */
  readonly module: string;
  /** The dotted attribute path to walk from the module, or null for the module itself. */
  readonly attr: string | null;
  /** The `[extras]` of the value; informative only. */
  readonly extras: readonly string[];

  /**
   * @param name The entry point's name within its group.
   * @param value The declaration, `MODULE[:ATTR[.ATTR...]][ [EXTRA, ...]]`.
   * @param group The group (namespace) it belongs to.
   * @param dist The declaring package; relative modules resolve from its root,
   *   and bare specifiers with Node's resolution from there. Without one, from
   *   the current folder.
   */
  constructor(
    readonly name: string,
    readonly value: string,
    readonly group: string,
    readonly dist: Distribution | null = null,
  ) {
    const parsed = new.target.parse(value);
    this.module = parsed.module;
    this.attr = parsed.attr;
    this.extras = parsed.extras.length === 0 ? NO_EXTRAS : Object.freeze(parsed.extras);
  }

  /**
   * An entry point whose value was already parsed (by a scan, or read back
   * from the on-disk cache of one): the parts are taken as they are.
   */
  static fromParsed<T = unknown>(
    name: string,
    value: string,
    group: string,
    parsed: ParsedValue,
    dist: Distribution | null = null,
  ): EntryPoint<T> {
    // Plain assignments in the constructor's order: a scan makes thousands of these.
    const entryPoint = Object.create(EntryPoint.prototype) as EntryPoint<T>;
    const fields = entryPoint as Writable<EntryPoint<T>>;
    fields.name = name;
    fields.value = value;
    fields.group = group;
    fields.dist = dist;
    fields.module = parsed.module;
    fields.attr = parsed.attr;
    fields.extras = parsed.extras.length === 0 ? NO_EXTRAS : Object.freeze([...parsed.extras]);
    return entryPoint;
  }

  /** Where this entry point comes from: discovered in a package.json, bundled at build time, or registered in-process. */
  get origin(): EntryPointOrigin {
    return 'discovered';
  }

  /** Parses the value; subclasses that are not declared in a package.json override it. */
  protected static parse(value: string): ParsedValue {
    return parseEntryPointValue(value);
  }

  /** The folder that relative modules and bare specifiers resolve from. */
  get baseDir(): string {
    return this.dist?.root ?? process.cwd();
  }

  /**
   * Resolves the module to a file path (or a built-in's id) the way Node
   * would from the declaring package, refusing `./` paths that leave the
   * package once symlinks are followed.
   */
  resolve(): string {
    const base = this.baseDir;
    const resolved = requireFrom(base).resolve(this.module);
    if (this.module.startsWith('./') && !isBuiltin(resolved)) {
      const realBase = realFolder(base);
      const realTarget = realpathOrResolved(resolved);
      if (realTarget !== realBase && !realTarget.startsWith(realBase + path.sep)) {
        throw new LoadError(
          `entry point '${this.name}' (${this.value}) resolves to ${realTarget}, outside its package ${realBase}`,
          'STEVEDORE_OUTSIDE_PACKAGE',
        );
      }
    }
    return resolved;
  }

  /**
   * Loads the plugin synchronously with `require()`, which loads CommonJS and
   * ES modules alike, except ES modules that use top-level await: for those
   * use {@link loadAsync} (or a manager's `create()`).
   */
  load(): T {
    const resolved = this.resolve();
    let loaded: unknown;
    try {
      loaded = requireFrom(this.baseDir)(resolved);
    } catch (err) {
      if ((err as NodeJS.ErrnoException)?.code === 'ERR_REQUIRE_ASYNC_MODULE') {
        throw new LoadError(
          `entry point '${this.name}' (${this.value}) is an ES module with top-level await, ` +
            'which cannot be loaded synchronously: build the manager with its static create() method ' +
            '(or call entryPoint.loadAsync())',
          'STEVEDORE_ASYNC_MODULE',
          { cause: err },
        );
      }
      throw this.withTypeScriptHint(resolved, err);
    }
    return this.resolveAttr(loaded);
  }

  /**
   * Resolves the module the way `import()` would from the declaring package:
   * like {@link resolve}, except that a bare specifier matches the `import`
   * conditions of the package's `exports` (an import-only export resolves,
   * and a dual package gives its ES module build).
   */
  resolveForImport(): string {
    if (this.module.startsWith('./') || isBuiltin(this.module)) return this.resolve();
    return resolveImport(this.module, this.baseDir);
  }

  /**
   * Loads the plugin with a real `import()` for ES modules (top-level await
   * included) and `require()` for CommonJS, JSON and built-ins, so that both
   * paths share one module instance.
   */
  async loadAsync(): Promise<T> {
    const resolved = this.resolveForImport();
    const format = formatOf(resolved);
    let loaded: unknown;
    try {
      loaded = format === 'module' ? await import(pathToFileURL(resolved).href) : requireFrom(this.baseDir)(resolved);
    } catch (err) {
      throw this.withTypeScriptHint(resolved, err);
    }
    return this.resolveAttr(loaded);
  }

  /**
   * A TypeScript file that Node cannot run by itself (no TypeScript loader)
   * fails with a syntax error or an unknown extension: say what to do.
   */
  private withTypeScriptHint(resolved: string, err: unknown): unknown {
    const error = err as NodeJS.ErrnoException | null;
    const unrunnable = error?.name === 'SyntaxError' || error?.code === 'ERR_UNKNOWN_FILE_EXTENSION';
    if (!TYPESCRIPT_EXTENSIONS.has(path.extname(resolved)) || !unrunnable) return err;
    return new LoadError(
      `entry point '${this.name}' (${this.value}) is TypeScript (${resolved}), which Node cannot run by itself: ` +
        'start the application with a TypeScript loader (e.g. node --import tsx)',
      'STEVEDORE_TYPESCRIPT',
      { cause: err },
    );
  }

  /**
   * Walks `attr` from the loaded module. An ES namespace that lacks the first
   * name but whose `default` has it (a CommonJS module imported) is walked from `default`.
   */
  protected resolveAttr(loaded: unknown): T {
    if (this.attr === null) return loaded as T;
    const parts = this.attr.split('.');
    let target: unknown = loaded;
    if (isNamespace(loaded) && !(parts[0] in loaded) && hasProperty(loaded.default, parts[0])) {
      target = loaded.default;
    }
    for (const part of parts) {
      if (!hasProperty(target, part)) {
        throw new LoadError(
          `entry point '${this.name}' (${this.value}): module '${this.module}' has no attribute '${this.attr}'`,
          'STEVEDORE_ATTRIBUTE_NOT_FOUND',
        );
      }
      target = (target as Record<string, unknown>)[part];
    }
    return target as T;
  }

  /** The declaration as `name = value`, as Python prints entry points. */
  toString(): string {
    return `${this.name} = ${this.value}`;
  }

  /** The declaration as data: what `JSON.stringify()` writes (the parsed parts follow from `value`). */
  toJSON(): { name: string; value: string; group: string; dist: Distribution | null } {
    return { name: this.name, value: this.value, group: this.group, dist: this.dist };
  }
}

function hasProperty(target: unknown, key: string): boolean {
  if (target === null || target === undefined || key === '__proto__') return false;
  return key in Object(target);
}
