/**
 * `stevedore doctor [GROUP]`: why a plugin does not show up or does not load.
 * Skipped declarations, entry points that fail to load, group names that are
 * probably typos, duplicates, and modules only `create()` can load.
 */
import type { EntryPoint } from '../entry-point';
import type { Context } from './context';
import { duplicateNames, entryPointJson, packageLabel, recordOf } from './context';
import { probeEntryPoints } from './probe';
import { printLoadReport } from './show';
import { isTypo } from './similar';
import { plural } from './output';
import { incompatibleEntries, printIncompatible } from './incompatible';

/** Groups that differ from another only by a typo; the one with fewer entry points is the suspect. */
function typoGroups(ctx: Context, only: string | null): { group: string; entryPoints: number; didYouMean: string }[] {
  const { registry } = ctx;
  const groups = registry.groups();
  const count = (group: string): number => registry.entryPoints(group).length;
  const found: { group: string; entryPoints: number; didYouMean: string }[] = [];
  for (const group of groups) {
    for (const other of groups) {
      if (!isTypo(group, other)) continue;
      if (only !== null && group !== only && other !== only) continue;
      // Report each pair once: the smaller group (by name on a tie) as the typo.
      const suspect = count(group) < count(other) || (count(group) === count(other) && group > other);
      if (suspect) found.push({ group, entryPoints: count(group), didYouMean: other });
    }
  }
  return found;
}

export async function doctor(ctx: Context, group: string | null): Promise<number> {
  const { registry } = ctx;
  const result = registry.scan();
  if (group !== null && registry.entryPoints(group).length === 0) {
    const skippedHere = result.problems.filter((problem) => problem.group === group);
    const why = skippedHere.length
      ? `; ${plural(skippedHere.length, 'declaration')} skipped: ${skippedHere.map((p) => `${p.file}: ${p.reason}`).join('; ')}`
      : '';
    return ctx.groupNotFound(
      group,
      `${why}; is the package that declares them installed ` +
        `where Node resolves it from the root? ('${ctx.printer.name} list' shows every group)`,
    );
  }
  const skipped = result.problems
    .filter((problem) => group === null || problem.group === null || problem.group === group)
    .map((problem) => ({ file: problem.file, reason: problem.reason, code: problem.code }));
  const entryPoints = registry.entryPoints(group ?? undefined);
  const reports = await probeEntryPoints(entryPoints, { timeoutMs: ctx.timeoutMs, cwd: registry.root });
  const withReports = entryPoints.map((entryPoint, index) => ({ entryPoint, load: reports[index] }));
  const describe = ({ entryPoint, load }: { entryPoint: EntryPoint; load: (typeof reports)[number] }) => ({
    ...entryPointJson(entryPoint, recordOf(registry, entryPoint)),
    load,
  });
  const loadFailures = withReports.filter(({ load }) => load.status !== 'loaded').map(describe);
  const asyncOnly = withReports.filter(({ load }) => load.status === 'loaded' && load.sync === false).map(describe);
  const groups = group === null ? registry.groups() : [group];
  const duplicates = groups.flatMap((name) => {
    const inGroup = registry.entryPoints(name);
    return [...duplicateNames(inGroup)].map((duplicate) => ({
      group: name,
      name: duplicate,
      packages: inGroup.filter((entryPoint) => entryPoint.name === duplicate).map((ep) => packageLabel(ep.dist)),
    }));
  });
  const typos = typoGroups(ctx, group);
  const incompatible = incompatibleEntries(registry, entryPoints);
  const ok = skipped.length === 0 && loadFailures.length === 0 && incompatible.length === 0;
  const report = {
    root: registry.root,
    group,
    ok,
    checked: entryPoints.length,
    skipped,
    loadFailures,
    incompatible,
    typos,
    duplicates,
    asyncOnly,
  };
  ctx.output(report, () => printDoctor(ctx, report));
  return ok ? 0 : 1;
}

type DoctorReport = {
  root: string;
  group: string | null;
  ok: boolean;
  checked: number;
  skipped: { file: string; reason: string; code: string }[];
  loadFailures: (ReturnType<typeof entryPointJson> & { load: Awaited<ReturnType<typeof probeEntryPoints>>[number] })[];
  incompatible: ReturnType<typeof incompatibleEntries>;
  typos: { group: string; entryPoints: number; didYouMean: string }[];
  duplicates: { group: string; name: string; packages: string[] }[];
  asyncOnly: DoctorReport['loadFailures'];
};

function printDoctor(ctx: Context, report: DoctorReport): void {
  const { printer } = ctx;
  const scope = report.group === null ? 'all groups' : `group '${report.group}'`;
  printer.line(`Checked ${plural(report.checked, 'entry point')} in ${scope} from ${report.root}.`);
  if (report.skipped.length) {
    printer.line();
    printer.line(printer.bold(`Skipped declarations (${report.skipped.length}):`));
    for (const problem of report.skipped)
      printer.line(`  ${printer.red('✗')} ${problem.file}\n      ${problem.reason}`);
  }
  if (report.loadFailures.length) {
    printer.line();
    printer.line(printer.bold(`Entry points that do not load (${report.loadFailures.length}):`));
    for (const failure of report.loadFailures) {
      printer.line(
        `  ${printer.red('✗')} ${failure.group}: ${failure.name} = ${failure.value} (${packageLabel(failure.package)})`,
      );
      printLoadReport(ctx, failure.load, '    ');
    }
  }
  printIncompatible(ctx, report.incompatible);
  if (report.typos.length) {
    printer.line();
    printer.line(printer.bold('Group names that differ only by a typo:'));
    for (const typo of report.typos) {
      printer.line(
        `  ${printer.yellow('!')} '${typo.group}' (${plural(typo.entryPoints, 'entry point')}): did you mean '${typo.didYouMean}'?`,
      );
    }
  }
  if (report.duplicates.length) {
    printer.line();
    printer.line(printer.bold('Names declared more than once (get() returns the last):'));
    for (const duplicate of report.duplicates) {
      printer.line(
        `  ${printer.yellow('!')} ${duplicate.group}: ${duplicate.name} from ${duplicate.packages.join(', ')}`,
      );
    }
  }
  if (report.asyncOnly.length) {
    printer.line();
    printer.line(printer.bold('ES modules with top-level await (load them with create()):'));
    for (const entry of report.asyncOnly)
      printer.line(`  ${printer.yellow('!')} ${entry.group}: ${entry.name} = ${entry.value}`);
  }
  printer.line();
  printer.line(
    report.ok
      ? printer.green('No problems found.')
      : printer.red(
          `${plural(report.skipped.length, 'skipped declaration')}, ${plural(report.loadFailures.length, 'entry point')} failing to load` +
            (report.incompatible.length ? `, ${plural(report.incompatible.length, 'incompatible plugin')}.` : '.'),
        ),
  );
}
