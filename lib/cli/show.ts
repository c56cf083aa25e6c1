/** `stevedore show GROUP NAME`: everything known about one entry point, then an attempt to load it. */
import path from 'node:path';
import type { EntryPoint } from '../entry-point';
import type { Context } from './context';
import { duplicateNames, entryPointJson, packageDescription, packageLabel, recordOf, shadowedEntries } from './context';
import type { LoadReport } from './probe';
import { probeEntryPoints } from './probe';
import { indent } from './output';
import { didYouMean, suggestion } from './similar';

export async function show(ctx: Context, group: string, name: string): Promise<number> {
  const { registry } = ctx;
  const inGroup = registry.entryPoints(group);
  const matches = inGroup.filter((entryPoint) => entryPoint.name === name);
  if (matches.length === 0) {
    const shadowed = shadowedEntries(registry, group).filter((entry) => entry.name === name);
    if (shadowed.length > 0) {
      const copy = shadowed[0];
      return ctx.notFound(
        'SHADOWED',
        `'${name}' in '${group}' is declared only by ${packageLabel(copy.package)} in ${copy.package.root}, ` +
          `a copy shadowed by ${copy.shadowedBy ? packageLabel(copy.shadowedBy) : 'a nearer copy'}: ` +
          'update or remove the nearer copy so that Node resolves the one declaring it',
      );
    }
    if (inGroup.length === 0) return ctx.groupNotFound(group, `; run '${ctx.printer.name} list' for the groups`);
    const close = didYouMean(
      name,
      inGroup.map((entryPoint) => entryPoint.name),
    );
    return ctx.notFound(
      'NAME_NOT_FOUND',
      `no entry point '${name}' in group '${group}'${suggestion(close)}; ` +
        `run '${ctx.printer.name} list ${group}' for its ${inGroup.length} entry points`,
      close,
    );
  }
  const reports = await probeEntryPoints(matches, { timeoutMs: ctx.timeoutMs, cwd: registry.root });
  const duplicate = duplicateNames(inGroup).has(name);
  const described = matches.map((entryPoint, index) => {
    const resolution = resolveQuietly(entryPoint);
    return {
      ...entryPointJson(entryPoint, recordOf(registry, entryPoint)),
      resolved: resolution.resolved,
      resolveError: resolution.error,
      packageDescription: entryPoint.dist ? packageDescription(entryPoint.dist.root) : null,
      // With the default conflict resolver, get(name) returns the last one.
      selected: index === matches.length - 1,
      load: reports[index],
    };
  });
  ctx.output({ root: registry.root, group, name, duplicate, matches: described }, () => {
    described.forEach((entry, index) => {
      if (index > 0) ctx.printer.line();
      printEntry(ctx, entry, duplicate);
    });
  });
  return reports.every((report) => report.status === 'loaded') ? 0 : 1;
}

function resolveQuietly(entryPoint: EntryPoint): { resolved: string | null; error: string | null } {
  try {
    return { resolved: entryPoint.resolve(), error: null };
  } catch (err) {
    return { resolved: null, error: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
  }
}

type Described = ReturnType<typeof entryPointJson> & {
  resolved: string | null;
  resolveError: string | null;
  packageDescription: string | null;
  selected: boolean;
  load: LoadReport;
};

function printEntry(ctx: Context, entry: Described, duplicate: boolean): void {
  const { printer } = ctx;
  printer.line(printer.bold(`${entry.name}`) + ` in group ${entry.group}`);
  const fields: [string, string][] = [
    ['value', entry.value],
    ['module', entry.module],
    ['attribute', entry.attr ?? '(none: the module itself)'],
  ];
  if (entry.extras.length) fields.push(['extras', entry.extras.join(', ')]);
  if (entry.package) {
    fields.push(['package', packageLabel(entry.package)]);
    if (entry.package.installedAs && entry.package.installedAs !== entry.package.name) {
      fields.push(['installed as', entry.package.installedAs]);
    }
    fields.push(['folder', entry.package.root]);
    if (entry.package.source) fields.push(['found in', entry.package.source]);
  }
  fields.push(['resolves to', entry.resolved ?? `(cannot resolve: ${entry.resolveError})`]);
  if (entry.packageDescription) fields.push(['package says', entry.packageDescription]);
  if (duplicate) {
    fields.push(['duplicate', entry.selected ? 'yes; get() returns this one (the last)' : 'yes; hidden from get()']);
  }
  printer.fields(fields);
  printLoadReport(ctx, entry.load);
}

/** The outcome of loading, as text: shared with `doctor`. */
export function printLoadReport(ctx: Context, report: LoadReport, prefix = ''): void {
  const { printer } = ctx;
  if (report.status === 'loaded' && report.plugin) {
    const { plugin } = report;
    const what = plugin.name ? `${plugin.kind} ${plugin.name}` : plugin.kind;
    printer.line(`${prefix}${printer.green('Loaded')}: ${what}${report.sync ? '' : ' (only asynchronously)'}`);
    const fields: [string, string][] = [];
    if (plugin.kind !== 'function' || plugin.members.length) {
      fields.push(['members', plugin.members.length ? plugin.members.join(', ') : '(none)']);
    }
    if (plugin.description) fields.push(['description', plugin.description.split('\n')[0]]);
    if (fields.length) printer.fields(fields, `${prefix}  `);
  } else if (report.error) {
    const { error } = report;
    const label =
      report.status === 'timeout' ? 'Timed out' : report.status === 'crashed' ? 'Crashed' : 'Failed to load';
    const what = report.status === 'failed' ? `${error.name}: ${error.message}` : error.message;
    printer.line(`${prefix}${printer.red(label)}: ${what.split('\n')[0]}`);
    if (error.code) printer.line(`${prefix}  code: ${error.code}`);
    for (const cause of error.causes) {
      printer.line(`${prefix}  caused by: ${cause.name}: ${cause.message.split('\n')[0]}`);
    }
    const frames = error.stack ? pluginFrames(error.stack) : '';
    if (frames) printer.line(printer.dim(indent(frames, `${prefix}    `)));
  }
  if (report.hint) printer.line(`${prefix}${printer.yellow('Hint')}: ${report.hint}`);
  for (const stream of ['stdout', 'stderr'] as const) {
    const text = printer.untrusted(report.output[stream]).trimEnd();
    if (text) printer.line(`${prefix}Printed to ${stream} while loading:\n${indent(text, `${prefix}  | `)}`);
  }
  for (const note of report.output.notes) printer.line(`${prefix}${printer.yellow('Note')}: ${note}`);
}

// stevedore-ts's own files (lib/ and dist/): their frames say nothing about the plugin.
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const OWN_FOLDERS = ['lib', 'dist'].map((folder) => path.join(PACKAGE_ROOT, folder) + path.sep);

/**
 * The `at ...` lines of a stack that are in the plugin's code: Node's
 * internals and stevedore-ts's own loader are left out (`--json` keeps all).
 */
export function pluginFrames(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map((line) => line.trim())
    .filter(
      (line) =>
        !line.includes('node:internal/') &&
        !OWN_FOLDERS.some((folder) => line.includes(folder)) &&
        !/\(node:\w+:/.test(line),
    )
    .join('\n');
}
