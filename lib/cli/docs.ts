/**
 * `stevedore docs GROUP [--detailed]`: Markdown documenting the plugins of a
 * group, the analogue of stevedore's `list-plugins` Sphinx directive. Python
 * reads each plugin's docstring; a plugin here describes itself with a static
 * `description` (or an export of that name), else its package's description
 * stands in.
 */
import type { EntryPoint } from '../entry-point';
import type { Context } from './context';
import { packageDescription, packageLabel } from './context';
import { UsageError } from './args';
import { probeEntryPoints } from './probe';

export interface DocsOptions {
  detailed: boolean;
  titlecase: boolean;
  headingLevel: number;
}

/** Reads `--heading-level`: 1 to 6, default 2. */
export function parseHeadingLevel(value: string | boolean | undefined): number {
  if (value === undefined || typeof value === 'boolean') return 2;
  if (!/^[1-6]$/.test(value)) throw new UsageError(`--heading-level expects a number from 1 to 6, got '${value}'`);
  return Number(value);
}

/** One documented plugin, as in the `--json` output. */
export interface PluginDoc {
  name: string;
  value: string;
  package: string;
  /** The first line of the description. */
  summary: string;
  description: string | null;
  /** Where the description comes from: the plugin itself, its package.json, or nowhere. */
  descriptionSource: 'plugin' | 'package' | null;
  /** Why the plugin could not be loaded, when it could not. */
  loadError: string | null;
}

/** Python's str.title(): each run of letters starts upper case, the rest lower case. */
export function titleCase(text: string): string {
  return text.replace(/\p{L}+/gu, (word) => word[0].toUpperCase() + word.slice(1).toLowerCase());
}

/** The Markdown for documented plugins, sorted by name. */
export function renderMarkdown(plugins: readonly PluginDoc[], options: DocsOptions): string {
  const sorted = [...plugins].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (!options.detailed) {
    return sorted.map((plugin) => `- \`${plugin.name}\`${plugin.summary ? ` — ${plugin.summary}` : ''}\n`).join('');
  }
  const hashes = '#'.repeat(options.headingLevel);
  return sorted
    .map((plugin) => {
      const title = options.titlecase ? titleCase(plugin.name) : plugin.name;
      const body = plugin.description
        ? plugin.description.trim()
        : `> **Warning:** No documentation found for \`${plugin.name}\` in \`${plugin.value}\`.`;
      return `${hashes} ${title}\n\n${body}\n`;
    })
    .join('\n');
}

export async function docs(ctx: Context, group: string, options: DocsOptions): Promise<number> {
  const { registry } = ctx;
  const all = registry.entryPoints(group);
  if (all.length === 0) return ctx.groupNotFound(group, `; run '${ctx.printer.name} list' for the groups`);
  // Like a manager's get(name) with the default conflict resolver: the last declaration of a name wins.
  const byName = new Map<string, EntryPoint>();
  for (const entryPoint of all) byName.set(entryPoint.name, entryPoint);
  const entryPoints = [...byName.values()];
  const reports = await probeEntryPoints(entryPoints, { timeoutMs: ctx.timeoutMs, cwd: registry.root });
  const plugins: PluginDoc[] = entryPoints.map((entryPoint, index) => {
    const report = reports[index];
    const own = report.plugin?.description ?? null;
    const fromPackage = own === null && entryPoint.dist ? packageDescription(entryPoint.dist.root) : null;
    const description = own ?? fromPackage;
    return {
      name: entryPoint.name,
      value: entryPoint.value,
      package: packageLabel(entryPoint.dist),
      summary: description ? (description.trim().split('\n')[0] ?? '').trim() : '',
      description,
      descriptionSource: own !== null ? 'plugin' : fromPackage !== null ? 'package' : null,
      loadError: report.error ? `${report.error.name}: ${report.error.message.split('\n')[0]}` : null,
    };
  });
  const markdown = renderMarkdown(plugins, options);
  ctx.output({ root: registry.root, group, detailed: options.detailed, plugins, markdown }, () => {
    // Markdown made of package texts: shown on a terminal (or by `cat` of the file it is sent to) like any.
    ctx.io.stdout.write(ctx.printer.untrusted(markdown));
  });
  const failed = plugins.filter((plugin) => plugin.loadError !== null);
  for (const plugin of failed) {
    ctx.printer.error(
      `warning: could not load '${plugin.name}' (${plugin.value}): ${plugin.loadError}; ` +
        `documented from its package; run '${ctx.printer.name} show ${group} ${plugin.name}' for details`,
    );
  }
  return failed.length ? 1 : 0;
}
