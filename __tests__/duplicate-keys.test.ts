import { fc, test } from '@fast-check/jest';
import { duplicateDeclarationProblems } from '../lib/duplicate-keys';
import { manifestFields, readEntryPoints } from '../lib/manifest';

const reasons = (text: string): string[] => duplicateDeclarationProblems(text).map(({ reason }) => reason);

describe('duplicateDeclarationProblems', () => {
  test('reports each repeated group and name once, with the group and name it is about', () => {
    const text =
      '{"name": "x", "name": "y", "entryPoints": {"g": {"n": "./a.js", "n": "./b.js", "n": "./c.js"}, ' +
      '"h": {"m": "./m.js"}, "h": {"m": "./m.js"}, "h": {}}}';
    expect(duplicateDeclarationProblems(text)).toEqual([
      {
        reason: 'entry point "n" appears more than once in group "g": only the last one is used',
        group: 'g',
        name: 'n',
      },
      {
        reason: 'group "h" appears more than once in "entryPoints": only the last one is used',
        group: 'h',
        name: null,
      },
    ]);
  });

  test('a repeated "entryPoints" is one problem: what the dropped copy holds is not looked into', () => {
    const text =
      '{"entryPoints": {"g": {"n": "./a.js", "n": "./b.js"}, "g": {}}, "entryPoints": {"g": {"k": "./k.js"}}}';
    expect(duplicateDeclarationProblems(text)).toEqual([
      { reason: '"entryPoints" appears more than once: only the last one is used', group: null, name: null },
    ]);
  });

  test('a repeated name in a group that is dropped as a whole is part of that one problem', () => {
    expect(reasons('{"entryPoints": {"g": {"n": "./a.js", "n": "./b.js"}, "g": {"n": "./c.js"}}}')).toEqual([
      'group "g" appears more than once in "entryPoints": only the last one is used',
    ]);
  });

  test('keys deeper than names, and keys elsewhere in the manifest, are never compared', () => {
    const text =
      '{"name": "x", "esbuildConfig": {"entryPoints": {"main": 1, "main": 2}}, ' +
      '"entryPoints": {"g": {"n": {"deep": 1, "deep": 2}}, "a": [{"x": 1, "x": 2}]}, "other": {"k": 1, "k": 2}}';
    expect(reasons(text)).toEqual([]);
    expect(reasons(text.replace('"name": "x"', '"name": "x\\\\"'))).toEqual([]);
  });

  test('keys written with escapes are the keys JSON.parse sees', () => {
    expect(
      duplicateDeclarationProblems('{"entry\\u0050oints": {"\\u0067": {"n": "./a.js", "\\u006e": "./b.js"}, "g": {}}}'),
    ).toEqual([
      {
        reason: 'group "g" appears more than once in "entryPoints": only the last one is used',
        group: 'g',
        name: null,
      },
    ]);
    expect(reasons('{"entryPoints": {"g": {"n": "./a.js", "\\u006e": "./b.js"}}}')).toEqual([
      'entry point "n" appears more than once in group "g": only the last one is used',
    ]);
    // A nested field spelled plainly, the top-level one with an escape: only the top-level one counts.
    expect(
      reasons('{"x": {"entryPoints": {"main": 1, "main": 2}}, "entry\\u0050oints": {"g": {"a": "1", "a": "2"}}}'),
    ).toEqual(['entry point "a" appears more than once in group "g": only the last one is used']);
  });

  test('strings that hold quotes, backslashes and braces are read as strings', () => {
    const text =
      '{"description": "a \\"quoted\\" {brace} [x] \\\\", "entryPoints": {"g\\"": {"n": "./a.js {\\\\\\"", ' +
      '"n": "[", "m": "}"}}, "z": "\\\\\\\\"}';
    expect(JSON.parse(text)).toBeDefined();
    expect(duplicateDeclarationProblems(text)).toEqual([
      {
        reason: 'entry point "n" appears more than once in group "g\\"": only the last one is used',
        group: 'g"',
        name: 'n',
      },
    ]);
  });

  test('an "entryPoints" that is not an object of groups has no keys to compare', () => {
    for (const value of ['[{"a": 1, "a": 2}]', '"x"', '12', 'null', '{"g": [{"a": 1, "a": 2}], "h": "x"}']) {
      const text = `{"a": 1, "entryPoints": ${value}, "b": {"c": 1}}`;
      expect(JSON.parse(text)).toBeDefined();
      expect(reasons(text)).toEqual([]);
      expect(reasons(`{"a": "\\u0041", "entryPoints": ${value}, "entryPoints": ${value}}`)).toEqual([
        '"entryPoints" appears more than once: only the last one is used',
      ]);
    }
  });

  test('a name a megabyte long is quoted in part', () => {
    const name = 'n'.repeat(1_000_000);
    const [problem] = duplicateDeclarationProblems(`{"entryPoints": {"g": {"${name}": "1", "${name}": "2"}}}`);
    expect(problem.name).toBe(name);
    expect(problem.reason.length).toBeLessThan(400);
    expect(problem.reason).toContain('…" (1000000 characters) appears more than once in group "g"');
  });
});

describe('reading the field from the bytes finds the same repeated keys as the text walk', () => {
  const name = fc.constantFrom('"a"', '"b"', '"\\u0061"', '"a\\"b"');
  const value = fc.constantFrom('"./x.js"', '1', '[{"a": 1, "a": 2}]', '{"a": 1, "a": 2}', '"{\\"a\\": ["');
  const group = fc
    .array(fc.tuple(name, value), { maxLength: 4 })
    .map((members) => `{${members.map(([key, v]) => `${key}: ${v}`).join(', ')}}`);
  const groupValue = fc.oneof(group, fc.constantFrom('[]', '"x"', 'null'));
  const field = fc
    .array(fc.tuple(fc.constantFrom('"g"', '"h"', '"\\u0067"'), groupValue), { maxLength: 4 })
    .map((groups) => `{${groups.map(([key, v]) => `${key}: ${v}`).join(', ')}}`);
  const manifest = fc
    .tuple(fc.array(fc.oneof(field, fc.constantFrom('[]', '7')), { minLength: 1, maxLength: 3 }), fc.boolean())
    .map(([fields, escaped]) => {
      const key = escaped ? '"entry\\u0050oints"' : '"entryPoints"';
      return `{"name": "x", ${fields.map((f) => `${key}: ${f}`).join(', "other": {"entryPoints": {"a": 1, "a": 2}}, ')}}`;
    });

  test.prop([manifest], { numRuns: 300 })('for any manifest with repeated groups, names and fields', (text) => {
    const bytes = Buffer.from(text);
    const fields = manifestFields(bytes)!;
    const [start, end] = fields.entryPoints!;
    expect(readEntryPoints(bytes, start, end, fields.entryPointsKeys).repeated).toEqual(
      duplicateDeclarationProblems(text),
    );
  });
});
