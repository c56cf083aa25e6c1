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

/** The command's view of the outside world; `main()` takes it so that tests can run it in-process. */
export interface CliIo {
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
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    isTTY,
    color: forceColor || (isTTY && !noColor),
  };
}

/** Writes human-readable output. */
export class Printer {
  constructor(readonly io: CliIo) {}

  /** Writes lines to stdout. */
  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** Writes a message to stderr, prefixed so that it is recognisable among other output. */
  error(message: string): void {
    this.io.stderr.write(`stevedore: ${message}\n`);
  }

  /** Writes a note to stderr (never mixed into stdout, which scripts may parse). */
  note(message: string): void {
    this.io.stderr.write(`${message}\n`);
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
