#!/usr/bin/env node
'use strict';
/**
 * Loads every formatter as an extension and prints the example data with
 * each of them (stevedore/example/load_as_extension.py).
 *
 *   node examples/formatters/load-as-extension.js [--width WIDTH]
 */
// In your own application: require('stevedore-ts'). This example uses the
// library built in this repository (`npm run build`).
const { ExtensionManager } = require('../../dist');
const { DATA, parseCommandLine } = require('./lib/cli');

const args = parseCommandLine(process.argv.slice(2));

const mgr = new ExtensionManager('stevedore.example.formatter', {
  invokeOnLoad: true,
  invokeArgs: [args.width],
});

/** What map() calls for each extension: its name and the formatted text. */
function formatData(ext, data) {
  return [ext.name, ext.obj.format(data)];
}

const results = mgr.map(formatData, DATA);

for (const [name, result] of results) {
  process.stdout.write(`Formatter: ${name}\n`);
  for (const chunk of result) {
    process.stdout.write(chunk);
  }
  process.stdout.write('\n');
}
