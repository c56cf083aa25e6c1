/**
 * manifestFields() reads `entryPoints`, `name` and `version` from a
 * package.json's bytes without building the rest: it must accept exactly the
 * texts JSON.parse accepts as an object, and give exactly what JSON.parse
 * would give for those three fields.
 */
import { fc, test } from '@fast-check/jest';
import { entryPointsOf, manifestFields, readEntryPoints } from '../lib/manifest';
import type { EntryPointsRead } from '../lib/manifest';
import { expectEqual } from './support/expect-cheaply';

/** What JSON.parse makes of the text: the three fields, or null when it is not a JSON object. */
function byJsonParse(text: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const manifest = parsed as Record<string, unknown>;
  return {
    hasEntryPoints: Object.hasOwn(manifest, 'entryPoints'),
    entryPoints: manifest.entryPoints,
    name: typeof manifest.name === 'string' ? manifest.name : null,
    version: typeof manifest.version === 'string' ? manifest.version : null,
  };
}

/** What manifestFields makes of it, in the same form. */
function byFields(text: string) {
  const bytes = Buffer.from(text);
  const fields = manifestFields(bytes);
  if (fields === null) return null;
  const [start, end] = fields.entryPoints ?? [0, 0];
  return {
    hasEntryPoints: fields.entryPoints !== null,
    entryPoints: fields.entryPoints ? JSON.parse(bytes.toString('utf8', start, end)) : undefined,
    name: fields.name,
    version: fields.version,
  };
}

/** A read of entryPointsOf() with its arrays and objects made empty, as readEntryPoints() gives them. */
function shallowOf(read: Omit<EntryPointsRead, 'repeated'>) {
  const kind = (value: unknown) =>
    Array.isArray(value) ? [] : typeof value === 'object' && value !== null ? {} : value;
  return {
    ...(read.other === undefined ? {} : { other: kind(read.other) }),
    groups: read.groups.map(({ group, entries, other }) => ({
      group,
      entries: entries && entries.map(([name, value]) => [name, kind(value)]),
      other: kind(other),
    })),
  };
}

function expectSame(text: string): void {
  expectEqual(byFields(text), byJsonParse(text));
}

describe('examples', () => {
  test.each([
    '{}',
    ' \n\t{ } \r\n',
    '{"name": "a", "version": "1.0.0", "entryPoints": {"g": {"n": "./x.js:X"}}}',
    '{"entryPoints": {"g": {"n": "./a.js"}}, "entryPoints": {"h": {}}, "name": 1, "name": "last"}',
    '{"name": "first", "name": 2}',
    '{"entry\\u0050oints": {"g": {"n": "1"}}, "n\\u0061me": "caf\\u00e9 \\"x\\" \\\\", "version": "\\/1"}',
    '{"x": {"entryPoints": {"a": 1}}, "y": ["entryPoints", "name"], "z": "entryPoints"}',
    '{"a": [1, -0, 0.5, -12.5e+3, 1E-7, 10, true, false, null, [], {}, [[]], {"b": {}}], "é": "ü\u007f"}',
    '{"entryPoints": [[[[]]]], "version": null}',
  ])('%s: as JSON.parse reads it', (text) => {
    expectSame(text);
    expect(byFields(text)).not.toBeNull();
  });

  test.each([
    '',
    ' ',
    'null',
    '[]',
    '"x"',
    '1',
    '{',
    '{"a": 1',
    '{"a": 1,}',
    '{"a" 1}',
    '{a: 1}',
    "{'a': 1}",
    '{"a": 01}',
    '{"a": 1.}',
    '{"a": .5}',
    '{"a": -}',
    '{"a": 1e}',
    '{"a": +1}',
    '{"a": NaN}',
    '{"a": tru}',
    '{"a": nul}',
    '{"a": [1,]}',
    '{"a": [1 2]}',
    '{"a": "x\ny"}',
    '{"a": "x\u0001"}',
    '{"a": "\\x"}',
    '{"a": "\\u12G4"}',
    '{"a": "\\u12"}',
    '{"a": "unterminated}',
    '{"a": 1} x',
    '{"a": 1}{}',
    '\u00a0{}',
    '{"a": [}',
    '{"a": {]}',
  ])('%j: not a JSON object, for both', (text) => {
    expect(byFields(text)).toBeNull();
    expect(byJsonParse(text)).toBeNull();
  });

  test('nesting 100,000 deep, in a value and elsewhere', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const text = `{"name": "deep", "entryPoints": ${deep}, "other": ${deep}}`;
    const bytes = Buffer.from(text);
    const fields = manifestFields(bytes);
    // (Compared as text: a deep equality check of the values would recurse 100,000 deep.)
    expect(bytes.toString('utf8', ...fields!.entryPoints!)).toBe(deep);
    expect(fields).toMatchObject({ entryPointsKeys: 1, name: 'deep', version: null });
    expect(manifestFields(Buffer.from(`{"entryPoints": ${deep.slice(1)}}`))).toBeNull();
  });
});

// Pieces that make texts near JSON: mutated, they probe every way a text can stop being JSON.
const KEYS = ['"entryPoints"', '"entry\\u0050oints"', '"name"', '"n\\u0061me"', '"version"', '"x"', '"é"', '"a\\"b"'];
const jsonText = fc
  .jsonValue()
  .chain((value) => fc.constantFrom(0, 1, 2).map((indent) => JSON.stringify(value, null, indent) ?? 'null'));
const member = fc
  .tuple(fc.constantFrom(...KEYS), jsonText, fc.constantFrom('', ' ', '\n  '))
  .map(([key, value, space]) => `${space}${key}${space}:${space}${value}`);
const objectText = fc.array(member, { maxLength: 6 }).map((members) => `{${members.join(',')}}`);
const mutation = fc.tuple(
  fc.nat(),
  fc.constantFrom('delete', 'insert', 'replace'),
  fc.constantFrom(...'{}[]":,\\ \n\t0-+.eE1tfnu\u0000\u001f\u00e9x'.split('')),
);
const nearJson = fc
  .tuple(fc.oneof(objectText, jsonText), fc.array(mutation, { maxLength: 3 }))
  .map(([text, mutations]) => {
    let out = text;
    for (const [position, kind, char] of mutations) {
      const at = out.length === 0 ? 0 : position % (out.length + 1);
      if (kind === 'delete') out = out.slice(0, at) + out.slice(at + 1);
      else if (kind === 'insert') out = out.slice(0, at) + char + out.slice(at);
      else out = out.slice(0, at) + char + out.slice(at + 1);
    }
    return out;
  });

describe('properties', () => {
  test.prop([objectText], { numRuns: 500 })(
    'objects with repeated and escaped keys: as JSON.parse reads them',
    (text) => {
      expectSame(text);
      expect(byFields(text)).not.toBeNull();
    },
  );

  test.prop([nearJson], { numRuns: 3000 })(
    'any text near JSON: accepted exactly when JSON.parse gives an object, and read alike',
    (text) => {
      expectSame(text);
    },
  );
});

describe('readEntryPoints: the field read as JSON.parse reads it, with only strings made', () => {
  /** The field as JSON.parse and Object.keys give it: groups in order, names in order, values shallow. */
  function expected(field: unknown) {
    const kind = (value: unknown) =>
      Array.isArray(value) ? [] : typeof value === 'object' && value !== null ? {} : value;
    if (typeof field !== 'object' || field === null || Array.isArray(field)) return { groups: [], other: kind(field) };
    const groups = Object.keys(field).map((group) => {
      const value = (field as Record<string, unknown>)[group];
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { group, entries: null, other: kind(value) };
      }
      const entries = Object.keys(value).map((name) => [name, kind((value as Record<string, unknown>)[name])]);
      return { group, entries, other: {} };
    });
    return { groups };
  }

  function read(text: string) {
    const bytes = Buffer.from(text);
    const fields = manifestFields(bytes)!;
    const [start, end] = fields.entryPoints!;
    const { repeated: _repeated, ...rest } = readEntryPoints(bytes, start, end, fields.entryPointsKeys);
    return rest;
  }

  test.each([
    '{"entryPoints": {"g": {"b": "./b.js", "a": "./a.js", "10": 1, "2": true, "b": "./b2.js"}, "7": {}}}',
    '{"entryPoints": {"__proto__": {"constructor": "x", "__proto__": "y"}, "4294967295": [], "4294967294": null}}',
    '{"entryPoints": {"g": [1], "h": "x", "i": 12.5e3, "j": {"n": {"deep": [[]]}, "m": -0}}}',
    '{"entryPoints": {"\\u0067": {"\\u006e": "caf\\u00e9 \\"x\\""}, "g": {"a": "1"}}}',
    '{"entryPoints": [], "entryPoints": {"g": {"a": "1"}}}',
    '{"entryPoints": "x"}',
    '{"entryPoints": {"01": 1, "1": 2, "-1": 3, "1.0": 4}}',
  ])('%s', (text) => {
    expect(read(text)).toEqual(expected(JSON.parse(text).entryPoints));
  });

  const key = fc.oneof(
    fc.constantFrom('"a"', '"b"', '"0"', '"2"', '"10"', '"__proto__"', '"\\u0061"', '"é"'),
    fc.json(),
  );
  const value = fc.oneof(fc.json(), fc.constantFrom('"./x.js"', '[[[]]]', '{"a": {"a": 1}}'));
  const object = (member: fc.Arbitrary<string>) =>
    fc
      .array(fc.tuple(key, member), { maxLength: 5 })
      .map(
        (members) =>
          `{${members.map(([k, v]) => (k.startsWith('"') ? `${k}: ${v}` : `${JSON.stringify(k)}: ${v}`)).join(', ')}}`,
      );
  const field = fc.oneof(
    { weight: 4, arbitrary: object(fc.oneof(object(value), value)) },
    { weight: 1, arbitrary: value },
  );

  test.prop([field], { numRuns: 500 })(
    'any field: the groups, names and values JSON.parse gives, in its order',
    (text) => {
      const manifest = `{"name": "x", "entryPoints": ${text}}`;
      expectEqual(read(manifest), expected(JSON.parse(manifest).entryPoints));
    },
  );

  test.prop([field], { numRuns: 200 })(
    'entryPointsOf (for a manifest JSON.parse read whole) gives the same groups and names, and the values themselves',
    (text) => {
      const manifest = `{"name": "x", "entryPoints": ${text}}`;
      const { repeated: _repeated, ...whole } = entryPointsOf(JSON.parse(manifest).entryPoints, []);
      expectEqual(shallowOf(whole), read(manifest));
    },
  );
});
