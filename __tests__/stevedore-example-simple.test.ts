/**
 * Port of stevedore/tests/test_example_simple.py: the `simple` formatter of
 * examples/formatters.
 */
import type { FormatterClass } from './support/formatters';
import { exampleModule } from './support/formatters';

const { Simple } = exampleModule<{ Simple: FormatterClass }>('simple.js');

describe('TestExampleSimple', () => {
  test('simpleItems', () => {
    const f = new Simple(100);
    const text = [...f.format({ a: 'A', b: 'B' })].join('');
    const expected = ['a = A', 'b = B', ''].join('\n');
    expect(text).toBe(expected);
  });

  test('items come out sorted by name, one line each', () => {
    const f = new Simple();
    expect(f.maxWidth).toBe(60);
    expect([...f.format({ b: 2, a: 1, B: 'upper' })]).toEqual(['B = upper\n', 'a = 1\n', 'b = 2\n']);
  });
});
