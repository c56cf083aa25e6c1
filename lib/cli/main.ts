#!/usr/bin/env node
/**
 * The `stevedore-ts` (and `stevedore`) executable (package.json `bin`): runs
 * main() on the process's arguments and sets the exit code.
 */
import { constants } from 'node:os';
import { main } from './cli';
import { commandName } from './output';
import { endAllLoaders } from './probe';

// The commands report skipped declarations and load failures themselves
// (`doctor` lists them); Node's printout of the same StevedoreWarnings would
// only repeat them. Other warnings are still shown, on one line.
const name = commandName(process.argv[1]);
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'StevedoreWarning') process.stderr.write(`${name}: warning: ${warning.message}\n`);
});

// Stopped from outside (Ctrl-C, kill, a closed terminal): end the plugin loader's process group
// with us (it runs in a session of its own, which those signals do not reach), then exit with the
// status a shell gives a process killed by that signal (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    endAllLoaders();
    process.exit(128 + constants.signals[signal]);
  });
}

// `stevedore list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
