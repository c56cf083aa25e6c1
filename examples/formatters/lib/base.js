'use strict';
/**
 * The API every formatter plugin implements (stevedore/example/base.py).
 * Plugins do not have to extend it, but it documents the API and keeps
 * implementations honest.
 */
class FormatterBase {
  /**
   * @param {number} [maxWidth=60] The widest line the formatter should produce.
   */
  constructor(maxWidth = 60) {
    if (new.target === FormatterBase) throw new TypeError('FormatterBase is abstract: extend it');
    this.maxWidth = maxWidth;
  }

  /**
   * Formats the data as text.
   *
   * @param {Record<string, unknown>} _data String keys and simple values.
   * @returns {Iterable<string>} The text, in chunks (usually one line each, with its newline).
   */
  // eslint-disable-next-line require-yield
  *format(_data) {
    throw new TypeError(`${this.constructor.name} does not implement format()`);
  }
}

module.exports = { FormatterBase };
