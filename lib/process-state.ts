/**
 * Whether a process still runs, as the command line waits for what a plugin
 * started and the cache judges a writer's temporary file.
 */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Whether a process (or, given a negated group id, any process of that
 * group) still runs. On Linux a zombie does not: it is dead, only not yet
 * reaped, and an orphan's waits for init, which in a container may never
 * reap it (waiting for it cost every `show` whose plugin started a process
 * its whole grace period).
 */
export function isRunning(target: number): boolean {
  try {
    process.kill(target, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  if (target > 0) return processStat(target)?.state !== 'Z';
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true; // no /proc to tell zombies apart
  }
  return entries.some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    const stat = processStat(entry);
    return stat !== null && stat.group === -target && stat.state !== 'Z';
  });
}

/** A process's state letter (R, S, Z...) and process group, from /proc (Linux); null once it is reaped. */
export function processStat(pid: number | string): { state: string; group: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (command) state ppid pgrp ...": the command may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], group: Number(fields[2]) };
  } catch {
    return null;
  }
}
