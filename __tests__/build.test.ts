/**
 * The build (scripts/build.mjs), run the way its users run it: `npm run build`
 * from the checkout, and `npm run demo`, whose prestart builds the library
 * from examples/trove-api when dist/ is missing or stale.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './support/dist';
import { runOk } from './support/processes';
import { tempDir } from './support/temp';

test('the build works from any working directory, as the demo runs it on a fresh clone', () => {
  // A copy of what the build reads, so that the checkout's dist/ (which other tests use) is left alone.
  const { dir, cleanup } = tempDir('build');
  try {
    for (const folder of ['lib', 'scripts'])
      cpSync(path.join(REPO, folder), path.join(dir, folder), { recursive: true });
    for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) {
      copyFileSync(path.join(REPO, file), path.join(dir, file));
    }
    symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
    const elsewhere = path.join(dir, 'examples', 'trove-api');
    mkdirSync(elsewhere, { recursive: true });

    runOk(process.execPath, [path.join(dir, 'scripts', 'build.mjs')], { cwd: elsewhere });

    const library = path.join(dir, 'dist', 'index.js');
    const exported = runOk(process.execPath, ['-p', `Object.keys(require(${JSON.stringify(library)})).join(' ')`]);
    expect(exported.stdout.split(' ')).toEqual(
      expect.arrayContaining(['Registry', 'ExtensionManager', 'DriverManager']),
    );
    for (const file of ['index.d.ts', 'index.mjs', 'testing.js', path.join('cli', 'main.js')]) {
      expect(existsSync(path.join(dir, 'dist', file))).toBe(true);
    }
    expect(readdirSync(elsewhere)).toEqual([]);
  } finally {
    cleanup();
  }
});
