'use strict';
// The command-line handling the two example programs share: argparse's
// behaviour for their options (`--width N`, `-h`), on node:util's parseArgs.
const { parseArgs } = require('node:util');
const path = require('node:path');

/** The data both programs format, as in stevedore's examples. */
const DATA = { a: 'A', b: 'B', long: 'word '.repeat(80) };

/**
 * Parses the command line, or prints usage and exits (0 for --help, 2 for a
 * usage error).
 *
 * @param {string[]} argv The arguments after the script name.
 * @param {{ positional?: { name: string, default: string, help: string } }} spec
 * @returns {{ width: number, positional: string | undefined }}
 */
function parseCommandLine(argv, { positional } = {}) {
  const program = path.basename(process.argv[1] ?? 'example');
  const usage =
    `usage: ${program} [-h]${positional ? ` [${positional.name}]` : ''} [--width WIDTH]\n` +
    (positional ? `\npositional arguments:\n  ${positional.name.padEnd(15)} ${positional.help}\n` : '') +
    '\noptions:\n  -h, --help       show this help message and exit\n' +
    '  --width WIDTH    maximum output width for text\n';
  const fail = (message) => {
    process.stderr.write(`${usage}${program}: error: ${message}\n`);
    process.exit(2);
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { width: { type: 'string', default: '60' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (error) {
    return fail(error.message);
  }
  if (parsed.values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  if (!/^[-+]?\d+$/.test(parsed.values.width.trim())) {
    return fail(`argument --width: invalid int value: '${parsed.values.width}'`);
  }
  const width = Number(parsed.values.width);
  // Python's textwrap would raise on it later; say so now.
  if (width < 1) return fail(`argument --width: must be at least 1, not ${width}`);
  const allowed = positional ? 1 : 0;
  if (parsed.positionals.length > allowed) {
    return fail(`unrecognized arguments: ${parsed.positionals.slice(allowed).join(' ')}`);
  }
  return { width, positional: parsed.positionals[0] ?? positional?.default };
}

module.exports = { DATA, parseCommandLine };
