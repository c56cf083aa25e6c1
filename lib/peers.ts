/**
 * Peer compatibility, the `checkPeers` option: a plugin package says which
 * versions of its host it was built for in `peerDependencies`. npm refuses
 * most unmet peers at install time, but pnpm and Yarn only warn,
 * `--legacy-peer-deps` and `--force` skip the check, and a linked plugin is
 * never checked; so with the option on, a manager refuses a plugin whose
 * package's peers are not met before anything of it is required.
 *
 * Only package.json files are read: the plugin package's own (once per scan
 * of the registry), and each peer's, found where Node's resolution finds it
 * from the plugin's folder (or through Yarn Plug'n'Play's API); the
 * application's root package counts as installed under its own name. Ranges
 * are matched with semver the way npm matches them.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import type { Distribution, EntryPoint } from './entry-point';
import type { PeerMismatch } from './exception';
import { IncompatiblePlugin } from './exception';
import type { Registry } from './registry';
import type { ScanResult } from './scan';
import { nodeModulesPaths, nodePathFolders } from './locate';
import { findPnpApi } from './pnp';
import { debug } from './diagnostics';

/**
 * One peer dependency as a package declares it: its name, its range as
 * written, and whether `peerDependenciesMeta` marks it optional.
 */
export type PeerRequirement = [name: string, range: string, optional: boolean];

/**
 * The peer dependencies a package.json declares, in declaration order; a
 * string saying what is wrong when the fields are malformed. A scan that has
 * the parsed manifest at hand can store this as its package record's `peers`,
 * so that the check reads no plugin manifest at all.
 */
export function peerRequirements(manifest: Record<string, unknown>): PeerRequirement[] | string {
  const peers = Object.hasOwn(manifest, 'peerDependencies') ? manifest.peerDependencies : undefined;
  if (peers === undefined) return [];
  if (!isPlainObject(peers))
    return `has a "peerDependencies" field that is ${kind(peers)}, not an object of name: range`;
  const meta = Object.hasOwn(manifest, 'peerDependenciesMeta') ? manifest.peerDependenciesMeta : undefined;
  if (meta !== undefined && !isPlainObject(meta)) {
    return `has a "peerDependenciesMeta" field that is ${kind(meta)}, not an object of name: { optional }`;
  }
  const found: PeerRequirement[] = [];
  for (const name of Object.keys(peers)) {
    const range = peers[name];
    if (typeof range !== 'string') {
      return `declares the peer dependency ${JSON.stringify(name)} with ${kind(range)} instead of a range string`;
    }
    const flags = meta && Object.hasOwn(meta, name) ? meta[name] : undefined;
    found.push([name, range, isPlainObject(flags) && flags.optional === true]);
  }
  return found;
}

/**
 * Why the entry point's package does not fit what is installed, as the
 * error a manager reports; null when it fits, has no peer dependencies, or
 * has no package folder (an entry point added with `register()`, a bundled one).
 *
 * @param entryPoint The entry point about to be loaded.
 * @param registry The registry it comes from: its root package counts as installed,
 *   and what was read is kept with its scan (until `refresh()`).
 */
export function checkPeers(entryPoint: EntryPoint, registry: Registry): IncompatiblePlugin | null {
  const dist = entryPoint.dist;
  // Bundled and in-process entry points have no package folder to check.
  if (entryPoint.origin !== 'discovered' || !dist) return null;
  const mismatches = stateFor(registry).mismatches(dist);
  if (mismatches.length === 0) return null;
  return new IncompatiblePlugin(dist.name, path.join(dist.root, 'package.json'), mismatches);
}

/** Throws {@link IncompatiblePlugin} when {@link checkPeers} finds a mismatch: what managers call before loading. */
export function assertPeersMet(entryPoint: EntryPoint, registry: Registry): void {
  const incompatible = checkPeers(entryPoint, registry);
  if (!incompatible) return;
  debug.manager('refused %s: %s', entryPoint, incompatible.message);
  throw incompatible;
}

/** The entry points among `entryPoints` whose packages' peers are not met, with the reason (for `stevedore doctor`). */
export function incompatiblePlugins(
  entryPoints: readonly EntryPoint[],
  registry: Registry,
): { entryPoint: EntryPoint; error: IncompatiblePlugin }[] {
  const found: { entryPoint: EntryPoint; error: IncompatiblePlugin }[] = [];
  for (const entryPoint of entryPoints) {
    const error = checkPeers(entryPoint, registry);
    if (error) found.push({ entryPoint, error });
  }
  return found;
}

// What was read for a registry, valid as long as its scan: refresh() makes a new scan, and so a new state.
const states = new WeakMap<Registry, PeerState>();

function stateFor(registry: Registry): PeerState {
  const scan = registry.scan();
  let state = states.get(registry);
  if (state?.scan !== scan) {
    state = new PeerState(registry, scan);
    states.set(registry, state);
  }
  return state;
}

/** An installed package as the check sees it: its folder, name and version (null when unreadable, with why). */
interface Installed {
  dir: string;
  name: string | null;
  version: string | null;
  problem: string | null;
}

/** The results of one scan's checks: each package checked once, each peer's package.json read once. */
class PeerState {
  private readonly verdicts = new Map<string, readonly PeerMismatch[]>();
  private readonly installed = new Map<string, Installed | null>();
  private recorded: Map<string, unknown> | null = null;

  constructor(
    private readonly registry: Registry,
    readonly scan: ScanResult,
  ) {}

  mismatches(dist: Distribution): readonly PeerMismatch[] {
    let verdict = this.verdicts.get(dist.root);
    if (!verdict) {
      verdict = this.check(dist.root);
      this.verdicts.set(dist.root, verdict);
    }
    return verdict;
  }

  private check(root: string): PeerMismatch[] {
    const requirements = this.requirementsOf(root);
    if (typeof requirements === 'string') return [{ peer: '', range: '', found: null, at: null, reason: requirements }];
    const mismatches: PeerMismatch[] = [];
    for (const [name, range, optional] of requirements) {
      const mismatch = this.checkOne(root, name, range, optional);
      if (mismatch) mismatches.push(mismatch);
    }
    return mismatches;
  }

  private checkOne(from: string, peer: string, range: string, optional: boolean): PeerMismatch | null {
    const wanted = `${peer}@${range}`;
    const fail = (reason: string, installed: Installed | null = null): PeerMismatch => ({
      peer,
      range,
      found: installed?.version ?? null,
      at: installed?.dir ?? null,
      reason,
    });
    if (!PACKAGE_NAME.test(peer)) {
      return fail(`declares a peer dependency on ${JSON.stringify(peer)}, which is not a package name`);
    }
    const spec = specOf(range);
    if (spec.kind === 'invalid') {
      return fail(`declares the peer dependency ${wanted}, whose range is not one npm understands (${spec.why})`);
    }
    const installed = this.find(peer, from);
    if (!installed) {
      if (optional) return null;
      return fail(`needs ${wanted} (a peer dependency), which is not installed where Node resolves it from ${from}`);
    }
    if (spec.kind === 'any') return null;
    if (spec.kind === 'unverifiable') {
      debug.manager('peer %s of %s: %s, not a version range; only its presence is checked', wanted, from, spec.what);
      return null;
    }
    if (installed.version === null) {
      const file = path.join(installed.dir, 'package.json');
      return fail(`needs ${wanted}, but the package.json of the installed ${peer} (${file}) ${installed.problem}`);
    }
    const semver = semverLib();
    if (semver.valid(installed.version, true) === null) {
      return fail(
        `needs ${wanted}, but the installed ${peer} (${installed.dir}) has the version ` +
          `${JSON.stringify(installed.version)}, which is not a semver version`,
        installed,
      );
    }
    if (semver.satisfies(installed.version, spec.range, true)) return null;
    return fail(`needs ${wanted}, but ${peer} ${installed.version} is installed (${installed.dir})`, installed);
  }

  /** The package's peer requirements: from its scan record when the scan kept them, else from its package.json. */
  private requirementsOf(root: string): PeerRequirement[] | string {
    this.recorded ??= new Map(
      this.scan.packages.map((record) => [record.dist.root, (record as { peers?: unknown }).peers]),
    );
    const recorded = this.recorded.get(root);
    if (typeof recorded === 'string' || Array.isArray(recorded)) return recorded as PeerRequirement[] | string;
    const read = readManifest(path.join(root, 'package.json'));
    if ('missing' in read) return 'no longer exists (the tree changed since it was scanned)';
    if ('problem' in read) return read.problem;
    return peerRequirements(read.manifest);
  }

  /**
   * The peer's folder and version, found as Node's resolution would from the
   * plugin's folder: the node_modules folders upward and Node's global folders
   * (or the Plug'n'Play API), then the application's root package by its name.
   */
  private find(name: string, from: string): Installed | null {
    const pnp = findPnpApi(from);
    if (pnp) {
      let dir: string | null = null;
      try {
        dir = pnp.resolveToUnqualified(name, from + path.sep);
      } catch {
        // Not a dependency PnP provides to this package (a missing peer): try the root.
      }
      const installed = dir && this.installedAt(dir);
      if (installed) return installed;
    } else {
      for (const folder of [...nodeModulesPaths(from), ...globalFolders()]) {
        const installed = this.installedAt(path.join(folder, name));
        if (installed) return installed;
      }
    }
    const root = this.installedAt(this.registry.root);
    return root?.name === name ? root : null;
  }

  /** The package in `dir`, read once; null when there is none. */
  private installedAt(dir: string): Installed | null {
    const key = path.resolve(dir);
    if (this.installed.has(key)) return this.installed.get(key) ?? null;
    const installed = readInstalled(key);
    this.installed.set(key, installed);
    return installed;
  }
}

/** The installed package in `dir`, or null when `dir` holds no package.json. */
function readInstalled(dir: string): Installed | null {
  const read = readManifest(path.join(dir, 'package.json'));
  if ('missing' in read) return null;
  if ('problem' in read) return { dir, name: null, version: null, problem: read.problem };
  const { name, version } = read.manifest;
  return {
    dir,
    name: typeof name === 'string' ? name : null,
    version: typeof version === 'string' ? version : null,
    problem: typeof version === 'string' ? null : 'has no "version"',
  };
}

// Node's global folders (NODE_PATH, ~/.node_modules, ...), which require() searches after the node_modules ones.
function globalFolders(): readonly string[] {
  const paths = (Module as unknown as { globalPaths?: unknown }).globalPaths;
  return Array.isArray(paths) ? (paths as string[]) : nodePathFolders();
}

/** What a peer's range asks for: any version, a semver range, something only presence can tell, or nonsense. */
type Spec =
  | { kind: 'any' }
  | { kind: 'range'; range: string }
  | { kind: 'unverifiable'; what: string }
  | { kind: 'invalid'; why: string };

// file:, link:, portal:, git+https:, github:, https:, paths, and GitHub's `user/repo` shorthand.
const LOCATION = /^(?:[a-z][a-z\d+.-]*:|\.{0,2}\/|~\/|[a-z]:[\\/])|^[^@\s/]+\/[^@\s/]+$/i;
// What npm accepts as a package name in a dependency field (old names may hold capitals).
const PACKAGE_NAME = /^(?:@[\w~-][\w.~-]*\/)?[\w~-][\w.~-]*$/;

/**
 * Classifies a range the way npm reads a dependency specifier: `''` and `*`
 * are any version; `npm:name@range` (an alias) is its range; pnp's and Yarn's
 * `workspace:` prefix is dropped; a semver range (loose, as npm parses it) is
 * checked; a git `#semver:` range too; URLs, paths and dist-tags can only be
 * checked for presence; anything else is not a specifier at all.
 */
function specOf(raw: string): Spec {
  let spec = raw.trim();
  if (spec.startsWith('workspace:')) {
    spec = spec.slice('workspace:'.length);
    if (spec === '^' || spec === '~') return { kind: 'any' };
  }
  if (spec.startsWith('npm:')) {
    const at = spec.lastIndexOf('@');
    spec = at > 'npm:'.length ? spec.slice(at + 1) : '*';
  }
  if (spec === '' || spec === '*') return { kind: 'any' };
  const semver = semverLib();
  if (semver.validRange(spec, true) !== null) return { kind: 'range', range: spec };
  const gitRange = /#semver:(.+)$/.exec(spec)?.[1];
  if (gitRange !== undefined && semver.validRange(gitRange, true) !== null) return { kind: 'range', range: gitRange };
  if (LOCATION.test(spec)) return { kind: 'unverifiable', what: 'a location' };
  if (encodeURIComponent(spec) === spec) return { kind: 'unverifiable', what: 'a dist-tag' };
  return { kind: 'invalid', why: 'not a semver range, a dist-tag, a path or a URL' };
}

interface Semver {
  satisfies: typeof import('semver/functions/satisfies');
  valid: typeof import('semver/functions/valid');
  validRange: typeof import('semver/ranges/valid');
}

let semverModules: Semver | null = null;

// Loaded on first use: an application that never turns the check on never loads semver.
function semverLib(): Semver {
  /* eslint-disable @typescript-eslint/no-require-imports */
  semverModules ??= {
    satisfies: require('semver/functions/satisfies') as Semver['satisfies'],
    valid: require('semver/functions/valid') as Semver['valid'],
    validRange: require('semver/ranges/valid') as Semver['validRange'],
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return semverModules;
}

type ManifestRead = { manifest: Record<string, unknown> } | { problem: string } | { missing: true };

/**
 * Reads a package.json that anyone may have written: without blocking (a FIFO
 * in its place must not hang the application), regular files only, as UTF-8
 * JSON holding an object. `missing` when there is no such file.
 */
function readManifest(file: string): ManifestRead {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true };
    return { problem: `cannot be read: ${reason(err)}` };
  }
  let text: string;
  try {
    if (!statOpened(fd, file).isFile()) return { problem: 'is not a regular file' };
    text = readOpened(fd, file).toString('utf8');
  } catch (err) {
    return { problem: `cannot be read: ${reason(err)}` };
  } finally {
    closeSync(fd);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    return { problem: `is not valid JSON: ${reason(err)}` };
  }
  return isPlainObject(manifest) ? { manifest } : { problem: 'does not hold a JSON object' };
}

// Yarn's zip filesystem (Plug'n'Play) gives descriptors that the fd-based calls refuse (EBADF): use the path there.
function statOpened(fd: number, file: string): { isFile(): boolean } {
  try {
    return fstatSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EBADF') throw err;
    return statSync(file);
  }
}

function readOpened(fd: number, file: string): Buffer {
  try {
    return readFileSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EBADF') throw err;
    return readFileSync(file);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

// Not `instanceof Error`: errors from another realm are errors too.
function reason(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
