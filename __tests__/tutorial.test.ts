/**
 * The code of docs/tutorial.md's "Testing" section, run as written (with
 * `../lib` for `stevedore-ts`), so that the tutorial stays true.
 */
import { DriverManager, ExtensionManager } from '../lib';
import { createPackageTree, makeTestExtension } from '../lib/testing';
import type { Formatter, FormatterClass } from './support/formatters';
import { exampleModule } from './support/formatters';

const { Simple } = exampleModule<{ Simple: FormatterClass }>('simple.js');
const { FieldList } = exampleModule<{ FieldList: FormatterClass }>('fields.js');

test('the report uses every formatter', () => {
  const formatters = ExtensionManager.makeTestInstance<ExtensionManager<Formatter>>([
    makeTestExtension('simple', Simple, new Simple(30)),
    makeTestExtension('field', FieldList, new FieldList(30)),
  ]);
  const results = formatters.map(
    (ext, data: Record<string, string>) => [ext.name, [...ext.obj!.format(data)].join('')],
    { a: 'A' },
  );
  expect(results).toEqual([
    ['simple', 'a = A\n'],
    ['field', ': a : A\n'],
  ]);
});

test('the configured driver is used', () => {
  const mgr = DriverManager.makeTestInstance<DriverManager<Formatter>>(
    makeTestExtension('field', FieldList, new FieldList(30)),
  );
  expect(mgr.driver).toBeInstanceOf(FieldList);
  expect(mgr.names()).toEqual(['field']);
});

test('a broken formatter package does not hide the others', () => {
  const tree = createPackageTree({
    packages: [
      {
        name: 'fmt-upper',
        entryPoints: { 'stevedore.example.formatter': { upper: './index.js:Upper' } },
        files: { 'index.js': 'exports.Upper = class { *format(d) { yield JSON.stringify(d).toUpperCase(); } };' },
      },
      {
        name: 'fmt-broken',
        entryPoints: { 'stevedore.example.formatter': { broken: './missing.js:Broken' } },
      },
    ],
  });
  try {
    const failed: string[] = [];
    const mgr = new ExtensionManager('stevedore.example.formatter', {
      registry: tree.registry,
      invokeOnLoad: true,
      onLoadFailureCallback: (_manager, entryPoint) => failed.push(entryPoint.name),
    });
    expect(mgr.names()).toEqual(['upper']);
    expect(failed).toEqual(['broken']);
  } finally {
    tree.cleanup();
  }
});
