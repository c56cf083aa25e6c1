/**
 * How the command writes: the streams it is given, aligned columns and a
 * little color on a terminal, tab-separated plain text when piped, and JSON
 * for scripts.
 */
import path from 'node:path';

/** Something text can be written to (a stream, or a test's collector). */
export interface TextSink {
  write(text: string): unknown;
}

/** The name the command goes by when it cannot tell how it was run. */
export const DEFAULT_COMMAND_NAME = 'stevedore-ts';

/**
 * The name the command was run by, for its help and messages: the file name
 * of `script` (`process.argv[1]`: the `stevedore-ts` or `stevedore` link npm
 * makes), or `stevedore-ts` when it was run as `node .../main.js`.
 */
export function commandName(script: string | undefined): string {
  const base = path.basename(script ?? '').replace(/\.(c|m)?js$|\.(cmd|exe|ps1)$/i, '');
  return base === '' || base === 'main' || /[^\w.@+-]/.test(base) ? DEFAULT_COMMAND_NAME : base;
}

/** The command's view of the outside world; `main()` takes it so that tests can run it in-process. */
export interface CliIo {
  /** The command's name in its help and messages (default: `stevedore-ts`). */
  name?: string;
  stdout: TextSink;
  stderr: TextSink;
  /** The folder relative paths (and the default `--root`) are resolved against. */
  cwd: string;
  /** Whether stdout is a terminal: aligned columns with a header, else tab-separated rows. */
  isTTY: boolean;
  /** Whether to use ANSI colors (on a terminal, unless NO_COLOR is set). */
  color: boolean;
}

/** The IO of the running process. */
export function processIo(): CliIo {
  const isTTY = Boolean(process.stdout.isTTY);
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  const forceColor = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0';
  return {
    name: commandName(process.argv[1]),
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    isTTY,
    color: forceColor || (isTTY && !noColor),
  };
}

/** Writes human-readable output. */
export class Printer {
  /** The command's name, as messages call it. */
  readonly name: string;

  constructor(readonly io: CliIo) {
    this.name = io.name ?? DEFAULT_COMMAND_NAME;
  }

  /**
   * Writes lines to stdout. Names, values and descriptions come from package
   * files nobody here wrote: every line is shown through {@link untrusted}, so
   * none can talk to the terminal (set its title, clear it, move the cursor).
   */
  line(text = ''): void {
    this.io.stdout.write(`${this.untrusted(text)}\n`);
  }

  /** Writes a message to stderr, prefixed so that it is recognisable among other output. */
  error(message: string): void {
    this.io.stderr.write(`${this.untrusted(`${this.name}: ${message}`)}\n`);
  }

  /** Writes a note to stderr (never mixed into stdout, which scripts may parse). */
  note(message: string): void {
    this.io.stderr.write(`${this.untrusted(message)}\n`);
  }

  /**
   * Writes rows: on a terminal, aligned columns under a bold header; piped,
   * one tab-separated row per line and no header, ready for `cut` and `awk`.
   */
  table(header: readonly string[], rows: readonly (readonly string[])[]): void {
    if (!this.io.isTTY) {
      for (const row of rows) this.line(row.join('\t'));
      return;
    }
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
    const format = (cells: readonly string[]): string =>
      cells
        .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
        .join('  ')
        .trimEnd();
    this.line(this.bold(format(header)));
    for (const row of rows) this.line(format(row));
  }

  /** `label: value` lines with the values aligned. */
  fields(entries: readonly (readonly [string, string])[], indent = '  '): void {
    const width = Math.max(...entries.map(([label]) => label.length)) + 1;
    for (const [label, value] of entries) this.line(`${indent}${`${label}:`.padEnd(width)} ${value}`.trimEnd());
  }

  /**
   * Text from a plugin or a package, made safe to show: control characters (which
   * could move the cursor, rewrite lines or talk to the terminal) are shown
   * escaped, as `\x1b`; color sequences are kept when we use color ourselves.
   */
  untrusted(text: string): string {
    // eslint-disable-next-line no-control-regex
    return text.replace(/\u001b\[[0-9;]*m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (match) => {
      if (match.length > 1) return this.io.color ? match : '';
      return `\\x${match.charCodeAt(0).toString(16).padStart(2, '0')}`;
    });
  }

  bold(text: string): string {
    return this.paint(text, 1);
  }
  red(text: string): string {
    return this.paint(text, 31);
  }
  yellow(text: string): string {
    return this.paint(text, 33);
  }
  green(text: string): string {
    return this.paint(text, 32);
  }
  dim(text: string): string {
    return this.paint(text, 2);
  }

  private paint(text: string, code: number): string {
    return this.io.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }
}

/** Writes one JSON document to stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A folder as shown to people: relative to the root when inside it, else absolute. */
export function displayPath(root: string, file: string): string {
  const relative = path.relative(root, file);
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** Indents every line of a block of text. */
export function indent(text: string, prefix = '    '): string {
  return text
    .split('\n')
    .map((line) => (line ? prefix + line : line))
    .join('\n');
}

/** `1 entry point`, `2 entry points`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
