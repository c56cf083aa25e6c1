/**
 * Real paths, worked out the way Node's module resolution works them out
 * (`fs.realpathSync`: one component at a time, following each symbolic link),
 * while telling the caller about every link met on the way. The on-disk cache
 * watches those links themselves: re-pointing one (`current -> releases/v2`,
 * the global link of an `npm link` chain) changes nothing else that is watched.
 */
import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import path from 'node:path';

/** Where a path leads: its real path and the stats of what is there. */
export interface Resolved {
  real: string;
  stats: Stats;
}

/**
 * Called for every symbolic link met, with its own (lstat) stats and the real
 * folder that holds it.
 */
export type OnLink = (link: string, stats: Stats, realParent: string) => void;

// As many links as Linux follows for one path before ELOOP.
const MAX_LINKS = 40;

/**
 * Resolves paths for one scan. Folders found to be no link are remembered, so
 * the thousands of paths under one node_modules cost one lstat per new
 * component, not one per component.
 */
export class LinkResolver {
  private readonly plain = new Set<string>();

  constructor(private readonly onLink: OnLink) {}

  /** Where `file` leads. Throws the file system's error (ENOENT, EACCES, ELOOP...) when it leads nowhere. */
  resolve(file: string): Resolved {
    const absolute = path.resolve(file);
    const top = path.parse(absolute).root;
    return this.walk(top, absolute.slice(top.length), file);
  }

  /** Where `name` inside the real folder `realDir` leads (`realDir` itself is not looked at again). */
  resolveIn(realDir: string, name: string): Resolved {
    return this.walk(realDir, name, realDir + path.sep + name);
  }

  private walk(start: string, rest: string, asked: string): Resolved {
    if (process.platform === 'win32') {
      // Junctions and the rest of Windows' reparse points: left to the system.
      const real = realpathSync.native(asked);
      return { real, stats: statSync(real) };
    }
    let current = start;
    let parts = rest.split(path.sep).filter(Boolean);
    let stats: Stats | null = parts.length === 0 ? statSync(current) : null;
    let links = 0;
    for (let i = 0; i < parts.length;) {
      const next = current.endsWith(path.sep) ? current + parts[i] : current + path.sep + parts[i];
      i += 1;
      const last = i === parts.length;
      if (!last && this.plain.has(next)) {
        current = next;
        continue;
      }
      stats = lstatSync(next);
      if (!stats.isSymbolicLink()) {
        this.plain.add(next);
        current = next;
        continue;
      }
      if (++links > MAX_LINKS) {
        throw Object.assign(new Error(`ELOOP: too many symbolic links encountered, '${asked}'`), { code: 'ELOOP' });
      }
      this.onLink(next, stats, current);
      // As Node's realpathSync: the target is resolved against the (real) folder holding the link.
      const target = path.resolve(current, readlinkSync(next));
      const top = path.parse(target).root;
      parts = target.slice(top.length).split(path.sep).filter(Boolean).concat(parts.slice(i));
      current = top;
      i = 0;
      stats = parts.length === 0 ? statSync(current) : null;
    }
    return { real: current, stats: stats as Stats };
  }
}
