/** `stevedore list [GROUP]`: the groups, or the entry points of one group in load order. */
import type { Context } from './context';
import { duplicateNames, entryPointJson, packageLabel, recordOf, shadowedEntries } from './context';
import { displayPath, plural } from './output';

/** Every group with its number of entry points and the packages declaring them. */
export function listGroups(ctx: Context): number {
  const { registry } = ctx;
  const result = registry.scan();
  const groups = registry.groups().map((group) => {
    const entryPoints = registry.entryPoints(group);
    const packages = [...new Set(entryPoints.map((entryPoint) => packageLabel(entryPoint.dist)))];
    return { name: group, entryPoints: entryPoints.length, packages };
  });
  ctx.output({ root: registry.root, groups, skipped: result.problems.length }, () => {
    if (groups.length === 0) {
      ctx.printer.note(`No entry points found from ${registry.root}.`);
    } else {
      ctx.printer.table(
        ['GROUP', 'ENTRY POINTS', 'PACKAGES'],
        groups.map((group) => [group.name, String(group.entryPoints), group.packages.join(', ')]),
      );
    }
  });
  if (result.problems.length > 0) {
    ctx.printer.note(
      `${plural(result.problems.length, 'declaration')} skipped: run '${ctx.printer.name} doctor' to see why.`,
    );
  }
  return 0;
}

/** The entry points of one group, in load order, then those of shadowed copies. */
export function listGroup(ctx: Context, group: string): number {
  const { registry } = ctx;
  const entryPoints = registry.entryPoints(group);
  const shadowed = shadowedEntries(registry, group);
  if (entryPoints.length === 0 && shadowed.length === 0) {
    return ctx.groupNotFound(
      group,
      `; run '${ctx.printer.name} list' for the groups, '${ctx.printer.name} doctor' for skipped declarations`,
    );
  }
  const duplicates = duplicateNames(entryPoints);
  const lastIndex = new Map(entryPoints.map((entryPoint, index) => [entryPoint.name, index]));
  const rows = entryPoints.map((entryPoint, index) => ({
    ...entryPointJson(entryPoint, recordOf(registry, entryPoint)),
    duplicate: duplicates.has(entryPoint.name),
    // What a manager's get(name) returns with the default conflict resolver.
    selected: lastIndex.get(entryPoint.name) === index,
    shadowed: false,
    shadowedBy: null as { name: string; version: string; root: string } | null,
  }));
  const shadowedRows = shadowed.map((entry) => ({
    name: entry.name,
    group,
    value: entry.value,
    package: entry.package,
    duplicate: false,
    selected: false,
    shadowed: true,
    shadowedBy: entry.shadowedBy,
  }));
  ctx.output({ root: registry.root, group, entryPoints: [...rows, ...shadowedRows] }, () => {
    ctx.printer.table(
      ['NAME', 'TARGET', 'PACKAGE', 'FOLDER', 'NOTE'],
      [
        ...rows.map((row) => [
          row.name,
          row.value,
          packageLabel(row.package),
          row.package ? displayPath(registry.root, row.package.root) : '',
          row.duplicate ? (row.selected ? 'duplicate (get() returns this one)' : 'duplicate (hidden from get())') : '',
        ]),
        ...shadowedRows.map((row) => [
          row.name,
          row.value,
          packageLabel(row.package),
          displayPath(registry.root, row.package.root),
          row.shadowedBy
            ? `shadowed by ${packageLabel(row.shadowedBy)}: never loaded`
            : 'shadowed by a nearer copy: never loaded',
        ]),
      ],
    );
  });
  if (entryPoints.length === 0) {
    ctx.printer.error(`every entry point of '${group}' comes from a shadowed copy: none of them is loaded`);
    return 1;
  }
  return 0;
}
