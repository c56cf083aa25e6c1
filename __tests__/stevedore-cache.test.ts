/**
 * Port of stevedore/tests/test_cache.py: the on-disk cache of the scan
 * (stevedore's `_cache.Cache`) is a Registry's cache here, in a folder of
 * its own. `test_disable_caching_executable` (caching off when Python runs
 * from /tmp, for Ansible) is not ported: an unwritable cache folder only
 * turns caching off.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Registry, cacheInfo } from '../lib';
import { createPackageTree } from '../lib/testing';
import type { PackageTree } from '../lib/testing';

let tree: PackageTree;
let cacheDir: string;
beforeEach(() => {
  tree = createPackageTree({
    packages: [{ name: 'plugin', entryPoints: { 'stevedore.test': { p: './index.js' } }, files: { 'index.js': '' } }],
  });
  cacheDir = path.join(tree.dir, 'cache');
});
afterEach(() => tree.cleanup());

describe('TestCache', () => {
  test('disableCachingFile', () => {
    // Caching is disabled if a .disable file is present in the cache folder.
    mkdirSync(cacheDir);
    writeFileSync(path.join(cacheDir, '.disable'), '');
    expect(cacheInfo(cacheDir).disabled).toBe(`${path.join(cacheDir, '.disable')} exists`);
    const sot = new Registry({ root: tree.root, cacheDir });
    sot.scan();
    expect(sot.cacheStatus).toBe('off');

    const other = path.join(tree.dir, 'other-cache');
    expect(cacheInfo(other).disabled).toBeNull();
    const enabled = new Registry({ root: tree.root, cacheDir: other });
    enabled.scan();
    // Stored, or not yet when the tree was written too recently to trust: caching is on either way.
    expect(['stored', 'not-stored']).toContain(enabled.cacheStatus);
  });

  test('getDataForPathNoWrite', () => {
    // With caching disabled, the scan creates no cache folder.
    const sot = new Registry({ root: tree.root, cacheDir, cache: false });
    expect(sot.entryPoints('stevedore.test').map((entryPoint) => entryPoint.name)).toEqual(['p']);
    expect(existsSync(cacheDir)).toBe(false);
  });

  test('buildCacheableData', () => {
    // What is cached: the packages that declare entry points, each with its declarations.
    const ret = new Registry({ root: tree.root, cache: false }).scan();
    expect(Array.isArray(ret.packages)).toBe(true);
    expect(
      ret.packages.map((record) => [record.dist.name, record.declarations.map(([group, name]) => [group, name])]),
    ).toEqual([['plugin', [['stevedore.test', 'p']]]]);
  });
});
