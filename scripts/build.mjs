// Builds dist/: tsc compiles lib/ to CommonJS with declarations, then each
// public entry gets an ES module wrapper (.mjs + .d.mts) that re-exports the
// CommonJS build, so `import` and `require()` share one copy of the library.
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
