'use strict';
// A very basic formatter (stevedore/example/simple.py): one `name = value` line per item.
const { FormatterBase } = require('./base');

class Simple extends FormatterBase {
  /**
   * @param {Record<string, unknown>} data String keys and simple values.
   * @returns {Iterable<string>} One line per item, sorted by name.
   */
  *format(data) {
    for (const [name, value] of sortedItems(data)) {
      yield `${name} = ${value}\n`;
    }
  }
}

/** The items of `data` sorted by name, as Python's `sorted(data.items())`. */
function sortedItems(data) {
  return Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

module.exports = { Simple, sortedItems };
