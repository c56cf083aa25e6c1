/**
 * Discovery: reads the package.json files of a package tree and collects the
 * `entryPoints` they declare. It only reads JSON; it never runs package code.
 *
 * Each file is read once, into one buffer the scan reuses. Most installed
 * packages declare no entry points, so a file is looked into only when its
 * bytes contain `"entryPoints"`: reading every file is unavoidable, parsing
 * every one is not. A file that does is checked to be a JSON object and read
 * field by field (manifest.ts): only the names and values discovery keeps
 * are ever made into strings.
 */
import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  statSync,
} from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import path from 'node:path';
import type { Distribution, ParsedValue } from './entry-point';
import { parseEntryPointValue } from './entry-point';
import type { WarningCode } from './diagnostics';
import { debug } from './diagnostics';
import { duplicateDeclarationProblems } from './duplicate-keys';
import type { EntryPointsRead } from './manifest';
import { entryPointsOf, manifestFields, readEntryPoints } from './manifest';
import { kindOf, quote } from './quote';
import type { Resolved } from './links';
import { LinkResolver } from './links';

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
 * missing, `!` when it could not be read just now, which no later state
 * matches). A signature starting with `l` is the link's own (lstat): a
 * symbolic link that resolution went through.
 */
export type WatchEntry = [path: string, signature: string];

export interface ScanResult {
  packages: PackageRecord[];
  shadowed: ShadowedPackage[];
  problems: Problem[];
  /** What the on-disk cache compares to decide whether this result is still true. */
  watch: WatchEntry[];
}

/**
 * The signature of a path that could not be read for a reason of the moment:
 * no stat ever has it, so a scan holding one is never taken for current.
 */
export const UNSETTLED = '!';
// Errors that tell of this process or this moment (descriptor limits, memory, a failing disk or network file
// system), not of what the tree holds.
const MOMENTARY_ERRORS = new Set([
  'EMFILE',
  'ENFILE',
  'ENOMEM',
  'ENOBUFS',
  'EAGAIN',
  'EINTR',
  'EIO',
  'EBUSY',
  'ETIMEDOUT',
  'ESTALE',
]);

// Files that npm, pnpm and Yarn rewrite inside node_modules on every install.
const PACKAGE_MANAGER_FILES = new Set(['.package-lock.json', '.modules.yaml', '.yarn-state.yml', '.yarn-integrity']);
const INVALID: WarningCode = 'STEVEDORE_INVALID_DECLARATION';
const MARKER = Buffer.from('"entryPoints"');
// Node reads package.json as UTF-8 only; a UTF-16 file that declares entry points is reported, not ignored.
const MARKER_UTF16LE = Buffer.from('"entryPoints"', 'utf16le');
const MARKER_UTF16BE = Buffer.from(MARKER_UTF16LE).swap16();
// Non-blocking (a FIFO must not hang the scan) and not through a symbolic link (which could lead to a
// device that never ends): a link is opened again the careful way, and looked at before it is read.
const QUICK_READ = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);
const CAREFUL_READ = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
// What opening a symbolic link with O_NOFOLLOW fails with (Linux and macOS; FreeBSD; NetBSD).
const REFUSED_LINK = new Set(['ELOOP', 'EMLINK', 'EFTYPE']);
// Most package.json files are a few KiB: one read into a buffer this big takes the whole file.
const BUFFER_BYTES = 64 * 1024;
// A bigger file could not be decoded into one string.
const MAX_MANIFEST_BYTES = bufferConstants.MAX_STRING_LENGTH;

/** The stat fields a signature is made of; every `fs.Stats` has them. */
export interface StatFields {
  mtimeMs: number;
  ctimeMs: number;
  size: number;
  ino: number;
}

/**
 * The stat fields that change when a file or folder changes, in one
 * comparable string: modification and change time in milliseconds (as Node's
 * `mtimeMs`, a double: exact to a fraction of a microsecond, far finer than
 * the window in which the cache refuses to store a scan), size and inode.
 */
export function signature(stats: StatFields | null): string {
  if (!stats) return '-';
  return `${stats.mtimeMs}/${stats.ctimeMs}/${stats.size}/${stats.ino}`;
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
function linkSignature(stats: StatFields | null): string {
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
  /** Every package.json is read into this one buffer, which grows to the largest file of the scan. */
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private readonly seenNames = new FoundNames();
  private readonly seenPaths = new FoundPaths();
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

  /**
   * Reports a file or folder that could not be read. When the reason is of
   * the moment (too many open files, no memory, an I/O error), not of the
   * tree, the path is watched as unsettled: the scan is not cached, or what
   * could not be read would stay hidden once the moment has passed.
   */
  private unreadable(file: string, what: string, err: unknown): void {
    this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, `${what}: ${reason(err)}`);
    if (MOMENTARY_ERRORS.has(code(err) ?? '')) this.watch(file, null, UNSETTLED);
  }

  /** After each source: the names it found shadow those of the sources after it. */
  endSource(): void {
    this.seenNames.endSource();
  }

  watch(file: string, stats: StatFields | null, sig: string = signature(stats)): void {
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
    this.seenPaths.add(...splitPath(real));
    this.readWatched(real, path.basename(real), 'root');
  }

  /** A package whose folder a package manager told us (Yarn Plug'n'Play): read where it is, without listing. */
  located(pkg: LocatedPackage): void {
    const [parent, name] = splitPath(pkg.dir);
    if (this.seenNames.has(pkg.installedAs)) {
      if (!this.seenPaths.has(parent, name)) {
        this.result.shadowed.push({ installedAs: pkg.installedAs, path: pkg.dir, source: pkg.source });
      }
      return;
    }
    this.seenNames.add(pkg.installedAs);
    if (this.seenPaths.has(parent, name)) return;
    this.seenPaths.add(parent, name);
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
        this.unreadable(dir, 'cannot read folder', where.error);
      }
      return null;
    }
    this.watch(dir, where.stats);
    if (!where.stats.isDirectory()) return null;
    this.watchedDirs.add(where.real);
    try {
      return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (err) {
      this.unreadable(dir, 'cannot read folder', err);
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
    // Its real path as its folder and its name there (the folder's string is one object for the whole listing).
    let realFolder = realParent;
    let realName = entry.name;
    if (linked) {
      if (!entry.isSymbolicLink()) return;
      const where = parent + path.sep + entry.name;
      try {
        const resolved = this.links.resolveIn(realParent, entry.name);
        if (!resolved.stats.isDirectory()) return;
        real = resolved.real;
      } catch (err) {
        this.unreadable(where, `broken symbolic link${linkTarget(where)}`, err);
        return;
      }
      [realFolder, realName] = splitPath(real);
    }
    if (this.seenNames.has(installedAs)) {
      if (!this.seenPaths.has(realFolder, realName)) this.result.shadowed.push({ installedAs, path: real, source });
      debug.registry('%s in %s is shadowed by a nearer copy', installedAs, source);
      return;
    }
    this.seenNames.add(installedAs);
    if (this.seenPaths.has(realFolder, realName)) return;
    this.seenPaths.add(realFolder, realName);
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
   * Reads one package.json; with `alwaysWatch` (the root, and packages
   * linked from outside the packages folders, which can be edited in place
   * without changing any folder) its signature is recorded too.
   */
  private readPackage(dir: string, installedAs: string, source: string, alwaysWatch: boolean): void {
    const file = dir + path.sep + 'package.json';
    const bytes = this.readDeclaring(file, alwaysWatch);
    if (bytes === null) return;
    const manifest = this.manifest(file, bytes);
    if (manifest === null) return;
    for (const { reason, group, name } of manifest.entryPoints.repeated) {
      this.problem(INVALID, file, reason, group, name);
    }
    const declarations = this.declarations(manifest.entryPoints, file);
    if (declarations.length === 0) return;
    const dist: Distribution = Object.freeze({
      name: manifest.name ?? installedAs,
      version: manifest.version ?? '',
      root: dir,
    });
    this.result.packages.push({ dist, installedAs, source, declarations });
  }

  /**
   * What a declaring manifest holds, from its bytes (UTF-8, a view of the
   * scan's buffer); null when it declares nothing, or is reported.
   *
   * The bytes are read field by field, and only what discovery keeps is
   * built (see manifest.ts). What that reading refuses as a JSON object is
   * given to JSON.parse, which says what is wrong.
   */
  private manifest(file: string, bytes: Buffer): Manifest | null {
    const found = manifestFields(bytes);
    if (found !== null) {
      if (found.entryPoints === null) return null;
      const [start, end] = found.entryPoints;
      const entryPoints = readEntryPoints(bytes, start, end, found.entryPointsKeys);
      return { entryPoints, name: found.name, version: found.version };
    }
    const text = bytes.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, `not valid JSON: ${reason(err)}`);
      return null;
    }
    if (!isPlainObject(parsed)) {
      this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, 'does not hold a JSON object');
      return null;
    }
    // "entryPoints" may also be a string somewhere, or a key under another field: those declare nothing.
    if (!Object.hasOwn(parsed, 'entryPoints')) return null;
    return {
      entryPoints: entryPointsOf(parsed.entryPoints, duplicateDeclarationProblems(text)),
      name: typeof parsed.name === 'string' ? parsed.name : null,
      version: typeof parsed.version === 'string' ? parsed.version : null,
    };
  }

  /**
   * Reads a package.json once, into the scan's buffer; returns its bytes (a
   * view of the buffer: read them before the next file) when they mention
   * `"entryPoints"` (the only files worth parsing) and are UTF-8, else null.
   * Reports what cannot be read, and with `alwaysWatch` watches the file with
   * the signature of the descriptor its bytes came from.
   */
  private readDeclaring(file: string, alwaysWatch: boolean): Buffer | null {
    let fd: number;
    let followed = false;
    try {
      fd = openSync(file, QUICK_READ);
    } catch (err) {
      if (!REFUSED_LINK.has(code(err) ?? '')) return this.notOpened(file, err, alwaysWatch);
      // A symbolic link (which O_NOFOLLOW refuses): open what it leads to, and look at it before reading.
      try {
        fd = openSync(file, CAREFUL_READ);
        followed = true;
      } catch (linkErr) {
        return this.notOpened(file, linkErr, alwaysWatch);
      }
    }
    try {
      return this.readOpened(fd, file, alwaysWatch, followed);
    } catch (err) {
      if (alwaysWatch) this.watch(file, statOrNull(file));
      if (code(err) === 'ENOENT') return null;
      if (code(err) === 'EISDIR') this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, 'package.json is a folder');
      else this.unreadable(file, 'cannot read', err);
      return null;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reads an open package.json. Only a regular file is read to its end: a
   * FIFO or a device would block or never end. One read at position 0 is
   * enough to tell most files apart: it fails on a FIFO or a socket, and one
   * that returns less than the buffer holds (but something) is the whole of a
   * regular file (a device node, which only root can make, aside). A file
   * that is empty, fills the buffer or is reached through a link is asked
   * what it is; one to watch is stat'ed anyway, for its signature.
   */
  private readOpened(fd: number, file: string, alwaysWatch: boolean, followed: boolean): Buffer | null {
    // Through a link the file could be anything (a link to /dev/zero): look before reading.
    let kind: Stats | null = followed ? statOpened(fd, file) : null;
    if (kind && !kind.isFile()) return this.notRegular(fd, file, kind, alwaysWatch);
    let length: number;
    try {
      length = this.read(fd, file, 0);
    } catch (err) {
      if (code(err) !== 'ESPIPE') throw err;
      return this.notRegular(fd, file, statOpened(fd, file), alwaysWatch);
    }
    if (!kind && (length === 0 || length === this.buffer.length)) {
      kind = statOpened(fd, file);
      if (!kind.isFile()) return this.notRegular(fd, file, kind, alwaysWatch);
    }
    if (kind) length = this.readRest(fd, file, length, kind.size);
    // A view of this file's bytes: past `length` lie the stale bytes of a longer one.
    let bytes = this.buffer.subarray(0, length);
    let declares = mentionsEntryPoints(bytes);
    if (alwaysWatch) {
      // The signature is taken from the same descriptor after the read. A write in between gives the file a
      // ctime later than the scan's start, and the cache refuses to store such a scan (see isRacy in cache.ts).
      const stats = statOpened(fd, file);
      if (!stats.isFile()) return this.notRegular(fd, file, stats, alwaysWatch);
      if (stats.size > length) {
        // A short read before the end (some network file systems): read the rest.
        length = this.readRest(fd, file, length, stats.size);
        bytes = this.buffer.subarray(0, length);
        declares = mentionsEntryPoints(bytes);
      }
      this.watch(file, stats);
    } else if (!endsLikeAnObject(bytes)) {
      // Caught while it is being written (created empty, or only part of it written yet): watched, so that the
      // rest arriving makes the next start rescan. The stats come after the read, as above.
      this.watch(file, statOpened(fd, file));
    }
    return declares ? this.utf8(file, bytes) : null;
  }

  /** A declaring file's bytes as Node reads a package.json: UTF-8, a byte order mark skipped; null when reported. */
  private utf8(file: string, bytes: Buffer): Buffer | null {
    if (isUtf16Declaring(bytes)) {
      this.problem(
        'STEVEDORE_UNREADABLE_PACKAGE',
        file,
        'not UTF-8: it is UTF-16 (byte order mark), which Node cannot read',
      );
      return null;
    }
    if (!isUtf8(bytes)) {
      this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, 'not valid UTF-8');
      return null;
    }
    return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  }

  /** Reads the file from `offset` into the buffer at `offset`, as much as fits; returns `offset` plus what was read. */
  private read(fd: number, file: string, offset: number): number {
    try {
      return offset + readSync(fd, this.buffer, offset, this.buffer.length - offset, offset);
    } catch (err) {
      // Yarn's zip file system (Plug'n'Play) gives descriptors that the fd calls refuse: read by path there.
      if (code(err) !== 'EBADF' || offset !== 0) throw err;
      const bytes = readFileSync(file);
      this.reserve(bytes.length + 1);
      return bytes.copy(this.buffer);
    }
  }

  /**
   * Reads a regular file to its end, growing the buffer to its size. `size`
   * is what a stat said; the end is where a read returns nothing, or where a
   * read short of a full buffer reaches that size.
   */
  private readRest(fd: number, file: string, length: number, size: number): number {
    if (length < this.buffer.length && length >= size) return length;
    for (;;) {
      if (length === this.buffer.length || size >= this.buffer.length) this.reserve(Math.max(size, length) + 1);
      const before = length;
      length = this.read(fd, file, length);
      if (length === before || (length < this.buffer.length && length >= size)) return length;
    }
  }

  /** Makes the buffer hold at least `bytes` bytes (keeping its content); it stays that big for the scan. */
  private reserve(bytes: number): void {
    if (bytes <= this.buffer.length) return;
    if (bytes > MAX_MANIFEST_BYTES + 1) {
      throw new Error(`package.json is larger than ${MAX_MANIFEST_BYTES} bytes, the most a string can hold`);
    }
    const grown = Buffer.allocUnsafe(Math.min(Math.max(bytes, this.buffer.length * 2), MAX_MANIFEST_BYTES + 1));
    this.buffer.copy(grown);
    this.buffer = grown;
  }

  private notOpened(file: string, err: unknown, alwaysWatch: boolean): null {
    if (alwaysWatch) {
      this.watch(file, null);
    } else if (code(err) === 'ENOENT') {
      // A package folder without a package.json may be one a package manager (or a hand) has just made and not
      // filled yet: the folder is watched, so that a package.json written into it makes the next start rescan.
      // Its stats come after the failed open: one written in between gives the folder a change time later than
      // the scan's start, and such a scan is not stored (see isRacy in cache.ts).
      const folder = path.dirname(file);
      this.watch(folder, statOrNull(folder));
    }
    if (code(err) !== 'ENOENT') this.unreadable(file, 'cannot read', err);
    return null;
  }

  private notRegular(fd: number, file: string, kind: Stats, alwaysWatch: boolean): null {
    if (alwaysWatch) this.watch(file, statOpened(fd, file));
    const what = kind.isDirectory() ? 'a folder' : 'not a regular file (a FIFO, a device or a socket)';
    this.problem('STEVEDORE_UNREADABLE_PACKAGE', file, `package.json is ${what}`);
    return null;
  }

  /** The valid declarations of an `entryPoints` field; each invalid one is reported and skipped. */
  private declarations(field: EntryPointsRead, file: string): Declaration[] {
    if (field.other !== undefined) {
      this.problem(
        INVALID,
        file,
        `"entryPoints" must be an object of groups, each an object of name: value; got ${kindOf(field.other)}`,
      );
      return [];
    }
    const found: Declaration[] = [];
    for (const { group, entries, other } of field.groups) {
      if (entries === null) {
        this.problem(
          INVALID,
          file,
          `group ${quote(group)} skipped: it must be an object of name: value; got ${kindOf(other)}`,
          group,
        );
        continue;
      }
      for (const [name, value] of entries) {
        try {
          found.push([group, name, value as string, parseEntryPointValue(value)]);
        } catch (err) {
          this.problem(
            INVALID,
            file,
            `entry point ${quote(name)} in group ${quote(group)} skipped: ${reason(err)}`,
            group,
            name,
          );
        }
      }
    }
    return found;
  }
}

/** What discovery takes from a declaring package.json. */
interface Manifest {
  /** Its (last) top-level `entryPoints`, and the keys repeated there. */
  entryPoints: EntryPointsRead;
  name: string | null;
  version: string | null;
}

/**
 * The names packages were found under: a name found in an earlier source
 * hides later copies. Within one source a name is found once (a folder lists
 * each entry once), so a source's names are only compared with those of the
 * sources after it: they are kept in a list, and go into a set only when a
 * later source asks (most trees have one folder of packages).
 */
class FoundNames {
  private readonly earlier = new Set<string>();
  private current: string[] = [];
  private readonly ended: string[][] = [];

  /** Whether an earlier source found a package under `name`. */
  has(name: string): boolean {
    if (this.ended.length !== 0) {
      for (const names of this.ended) for (const ended of names) this.earlier.add(ended);
      this.ended.length = 0;
    }
    return this.earlier.has(name);
  }

  add(name: string): void {
    this.current.push(name);
  }

  endSource(): void {
    if (this.current.length === 0) return;
    this.ended.push(this.current);
    this.current = [];
  }
}

/**
 * The real paths of the packages read, as folder -> names: the folder of a
 * listing is one string object, hashed once, so a package costs the lookup
 * of its short name rather than the hashing of its whole path.
 */
class FoundPaths {
  private readonly byFolder = new Map<string, Set<string>>();

  has(folder: string, name: string): boolean {
    return this.byFolder.get(folder)?.has(name) ?? false;
  }

  add(folder: string, name: string): void {
    const names = this.byFolder.get(folder);
    if (names) names.add(name);
    else this.byFolder.set(folder, new Set([name]));
  }
}

/** A real path as its folder and its last segment. */
function splitPath(real: string): [folder: string, name: string] {
  const at = real.lastIndexOf(path.sep);
  return at === -1 ? ['', real] : [real.slice(0, at), real.slice(at + 1)];
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
  state.endSource();
  for (const folder of folders) {
    state.folder(folder);
    state.endSource();
  }
  return state.result;
}

/** Whether the bytes mention `"entryPoints"` (in UTF-8, or in UTF-16 with a byte order mark). */
function mentionsEntryPoints(bytes: Buffer): boolean {
  return hasMarker(bytes) || isUtf16Declaring(bytes);
}

/**
 * Whether `"entryPoints"` is in the bytes. Its rarest byte, the `P`, is
 * looked for (one native memchr-like scan), and the bytes around each one
 * compared: a search for the whole marker, whose last byte `"` is everywhere
 * in JSON, moves a few bytes at a time, four times slower.
 */
function hasMarker(bytes: Buffer): boolean {
  const P = MARKER.indexOf(0x50);
  for (let at = bytes.indexOf(0x50, P); at !== -1; at = bytes.indexOf(0x50, at + 1)) {
    let i = 0;
    while (i < MARKER.length && bytes[at - P + i] === MARKER[i]) i++;
    if (i === MARKER.length) return true;
  }
  return false;
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

/** Whether the bytes end as a JSON object does ('}', then only whitespace): a file still being written may not. */
function endsLikeAnObject(bytes: Buffer): boolean {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const byte = bytes[i];
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return byte === 0x7d;
  }
  return false;
}

function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

// Yarn's zip filesystem (Plug'n'Play) opens files inside archives with descriptors
// that the fd-based calls refuse (EBADF): fall back to the path there.
function statOpened(fd: number, file: string): Stats {
  try {
    return fstatSync(fd);
  } catch (err) {
    if (code(err) !== 'EBADF') throw err;
    return statSync(file);
  }
}
