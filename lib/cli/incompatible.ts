/**
 * The part of `stevedore doctor` that reports plugins built for other
 * versions of their peers (the check `checkPeers: true` makes in managers):
 * read from package.json files only, whatever the application's options.
 */
import type { EntryPoint } from '../entry-point';
import type { PeerMismatch } from '../exception';
import type { Registry } from '../registry';
import { incompatiblePlugins } from '../peers';
import type { Context } from './context';
import { packageLabel } from './context';

/** One incompatible entry point, as `doctor --json` shows it. */
export interface IncompatibleEntry {
  group: string;
  name: string;
  value: string;
  package: { name: string; version: string; root: string } | null;
  code: string;
  message: string;
  peer: string;
  range: string;
  found: string | null;
  mismatches: PeerMismatch[];
}

/** The entry points among `entryPoints` whose packages' peer dependencies are not met. */
export function incompatibleEntries(registry: Registry, entryPoints: readonly EntryPoint[]): IncompatibleEntry[] {
  return incompatiblePlugins(entryPoints, registry).map(({ entryPoint, error }) => ({
    group: entryPoint.group,
    name: entryPoint.name,
    value: entryPoint.value,
    package: entryPoint.dist && { ...entryPoint.dist },
    code: error.code,
    message: error.message,
    peer: error.peer,
    range: error.range,
    found: error.found,
    mismatches: [...error.mismatches],
  }));
}

/** The text section: each entry point, then each peer it does not fit. */
export function printIncompatible(ctx: Context, entries: readonly IncompatibleEntry[]): void {
  if (!entries.length) return;
  const { printer } = ctx;
  printer.line();
  printer.line(printer.bold(`Plugins built for other versions of their peers (${entries.length}):`));
  for (const entry of entries) {
    printer.line(
      `  ${printer.red('✗')} ${entry.group}: ${entry.name} = ${entry.value} (${packageLabel(entry.package)})`,
    );
    for (const mismatch of entry.mismatches) printer.line(`      ${mismatch.reason}`);
  }
}
