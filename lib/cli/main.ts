#!/usr/bin/env node
/**
 * The `stevedore` executable (package.json `bin`): runs main() on the
 * process's arguments and sets the exit code.
 */
import { main } from './cli';

// The commands report skipped declarations and load failures themselves
// (`doctor` lists them); Node's printout of the same StevedoreWarnings would
// only repeat them. Other warnings are still shown, on one line.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'StevedoreWarning') process.stderr.write(`stevedore: warning: ${warning.message}\n`);
});

// `stevedore list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
