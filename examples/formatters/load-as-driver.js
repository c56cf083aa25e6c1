#!/usr/bin/env node
'use strict';
/**
 * Loads one formatter as a driver and prints the example data with it
 * (stevedore/example/load_as_driver.py).
 *
 *   node examples/formatters/load-as-driver.js [FORMAT] [--width WIDTH]
 */
// In your own application: require('stevedore-ts'). This example uses the
// library built in this repository (`npm run build`).
const { DriverManager } = require('../../dist');
const { DATA, parseCommandLine } = require('./lib/cli');
const { FormatterBase } = require('./lib/base');

const args = parseCommandLine(process.argv.slice(2), {
  positional: { name: 'format', default: 'simple', help: 'the output format' },
});

let mgr;
try {
  mgr = new DriverManager('stevedore.example.formatter', args.positional, {
    invokeOnLoad: true,
    invokeArgs: [args.width],
  });
} catch (error) {
  // NoMatches when no plugin has that name; the plugin's own error when it cannot load.
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
// A FormatterBase, because invokeOnLoad is true.
if (!(mgr.driver instanceof FormatterBase)) throw new TypeError(`'${args.positional}' is not a formatter`);
for (const chunk of mgr.driver.format(DATA)) {
  process.stdout.write(chunk);
}
