/**
 * The command line's grammar: the commands, their options and help texts,
 * and parsing with `node:util` parseArgs. Global options may come before or
 * after the command.
 */
import type { Stats } from 'node:fs';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_COMMAND_NAME } from './output';
import { didYouMean, suggestion } from './similar';
import { DEFAULT_TIMEOUT_MS } from './probe';

/** A mistake in how the command was called: exit code 2 and a one-line message. */
export class UsageError extends Error {
  /**
   * @param message What is wrong and, when it is not obvious, what to do.
   * @param helpFor The command whose `--help` the message points to: '' for the
   *   general help, null when the message says enough by itself.
   */
  constructor(
    message: string,
    readonly helpFor: string | null = null,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** How the value is shown in help, e.g. `DIR`. */
  valueName?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  /** The arguments, e.g. `GROUP NAME` or `[GROUP]`. */
  args: string;
  summary: string;
  /** Paragraphs shown by `--help` under the usage line. */
  description: string;
  options: Record<string, OptionSpec>;
  /** The names of the required positional arguments, then the optional ones. */
  required: string[];
  optional: string[];
  /** The values the first argument may take, when it is one of a few words. */
  choices?: string[];
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  root: {
    type: 'string',
    valueName: 'DIR',
    description: "the application's folder, holding its package.json (default: the current folder)",
  },
  json: { type: 'boolean', description: 'print JSON for scripts instead of text (shapes: docs/cli.md)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

const TIMEOUT_OPTION: OptionSpec = {
  type: 'string',
  valueName: 'MS',
  description: `time allowed to load each entry point, in milliseconds (default: ${DEFAULT_TIMEOUT_MS})`,
};

export const COMMANDS: CommandSpec[] = [
  {
    name: 'list',
    args: '[GROUP]',
    summary: 'list the groups, or the entry points of a group',
    description:
      'Without GROUP: every group found from the root, with its number of entry points and the packages\n' +
      'declaring them.\n\n' +
      'With GROUP: its entry points in load order (name, target, package@version, folder), then the ones\n' +
      'declared by shadowed copies of packages, which are never loaded. A name declared more than once is\n' +
      "marked duplicate: a manager's get(name) returns the last one.\n\n" +
      'Discovery only reads package.json files: no plugin code runs.',
    options: {},
    required: [],
    optional: ['GROUP'],
  },
  {
    name: 'show',
    args: 'GROUP NAME',
    summary: 'everything about one entry point, then try to load it',
    description:
      'Prints what is known about the entry point (declaration, package, folder, the file it resolves to),\n' +
      'then loads it in a separate process, with a time limit, and prints what was loaded (class, function,\n' +
      'module or object, with its members) or the error with its causes, its stack and a hint.\n\n' +
      'Exits with 1 when it is missing or fails to load.',
    options: { timeout: TIMEOUT_OPTION },
    required: ['GROUP', 'NAME'],
    optional: [],
  },
  {
    name: 'doctor',
    args: '[GROUP]',
    summary: 'find what keeps plugins from showing up or loading',
    description:
      'Reports every declaration that discovery skipped (file and reason), loads every entry point (of GROUP,\n' +
      'or of all groups) in a separate process and reports those that fail, and points out group names that\n' +
      'differ from another only by a typo. Duplicate names and modules that need create() are warnings.\n\n' +
      'Exits with 1 when something is broken (a skipped declaration, an entry point that does not load, or\n' +
      'a GROUP with no entry points), 0 otherwise.',
    options: { timeout: TIMEOUT_OPTION },
    required: [],
    optional: ['GROUP'],
  },
  {
    name: 'docs',
    args: 'GROUP',
    summary: 'Markdown documenting the plugins of a group',
    description:
      "The analogue of stevedore's list-plugins Sphinx directive: a list of the plugins of GROUP sorted by\n" +
      'name with a one-line summary each, or with --detailed a section per plugin with its full description.\n\n' +
      "A plugin's description is its own static `description` property (or an export of that name), else the\n" +
      '"description" of its package.json. Plugins are loaded in a separate process to read it; one that fails\n' +
      'to load is documented from its package, with a warning on stderr and exit code 1.',
    options: {
      detailed: { type: 'boolean', description: 'a section per plugin with its full description' },
      titlecase: { type: 'boolean', description: 'Title Case The Section Headings (with --detailed)' },
      'heading-level': {
        type: 'string',
        valueName: 'N',
        description: 'the Markdown heading level of the sections, 1 to 6 (default: 2)',
      },
      timeout: TIMEOUT_OPTION,
    },
    required: ['GROUP'],
    optional: [],
  },
  {
    name: 'cache',
    args: 'info|clear',
    summary: 'show or clear the on-disk cache of scans',
    description:
      'info: where the cache is, whether it is on, how many files and bytes it holds.\n' +
      'clear: removes the cached scans (a .disable file stays).\n\n' +
      'The folder is $STEVEDORE_CACHE_DIR, else the per-user cache folder; STEVEDORE_CACHE=0 turns caching off.',
    options: {},
    required: ['ACTION (info or clear)'],
    optional: [],
    choices: ['info', 'clear'],
  },
];

/** A successfully parsed command line. */
export interface ParsedCommand {
  /** Null for the bare `stevedore --help` / `--version`. */
  command: CommandSpec | null;
  args: string[];
  options: Record<string, string | boolean | undefined>;
}

/**
 * Parses the arguments (without `node` and the script); throws {@link UsageError}.
 * @param name The command's name, as messages call it.
 */
export function parseCommandLine(argv: readonly string[], name = DEFAULT_COMMAND_NAME): ParsedCommand {
  const everyOption = {
    ...GLOBAL_OPTIONS,
    version: VERSION_OPTION,
    ...(Object.assign({}, ...COMMANDS.map((c) => c.options)) as Record<string, OptionSpec>),
  };
  // First pass, lenient: only to find which word is the command.
  const { tokens } = parseArgs({
    args: [...argv],
    options: toParseArgs(everyOption),
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const commandToken = tokens.find((token) => token.kind === 'positional');
  let command: CommandSpec | null = null;
  const rest = [...argv];
  if (commandToken?.kind === 'positional') {
    const word = commandToken.value === 'help' ? null : commandToken.value;
    rest.splice(commandToken.index, 1);
    if (word === null) {
      // `stevedore help [COMMAND]` is `stevedore [COMMAND] --help`.
      return { command: rest.length ? findCommand(rest[0]) : null, args: [], options: { help: true } };
    }
    command = findCommand(word);
  }
  const options = command ? { ...GLOBAL_OPTIONS, ...command.options } : { ...GLOBAL_OPTIONS, version: VERSION_OPTION };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: toParseArgs(options), allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(describeParseError(err), command?.name ?? '');
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (!command) {
    if (values.help || values.version) return { command: null, args: [], options: values };
    throw new UsageError(`missing command: one of ${COMMANDS.map((c) => c.name).join(', ')}`, '');
  }
  if (values.help) return { command, args: parsed.positionals, options: values };
  const { positionals } = parsed;
  if (positionals.length < command.required.length) {
    const missing = command.required[positionals.length];
    throw new UsageError(`missing ${missing}: usage: ${name} ${command.name} ${command.args}`, command.name);
  }
  const max = command.required.length + command.optional.length;
  if (positionals.length > max) {
    throw new UsageError(`unexpected argument '${positionals[max]}' for ${name} ${command.name}`, command.name);
  }
  const { choices } = command;
  if (choices && !choices.includes(positionals[0])) {
    const close = suggestion(didYouMean(positionals[0], choices));
    const uses = choices.map((choice) => `'${name} ${command.name} ${choice}'`);
    throw new UsageError(
      `unknown ${command.name} action '${positionals[0]}'${close}: use ${uses.slice(0, -1).join(', ')} or ${uses[uses.length - 1]}`,
    );
  }
  return { command, args: positionals, options: values };
}

const VERSION_OPTION: OptionSpec = { type: 'boolean', short: 'V', description: "print stevedore-ts's version" };

function findCommand(name: string): CommandSpec {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command) return command;
  const hint = suggestion(
    didYouMean(
      name,
      COMMANDS.map((c) => c.name),
    ),
  );
  throw new UsageError(`unknown command '${name}'${hint}`, '');
}

function toParseArgs(
  options: Record<string, OptionSpec>,
): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  return Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
    ]),
  );
}

/** parseArgs' messages are long and mention its own API; say it in one short line. */
function describeParseError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const message = err instanceof Error ? err.message : String(err);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(message)
        ? `option '${quoted.replace(/ <value>$/, '')}' needs a value`
        : message.split('\n')[0];
    default:
      return message.split('\n')[0];
  }
}

/** Reads a `--timeout` value: a positive whole number of milliseconds. */
export function parseTimeout(value: string | boolean | undefined): number {
  if (value === undefined || typeof value === 'boolean') return DEFAULT_TIMEOUT_MS;
  if (!/^\d+$/.test(value) || Number(value) <= 0) {
    throw new UsageError(`--timeout expects a positive number of milliseconds, got '${value}'`);
  }
  return Number(value);
}

/**
 * The help of one command, or the general help.
 * @param name The command's name, as the usage lines call it.
 */
export function helpText(command: CommandSpec | null, version: string, name = DEFAULT_COMMAND_NAME): string {
  const optionLines = (options: Record<string, OptionSpec>): string[] => {
    const rows = Object.entries(options).map(([name, spec]) => [
      `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.valueName ? ` ${spec.valueName}` : ''}`,
      spec.description,
    ]);
    const width = Math.max(...rows.map(([left]) => left.length));
    return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
  };
  if (!command) {
    const width = Math.max(...COMMANDS.map((c) => `${c.name} ${c.args}`.length));
    return [
      `${name} ${version}: inspect the plugins (entry points) installed packages declare`,
      '',
      `Usage: ${name} COMMAND [ARGS] [--root DIR] [--json]`,
      '',
      'Commands:',
      ...COMMANDS.map((c) => `  ${`${c.name} ${c.args}`.padEnd(width)}  ${c.summary}`),
      '',
      'Options:',
      ...optionLines({ ...GLOBAL_OPTIONS, version: VERSION_OPTION }),
      '',
      `Run '${name} COMMAND --help' for a command's options.`,
      'Exit codes: 0 success, 1 what was asked is broken or missing, 2 usage error.',
      '',
    ].join('\n');
  }
  const own = Object.keys(command.options).length ? ['', 'Options:', ...optionLines(command.options)] : [];
  return [
    `Usage: ${name} ${command.name} ${command.args} [options]`,
    '',
    command.description,
    ...own,
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
  ].join('\n');
}

/**
 * The folder `--root` names (or the current folder), as an absolute path;
 * throws a {@link UsageError} when it is missing, not a folder, or cannot be
 * entered. Whether it holds a package.json is for the commands that need one.
 * @param cwd The folder a relative `--root` is taken from.
 * @param option The `--root` value, if given.
 */
export function rootFolder(cwd: string, option: string | undefined): string {
  const named = option === undefined ? 'the current folder' : `--root ${option}`;
  if (option === '') throw new UsageError("--root needs a folder, got ''");
  const root = path.resolve(cwd, option ?? '.');
  let stats: Stats;
  try {
    stats = statSync(root);
  } catch (err) {
    throw new UsageError(`${named}: ${describeStatError(err)} (${root})`);
  }
  if (!stats.isDirectory()) throw new UsageError(`${named}: not a folder (${root})`);
  try {
    accessSync(root, constants.X_OK);
  } catch {
    throw new UsageError(`${named}: permission denied: the folder cannot be entered (${root})`);
  }
  return root;
}

function describeStatError(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such folder';
    case 'ENOTDIR':
      return 'no such folder (a part of the path is a file)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'a loop of symbolic links';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
