import { duplicateDeclarationProblems, findDuplicateKeys } from '../lib/duplicate-keys';

describe('findDuplicateKeys', () => {
  test('finds repeated keys with the path to their object, once each', () => {
    const text = '{"a": 1, "b": {"x": [1, {"y": 1, "y": 2}], "x": 2, "x": 3}, "a": "\\"a\\""}';
    expect(findDuplicateKeys(text, 5)).toEqual([
      { path: ['b', 'x', '[]'], key: 'y' },
      { path: ['b'], key: 'x' },
      { path: [], key: 'a' },
    ]);
  });

  test('string values that look like keys, escapes and nested depth limits', () => {
    expect(findDuplicateKeys('{"k": "a\\\\", "v": {"k": "k", "k2": "\\"k\\""}}', 5)).toEqual([]);
    expect(findDuplicateKeys('{"a": {"b": {"c": 1, "c": 2}}}', 1)).toEqual([]);
  });
});

describe('duplicateDeclarationProblems', () => {
  test('reports only what loses a declaration', () => {
    const text =
      '{"name": "x", "name": "y", "entryPoints": {"g": {"n": "./a.js", "n": "./b.js"}, "g": {}, ' +
      '"h": {"m": {"deep": 1, "deep": 2}}}, "entryPoints": {}}';
    expect(duplicateDeclarationProblems(text)).toEqual([
      {
        reason: 'entry point "n" appears more than once in group "g": only the last one is used',
        group: 'g',
        name: 'n',
      },
      {
        reason: 'group "g" appears more than once in "entryPoints": only the last one is used',
        group: 'g',
        name: null,
      },
      { reason: '"entryPoints" appears more than once: only the last one is used', group: null, name: null },
    ]);
  });
});
