// Checks the package as `npm publish` would ship it: `npm pack` (whose `prepack` builds dist/), then publint
// (strict, suggestions included) and arethetypeswrong (node16 profile) on the tarball. Either one reporting
// anything fails the check. The tarball goes to a temporary folder, removed afterwards.
// `npm run lint:package`; `npm run lint` runs it beside the other checks.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const temp = mkdtempSync(path.join(os.tmpdir(), 'stevedore-package-'));
let failed = false;
try {
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', temp], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const tarball = path.join(temp, filename);

  // publint reads the package as installed: the tarball unpacked.
  const unpacked = path.join(temp, 'package');
  mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
  const { messages, pkg } = await publint({ pkgDir: unpacked, level: 'suggestion', strict: true, pack: false });
  for (const message of messages) process.stderr.write(`publint: ${formatMessage(message, pkg)}\n`);
  failed ||= messages.length > 0;

  const attw = spawnSync(
    process.execPath,
    [
      // attw (an ES module) imports TypeScript's CommonJS typescript.js, a package with no "type": without this
      // flag Node compiles those 9 MB once more only to guess a format it then sets to CommonJS anyway.
      '--no-experimental-detect-module',
      path.join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js'),
      tarball,
      '--profile',
      'node16',
    ],
    { stdio: 'inherit' },
  );
  failed ||= attw.status !== 0;
} finally {
  rmSync(temp, { recursive: true, force: true });
}
if (failed) process.exit(1);
