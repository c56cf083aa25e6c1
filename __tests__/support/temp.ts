/**
 * Temporary folders and the files the tests write into them.
 */
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './dist';

/** The committed fixture layouts (package trees with node_modules folders). */
export const LAYOUTS = path.join(REPO, '__tests__', 'fixtures', 'layouts');

export interface TempDir {
  /** Its real path (no symbolic link on the way, as the library reports paths). */
  dir: string;
  /** Removes it and everything in it. */
  cleanup(): void;
}

/** A fresh temporary folder named `stevedore-<name>-XXXXXX`. */
export function tempDir(name = 'test'): TempDir {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), `stevedore-${name}-`)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A copy of a committed layout (symbolic links kept as they are) in a
 * temporary folder, so that walking up from it meets no other node_modules.
 */
export function copyLayout(name: string): TempDir {
  const temp = tempDir(name);
  cpSync(path.join(LAYOUTS, name), temp.dir, { recursive: true, verbatimSymlinks: true });
  return temp;
}

/** Writes files under `dir` (by relative path, folders made as needed); objects are written as JSON. */
export function writeFiles(dir: string, files: Record<string, string | object>): void {
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
}
