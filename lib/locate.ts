/**
 * Where packages are looked for: the application's folder (the root), the
 * node_modules folders Node's resolution visits from it, NODE_PATH, and npm's
 * global folder. Only paths are worked out here; nothing is read but the
 * package.json files that mark a package's folder and npm's config files.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The user's home folder, as `os.homedir()` finds it (`HOME`, or `USERPROFILE`
 * on Windows, before the user database), without loading node:os at import
 * time when the environment has the answer.
 */
export function homeDir(): string {
  const fromEnv = process.platform === 'win32' ? process.env.USERPROFILE : process.env.HOME;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return fromEnv || (require('node:os') as typeof import('node:os')).homedir();
}

/** The node_modules folders Node's resolution visits from `dir`, nearest first. */
export function nodeModulesPaths(dir: string): string[] {
  const folders: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    if (path.basename(current) !== 'node_modules') folders.push(path.join(current, 'node_modules'));
    const parent = path.dirname(current);
    if (parent === current) return folders;
    current = parent;
  }
}

/** The folders named by NODE_PATH, resolved. */
export function nodePathFolders(): string[] {
  return (process.env.NODE_PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((folder) => path.resolve(folder));
}

/** The nearest folder holding a package.json, upward from `start`; null when there is none. */
export function findPackageRoot(start: string): string | null {
  let current = path.resolve(start);
  for (;;) {
    try {
      if (statSync(path.join(current, 'package.json')).isFile()) return current;
    } catch {
      // keep looking upward
    }
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/**
 * The application's folder: upward from the main module, so that plugins are
 * what the application's code can require wherever it is started from; upward
 * from the current folder for a REPL or `node -e`.
 *
 * The main module is `require.main` when there is one: Node sets it to the
 * main script's real path, and a test runner that runs test files as modules
 * (Jest) sets it to the test file, which is inside the project under test.
 * Under an ES module main script there is none, and `process.argv[1]` is used.
 */
export function defaultRoot(): string {
  for (const main of [require.main?.filename, mainScript()]) {
    if (!main) continue;
    try {
      const found = findPackageRoot(path.dirname(realpathSync(main)));
      if (found) return found;
    } catch {
      // not a file: fall through
    }
  }
  return findPackageRoot(process.cwd()) ?? process.cwd();
}

// Under `node -e`/`-p`, argv[1] is the first argument of the code, not a script.
function mainScript(): string | undefined {
  return isEvaluatingCode() ? undefined : process.argv[1];
}

function isEvaluatingCode(): boolean {
  return process.execArgv.some((arg) => /^(?:-e|-p|-pe|-ep|--eval|--print)(?:=|$)/.test(arg));
}

/**
 * npm's global install folder: from `npm_config_prefix`, else the `prefix`
 * in npm's config files, else Node's own prefix. npm is never spawned.
 */
export function globalFolder(env: Record<string, string | undefined> = process.env): string {
  const prefix = globalPrefix(env);
  return process.platform === 'win32' ? path.join(prefix, 'node_modules') : path.join(prefix, 'lib', 'node_modules');
}

function globalPrefix(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.npm_config_prefix ?? env.NPM_CONFIG_PREFIX;
  if (fromEnv) return path.resolve(fromEnv);
  const nodePrefix =
    process.platform === 'win32' ? path.dirname(process.execPath) : path.dirname(path.dirname(process.execPath));
  const userConfig = env.npm_config_userconfig ?? env.NPM_CONFIG_USERCONFIG ?? path.join(homeDir(), '.npmrc');
  const globalConfig =
    env.npm_config_globalconfig ?? env.NPM_CONFIG_GLOBALCONFIG ?? path.join(nodePrefix, 'etc', 'npmrc');
  for (const file of [userConfig, globalConfig]) {
    const prefix = prefixFromNpmrc(file, env);
    if (prefix) return prefix;
  }
  return nodePrefix;
}

function prefixFromNpmrc(file: string, env: NodeJS.ProcessEnv): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*prefix\s*=\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const value = match[1]
      .replace(/^(["'])(.*)\1$/, '$2')
      .replace(/\$\{([^}]+)\}/g, (_, name: string) => env[name] ?? '')
      .replace(/^~(?=$|[\\/])/, homeDir());
    return path.resolve(path.dirname(file), value);
  }
  return null;
}
