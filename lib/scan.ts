/**
 * Discovery: reads the package.json files of a package tree and collects the
 * `entryPoints` they declare. It only reads JSON; it never runs package code.
 *
 * Most installed packages declare no entry points, so a file is parsed only
 * when its bytes contain `"entryPoints"`: reading every file is unavoidable,
 * parsing every one is not.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
} from 'node:fs';
import type { BigIntStats, Dirent, Stats } from 'node:fs';
import path from 'node:path';
import type { Distribution, ParsedValue } from './entry-point';
import type { Resolved } from './links';
import { LinkResolver } from './links';
import { parseEntryPointValue } from './entry-point';
import type { WarningCode } from './diagnostics';
import { debug } from './diagnostics';
import { duplicateDeclarationProblems } from './duplicate-keys';

/** One `[group, name, value, parsed]` declaration: the value as written and its parsed parts. */
export type Declaration = [group: string, name: string, value: string, parsed: ParsedValue];

/** A package that declares entry points, as found by a scan. */
export interface PackageRecord {
  dist: Distribution;
  /** The name it is installed under (the folder name; differs from `dist.name` for an alias). */
  installedAs: string;
  /** The folder it was found in: a node_modules folder, a NODE_PATH folder, or `root`. */
  source: string;
  declarations: Declaration[];
}

/** A copy of a package hidden by one of the same name found earlier (Node resolves the nearest). */
export interface ShadowedPackage {
  installedAs: string;
  path: string;
  source: string;
}

/** A declaration or a file that was skipped, and why. */
export interface Problem {
  code: WarningCode;
  /** The package.json (or folder) it is about. */
  file: string;
  reason: string;
  /** The group of a skipped declaration; null when the problem is the whole file or its `entryPoints` field. */
  group: string | null;
  /** The entry point name of a skipped declaration; null when a whole group or file was skipped. */
  name: string | null;
}

/**
 * A path whose state the scan depended on, with its stat signature (`-` when
 * missing). A signature starting with `l` is the link's own (lstat): a symbolic
 * link that resolution went through.
 */
export type WatchEntry = [path: string, signature: string];

export interface ScanResult {
  packages: PackageRecord[];
  shadowed: ShadowedPackage[];
  problems: Problem[];
  /** What the on-disk cache compares to decide whether this result is still true. */
  watch: WatchEntry[];
}

// Files that npm, pnpm and Yarn rewrite inside node_modules on every install.
const PACKAGE_MANAGER_FILES = new Set(['.package-lock.json', '.modules.yaml', '.yarn-state.yml', '.yarn-integrity']);
const MARKER_TEXT = '"entryPoints"';
const MARKER = Buffer.from(MARKER_TEXT);
// Node reads package.json as UTF-8 only; a UTF-16 file that declares entry points is reported, not ignored.
const MARKER_UTF16LE = Buffer.from('"entryPoints"', 'utf16le');
const MARKER_UTF16BE = Buffer.from(MARKER_UTF16LE).swap16();
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The stat fields that change when a file or folder changes, in one
 * comparable string: modification and change time in milliseconds (as Node's
 * `mtimeMs`, a double: exact to a fraction of a microsecond, far finer than
 * the window in which the cache refuses to store a scan), size and inode.
 */
export function signature(stats: Stats | BigIntStats | null): string {
  if (!stats) return '-';
  if (typeof stats.size === 'bigint') {
    const big = stats as BigIntStats;
    return `${msOf(big.mtimeNs)}/${msOf(big.ctimeNs)}/${big.size}/${big.ino}`;
  }
  return `${stats.mtimeMs}/${stats.ctimeMs}/${stats.size}/${stats.ino}`;
}

/** Nanoseconds as the double Node gives for `mtimeMs` (seconds * 1e3 + nanoseconds / 1e6). */
function msOf(ns: bigint): number {
  return Number(ns / 1_000_000_000n) * 1e3 + Number(ns % 1_000_000_000n) / 1e6;
}

/** The signature of a path now; `-` when it does not exist. */
export function signatureOf(file: string): string {
  try {
    return signature(statSync(file, { throwIfNoEntry: false }) ?? null);
  } catch {
    return '-';
  }
}

/** The signature of a symbolic link itself (`l` + its lstat signature; `l-` when missing). */
export function linkSignature(stats: Stats | BigIntStats | null): string {
  return `l${signature(stats)}`;
}

/** The link signature of a path now. */
export function linkSignatureOf(file: string): string {
  try {
    return linkSignature(lstatSync(file, { throwIfNoEntry: false }) ?? null);
  } catch {
    return 'l-';
  }
}

class Scan {
  readonly result: ScanResult = { packages: [], shadowed: [], problems: [], watch: [] };
  private readonly seenNames = new Set<string>();
  private readonly seenPaths = new Set<string>();
  /** The real paths of the folders that are listed and watched: a link inside one needs no watch of its own. */
  private readonly watchedDirs = new Set<string>();
  private readonly watchedLinks = new Set<string>();
  private readonly links = new LinkResolver((link, stats, realParent) => {
    // Replacing a link changes the folder holding it: watched already when that folder is.
    if (this.watchedDirs.has(realParent) || this.watchedLinks.has(link)) return;
    this.watchedLinks.add(link);
    this.watch(link, null, linkSignature(stats));
  });
  /** Each folder of installed packages: where it leads (null when nowhere), or why it cannot be read. */
  private readonly sources = new Map<string, Resolved | { error: unknown }>();
  /** The real paths of the folders of installed packages, each ending with a separator. */
  private readonly realSources: string[] = [];

  /** Resolves the folders of installed packages first: a package linked into one of them is watched through it. */
  constructor(folders: readonly string[]) {
    for (const folder of folders) {
      if (this.sources.has(folder)) continue;
      let where: Resolved | { error: unknown };
      try {
        where = this.links.resolve(folder);
        if (where.stats.isDirectory()) this.realSources.push(where.real + path.sep);
      } catch (error) {
        where = { error };
      }
      this.sources.set(folder, where);
    }
  }

  problem(
    code: WarningCode,
    file: string,
    reason: string,
    group: string | null = null,
    name: string | null = null,
  ): void {
    debug.registry('skipped %s: %s', file, reason);
    this.result.problems.push({ code, file, reason, group, name });
  }

  watch(file: string, stats: Stats | BigIntStats | null, sig: string = signature(stats)): void {
    this.result.watch.push([file, sig]);
  }

  /** The application's own package: always read, always watched, and so is every link on the way to it. */
  root(dir: string): void {
    let real: string;
    try {
      real = this.links.resolve(dir).real;
    } catch {
      real = path.resolve(dir);
    }
    this.seenPaths.add(real);
    this.readWatched(real, path.basename(real), 'root');
  }

  /** A package whose folder a package manager told us (Yarn Plug'n'Play): read where it is, without listing. */
  located(pkg: LocatedPackage): void {
    if (this.seenNames.has(pkg.installedAs)) {
      if (!this.seenPaths.has(pkg.dir)) {
        this.result.shadowed.push({ installedAs: pkg.installedAs, path: pkg.dir, source: pkg.source });
      }
      return;
    }
    this.seenNames.add(pkg.installedAs);
    if (this.seenPaths.has(pkg.dir)) return;
    this.seenPaths.add(pkg.dir);
    if (pkg.watch) this.readWatched(pkg.dir, pkg.installedAs, pkg.source);
    else this.readPackage(pkg.dir, pkg.installedAs, pkg.source, false);
  }

  /** A folder of installed packages: node_modules, a NODE_PATH entry or the global folder. */
  folder(dir: string): void {
    const where = this.sources.get(dir) ?? { error: null };
    const entries = this.list(dir, where);
    if (!entries || !('real' in where)) return;
    const realDir = where.real;
    for (const entry of entries) {
      const name = entry.name;
      if (name.startsWith('.')) {
        if (PACKAGE_MANAGER_FILES.has(name)) this.watch(dir + path.sep + name, statOrNull(dir + path.sep + name));
        continue;
      }
      if (!name.startsWith('@')) {
        this.candidate(dir, dir, realDir, entry, name);
        continue;
      }
      const scopeDir = dir + path.sep + name;
      let scope: Resolved | { error: unknown };
      try {
        // A real scope folder's real path is known; only a linked one needs resolving.
        scope = entry.isDirectory()
          ? { real: realDir + path.sep + name, stats: statSync(scopeDir) }
          : this.links.resolveIn(realDir, name);
      } catch (error) {
        scope = { error };
      }
      const scopeEntries = this.list(scopeDir, scope);
      if (!scopeEntries || !('real' in scope)) continue;
      for (const scoped of scopeEntries) {
        if (!scoped.name.startsWith('.')) this.candidate(dir, scopeDir, scope.real, scoped, `${name}/${scoped.name}`);
      }
    }
  }

  /**
   * Lists a folder (sorted), watching it with the stats it was resolved with
   * (taken before the listing: an entry added in between makes the next run
   * rescan); null when it is missing or unreadable.
   */
  private list(dir: string, where: Resolved | { error: unknown }): Dirent[] | null {
    if (!('real' in where)) {
      this.watch(dir, null);
      const why = code(where.error);
      if (where.error !== null && why !== 'ENOENT' && why !== 'ENOTDIR') {
        this.problem('STEVEDORE_UNREADABLE_PACKAGE', dir, `cannot read folder: ${reason(where.error)}`);
      }
      return null;
    }
    this.watch(dir, where.stats);
    if (!where.stats.isDirectory()) return null;
    this.watchedDirs.add(where.real);
    try {
      return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (err) {
      this.problem('STEVEDORE_UNREADABLE_PACKAGE', dir, `cannot read folder: ${reason(err)}`);
      return null;
    }
  }

  /**
   * One entry of a packages folder.
   * @param source The folder of installed packages it was found in.
   * @param parent The folder holding the entry (`source`, or a `@scope` folder in it).
   * @param realParent The real path of `parent`.
   * @param installedAs The name Node resolves it by (`name` or `@scope/name`).
   */
  private candidate(source: string, parent: string, realParent: string, entry: Dirent, installedAs: string): void {
    const linked = !entry.isDirectory();
    let real = realParent + path.sep + entry.name;
    if (linked) {
      if (!entry.isSymbolicLink()) return;
      const where = parent + path.sep + entry.name;
      try {
        const resolved = this.links.resolveIn(realParent, entry.name);
        if (!resolved.stats.isDirectory()) return;
        real = resolved.real;
      } catch (err) {
        this.problem('STEVEDORE_UNREADABLE_PACKAGE', where, `broken symbolic link${linkTarget(where)}: ${reason(err)}`);
        return;
      }
    }
    if (this.seenNames.has(installedAs)) {
      if (!this.seenPaths.has(real)) this.result.shadowed.push({ installedAs, path: real, source });
      debug.registry('%s in %s is shadowed by a nearer copy', installedAs, source);
      return;
    }
    this.seenNames.add(installedAs);
    if (this.seenPaths.has(real)) return;
    this.seenPaths.add(real);
    // A package linked from outside every folder of installed packages (npm link, a workspace) can be edited in
    // place, which changes nothing else that is watched: its package.json is watched. One linked to a folder inside
    // them (pnpm's .pnpm store, an alias) belongs to the package manager of that folder, and changes with it.
    if (linked && !this.insideSources(real)) this.readWatched(real, installedAs, source);
    else this.readPackage(real, installedAs, source, false);
  }

  private insideSources(real: string): boolean {
    const inside = real + path.sep;
    return this.realSources.some((source) => inside.startsWith(source));
  }

  /** Reads a package whose package.json is watched, and the links that package.json itself goes through. */
  private readWatched(dir: string, installedAs: string, source: string): void {
    const file = dir + path.sep + 'package.json';
    try {
      if (lstatSync(file).isSymbolicLink()) this.links.resolve(file);
    } catch {
      // missing or unreadable: readPackage says so
    }
    this.readPackage(dir, installedAs, source, true);
  }

  /**
   * Reads one package.json. A package that declares entry points, a linked
   * package and the root are watched: an edit to them changes no folder.
   */
  private readPackage(dir: string, installedAs: string, source: string, alwaysWatch: boolean): void {
    const file = dir + path.sep + 'package.json';
    if (!alwaysWatch && !mayDeclare(file)) return;
    let fd: number;
    try {
      // Non-blocking: opening a FIFO planted as package.json must not hang the application.
      fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (err) {
      if (alwaysWatch) this.watch(file, null);
      if (code(err) !== 'ENOENT') this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, `cannot read: ${reason(err)}`);
      return;
    }
    let bytes: Buffer;
    let declares = false;
    try {
      // A FIFO or a device in place of package.json would block or never end: read regular files only.
      const kind = statOpened(fd, file, false);
      if (!kind.isFile()) {
        if (alwaysWatch) this.watch(file, statOpened(fd, file, true));
        const what = kind.isDirectory() ? 'a folder' : 'not a regular file (a FIFO, a device or a socket)';
        this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, `package.json is ${what}`);
        return;
      }
      bytes = readOpened(fd, file);
      declares = bytes.indexOf(MARKER) !== -1 || isUtf16Declaring(bytes);
      // The signature is taken from the same descriptor after the read. A write in between gives the file a
      // ctime later than the scan's start, and the cache refuses to store such a scan (see isRacy in cache.ts).
      if (alwaysWatch) this.watch(file, statOpened(fd, file, true));
    } catch (err) {
      if (alwaysWatch) this.watch(file, statOrNull(file));
      if (code(err) === 'ENOENT') return;
      const why = code(err) === 'EISDIR' ? 'package.json is a folder' : `cannot read: ${reason(err)}`;
      this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, why);
      return;
    } finally {
      closeSync(fd);
    }
    if (!declares) return;
    if (isUtf16Declaring(bytes)) {
      this.problem(
        'STEVEDORE_UNREADABLE_PACKAGE',
        file,
        'not UTF-8: it is UTF-16 (byte order mark), which Node cannot read',
      );
      return;
    }
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, 'not valid UTF-8');
      return;
    }
    let manifest: unknown;
    try {
      manifest = JSON.parse(text);
    } catch (err) {
      this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, `not valid JSON: ${reason(err)}`);
      return;
    }
    if (!isPlainObject(manifest)) {
      this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, 'does not hold a JSON object');
      return;
    }
    for (const { reason, group, name } of duplicateDeclarationProblems(text)) {
      this.problem('STEVEDORE_INVALID_DECLARATION', file, reason, group, name);
    }
    const declarations = this.declarations(manifest, file);
    if (declarations.length === 0) return;
    const dist: Distribution = Object.freeze({
      name: typeof manifest.name === 'string' ? manifest.name : installedAs,
      version: typeof manifest.version === 'string' ? manifest.version : '',
      root: dir,
    });
    this.result.packages.push({ dist, installedAs, source, declarations });
  }

  private declarations(manifest: Record<string, unknown>, file: string): Declaration[] {
    if (!Object.hasOwn(manifest, 'entryPoints')) return [];
    const field = manifest.entryPoints;
    if (!isPlainObject(field)) {
      this.problem(
        'STEVEDORE_INVALID_DECLARATION',
        file,
        `"entryPoints" must be an object of groups, each an object of name: value; got ${kind(field)}`,
      );
      return [];
    }
    const found: Declaration[] = [];
    for (const group of Object.keys(field)) {
      const entries = field[group];
      if (!isPlainObject(entries)) {
        this.problem(
          'STEVEDORE_INVALID_DECLARATION',
          file,
          `group ${JSON.stringify(group)} skipped: it must be an object of name: value; got ${kind(entries)}`,
          group,
        );
        continue;
      }
      for (const name of Object.keys(entries)) {
        const value = entries[name];
        try {
          found.push([group, name, value as string, parseEntryPointValue(value)]);
        } catch (err) {
          this.problem(
            'STEVEDORE_INVALID_DECLARATION',
            file,
            `entry point ${JSON.stringify(name)} in group ${JSON.stringify(group)} skipped: ${reason(err)}`,
            group,
            name,
          );
        }
      }
    }
    return found;
  }
}

/** A package found through a package manager's API rather than by listing a folder. */
export interface LocatedPackage {
  /** Its folder, as the package manager resolves it (may be inside a Yarn zip archive). */
  dir: string;
  /** The name the root depends on it under. */
  installedAs: string;
  /** Where it was found (shown by tools), e.g. the `.pnp.cjs` file. */
  source: string;
  /** Watch its package.json even when it declares nothing (a linked folder that can be edited in place). */
  watch: boolean;
}

/** What a package manager's API (Yarn PnP) adds to a scan: packages to read and files to watch. */
export interface LocatedPackages {
  packages: readonly LocatedPackage[];
  /** Files whose change means the set of packages may have changed (e.g. `.pnp.cjs`). */
  watchFiles: readonly string[];
}

/**
 * Scans the root package, then the located packages (Yarn PnP), then every
 * folder of installed packages in order. The first package found under a
 * name shadows later ones; a package reached twice (through links) counts once.
 */
export function scan(root: string, folders: readonly string[], located?: LocatedPackages): ScanResult {
  const state = new Scan(folders);
  state.root(root);
  for (const file of located?.watchFiles ?? []) state.watch(file, statOrNull(file));
  for (const pkg of located?.packages ?? []) state.located(pkg);
  for (const folder of folders) state.folder(folder);
  return state.result;
}

/** A UTF-16 file (with its byte order mark) that mentions entryPoints. */
function isUtf16Declaring(bytes: Buffer): boolean {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.indexOf(MARKER_UTF16LE) !== -1;
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return bytes.indexOf(MARKER_UTF16BE) !== -1;
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

// Not `instanceof Error`: errors from another realm (vm contexts, test runners) are errors too.
function reason(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

function linkTarget(link: string): string {
  try {
    return ` to ${readlinkSync(link)}`;
  } catch {
    return '';
  }
}

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

// Non-blocking (a FIFO must not hang the scan) and not through a symbolic link
// (which could lead to a device that never ends): those go the careful way.
const QUICK_READ = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * Most packages declare nothing, and one native call (Node's single-call UTF-8
 * read) is enough to tell. False only when the file surely declares nothing;
 * anything unusual (a link, an empty or odd file, a read error other than
 * "no such file", a UTF-16 byte order mark) is left to the careful read.
 */
function mayDeclare(file: string): boolean {
  let text: string;
  try {
    // Node takes numeric flags here too; its types only name the string forms.
    text = readFileSync(file, { encoding: 'utf8', flag: QUICK_READ as unknown as string });
  } catch (err) {
    return code(err) !== 'ENOENT';
  }
  return text === '' || text.includes(MARKER_TEXT) || text.charCodeAt(0) === 0xfffd;
}

// Yarn's zip filesystem (Plug'n'Play) opens files inside archives with descriptors
// that the fd-based calls refuse (EBADF): fall back to the path there.
function statOpened(fd: number, file: string, bigint: true): BigIntStats;
function statOpened(fd: number, file: string, bigint: false): Stats;
function statOpened(fd: number, file: string, bigint: boolean): Stats | BigIntStats {
  try {
    return fstatSync(fd, { bigint });
  } catch (err) {
    if (code(err) !== 'EBADF') throw err;
    return statSync(file, { bigint });
  }
}

function readOpened(fd: number, file: string): Buffer {
  try {
    return readFileSync(fd);
  } catch (err) {
    if (code(err) !== 'EBADF') throw err;
    return readFileSync(file);
  }
}
