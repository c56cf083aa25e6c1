/**
 * Port of stevedore/tests/test_example_fields.py: the `field` formatter of
 * examples/formatters, and the textwrap.fill it needs.
 */
import type { FormatterClass } from './support/formatters';
import { exampleModule } from './support/formatters';

const { FieldList, fill } = exampleModule<{
  FieldList: FormatterClass;
  fill(text: string, width: number, indents?: { initialIndent?: string; subsequentIndent?: string }): string;
}>('fields.js');
const { FormatterBase } = exampleModule<{ FormatterBase: FormatterClass }>('base.js');

describe('TestExampleFields', () => {
  test('simpleItems', () => {
    const f = new FieldList(100);
    const text = [...f.format({ a: 'A', b: 'B' })].join('');
    const expected = [': a : A', ': b : B', ''].join('\n');
    expect(text).toBe(expected);
  });

  test('longItem', () => {
    const f = new FieldList(25);
    const text = [...f.format({ name: 'a value longer than the allowed width' })].join('');
    const expected = [': name : a value longer', '    than the allowed', '    width', ''].join('\n');
    expect(text).toBe(expected);
  });

  test('FieldList is a FormatterBase; FormatterBase itself is abstract', () => {
    expect(new FieldList()).toBeInstanceOf(FormatterBase);
    expect(new FieldList().maxWidth).toBe(60);
    expect(() => new FormatterBase()).toThrow(TypeError);
  });
});

describe("fill() wraps as Python's textwrap.fill", () => {
  // Expected values printed by Python 3's textwrap.fill with the same arguments.
  test.each([
    [
      'state-of-the-art hyphenated words break after their hyphens',
      20,
      '    ',
      'state-of-the-art\n    hyphenated words\n    break after\n    their hyphens',
    ],
    ['a\ttab and  two spaces', 12, '    ', 'a       tab\n    and  two\n    spaces'],
    ['supercalifragilisticexpialidocious', 10, '  ', 'supercalif\n  ragilist\n  icexpial\n  idocious'],
    [': key : long-winded-explanation', 12, '    ', ': key :\n    long-\n    winded-e\n    xplanati\n    on'],
    ['', 10, '    ', ''],
    ['   leading spaces stay on the first line', 15, '    ', '   leading\n    spaces stay\n    on the\n    first line'],
  ])('%j at width %i', (text, width, subsequentIndent, expected) => {
    expect(fill(text, width, { subsequentIndent })).toBe(expected);
  });

  test('a width that is not positive is refused', () => {
    expect(() => fill('text', 0)).toThrow('invalid width 0 (must be > 0)');
  });
});
