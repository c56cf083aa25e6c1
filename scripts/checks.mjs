// Runs npm scripts of package.json at the same time and fails when any of them failed:
// `node scripts/checks.mjs lint:types lint:code ...`. Each one's output is held back and printed whole when it
// ends (no interleaved lines). The checks are independent programs, each mostly on one core: side by side they
// take about the time of the longest rather than of all together.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const names = process.argv.slice(2);
const unknown = names.filter((name) => typeof scripts[name] !== 'string');
if (names.length === 0 || unknown.length > 0) {
  process.stderr.write(
    `usage: node scripts/checks.mjs SCRIPT...; not scripts of package.json: ${unknown.join(', ')}\n`,
  );
  process.exit(2);
}

// As npm runs a script: the local tools first on the PATH.
const env = { ...process.env, PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}` };

function run(name) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(scripts[name], { cwd: root, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    let reported = false;
    const done = (status, error) => {
      if (reported) return;
      reported = true;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const verdict = status === 0 ? 'passed' : `FAILED (${error ?? `exit ${status}`})`;
      process.stdout.write(
        `> ${name}: ${scripts[name]}\n${Buffer.concat(output)}< ${name} ${verdict} in ${seconds} s\n`,
      );
      resolve(status === 0);
    };
    child.on('error', (error) => done(null, error.message));
    child.on('close', (status, signal) => done(status, signal ?? undefined));
  });
}

const results = await Promise.all(names.map(run));
const failed = names.filter((_, index) => !results[index]);
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
