/**
 * The `stevedore` command: `main(argv, io)` parses the arguments, runs one
 * command and returns the exit code (0 success, 1 what was asked is broken
 * or missing, 2 usage error). It never calls process.exit, so that it can run
 * in-process (tests) as well as from the bin wrapper (main.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError, helpText, parseCommandLine, parseTimeout, rootFolder } from './args';
import { cache } from './cache';
import { Context } from './context';
import { docs, parseHeadingLevel } from './docs';
import { doctor } from './doctor';
import { listGroup, listGroups } from './list';
import type { CliIo } from './output';
import { DEFAULT_COMMAND_NAME, processIo } from './output';
import { show } from './show';

export type { CliIo, TextSink } from './output';

/** The version of stevedore-ts (from its package.json, one folder above lib/ and dist/). */
export function version(): string {
  try {
    const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return String(manifest.version);
  } catch {
    return 'unknown';
  }
}

/**
 * Runs the command line `argv` (without `node` and the script name).
 * @param argv The arguments, e.g. `['list', '--json']`.
 * @param io Where to write, the current folder, and the name the command was run by; defaults to the process's.
 * @returns The exit code.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const name = io.name ?? DEFAULT_COMMAND_NAME;
  try {
    if (argv.length === 0) {
      // Nothing asked: show what can be asked (on stderr, as for every usage error).
      io.stderr.write(helpText(null, version(), name));
      return 2;
    }
    const { command, args, options } = parseCommandLine(argv, name);
    if (options.help) {
      io.stdout.write(helpText(command, version(), name));
      return 0;
    }
    if (!command) {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    const root = typeof options.root === 'string' ? options.root : undefined;
    // Every command checks --root, even those that do not read it (cache): a typo must not pass silently.
    if (root !== undefined) rootFolder(io.cwd, root);
    const ctx = new Context(io, root, options.json === true, parseTimeout(options.timeout));
    switch (command.name) {
      case 'list':
        return args.length ? listGroup(ctx, args[0]) : listGroups(ctx);
      case 'show':
        return await show(ctx, args[0], args[1]);
      case 'doctor':
        return await doctor(ctx, args[0] ?? null);
      case 'docs':
        return await docs(ctx, args[0], {
          detailed: options.detailed === true,
          titlecase: options.titlecase === true,
          headingLevel: parseHeadingLevel(options['heading-level']),
        });
      default:
        return cache(ctx, args[0]);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      const help = err.helpFor === null ? '' : ` (see '${name} ${err.helpFor ? `${err.helpFor} ` : ''}--help')`;
      io.stderr.write(`${name}: ${err.message}${help}\n`);
      return 2;
    }
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.stderr.write(`${name}: unexpected error: ${message}\n`);
    return 1;
  }
}
