// Builds dist/: tsc compiles lib/ to CommonJS with declarations; esbuild then
// bundles the main entry into one file (importing the library is then one file
// to read and compile, not twenty: it halves the cost of `require('stevedore-ts')`),
// and each public entry gets an ES module wrapper (.mjs + .d.mts) that re-exports
// the CommonJS build, so `import` and `require()` share one copy of the library.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});

const esbuild = require('esbuild');
esbuild.buildSync({
  entryPoints: [path.join(root, 'lib', 'index.ts')],
  outfile: path.join(dist, 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Loaded lazily by the library, and shared with the application's copies.
  external: ['tapable', 'debug', 'semver'],
  sourcemap: true,
  logLevel: 'warning',
});

for (const entry of ['index', 'testing']) {
  const names = Object.keys(require(path.join(dist, `${entry}.js`))).filter((name) => name !== '__esModule');
  writeFileSync(
    path.join(dist, `${entry}.mjs`),
    `import cjs from './${entry}.js';\nexport const { ${names.join(', ')} } = cjs;\n`,
  );
  writeFileSync(path.join(dist, `${entry}.d.mts`), `export * from './${entry}.js';\n`);
}
const cli = path.join(dist, 'cli', 'main.js');
if (existsSync(cli)) chmodSync(cli, 0o755);
