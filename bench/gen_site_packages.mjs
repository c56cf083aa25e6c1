#!/usr/bin/env node
// A Python site-packages folder with exactly the entry points of a tree from
// gen_node_modules.mjs (same N, K and --node-only): one `<name>-1.0.0.dist-info`
// per package (METADATA, and entry_points.txt for those that declare), each
// value `pkgNNNNN:Attr` for the `./index.js:Attr` of the Node tree. For Python
// stevedore run side by side with stevedore-ts on the same entry points.
//
// Usage: node gen_site_packages.mjs --n 20000 [--k 0.2] [--node-only] --out DIR
// Prints (and writes to DIR/manifest.json) the counts, as the Node generator does.
import fs from 'node:fs';
import path from 'node:path';

const GROUP = 'bench.plugins';
const OTHER_GROUPS = ['pytest11', 'flake8.extension', 'sphinx.html_themes', 'bench.other'];

// ---------------------------------------------------------------- the layout of gen_node_modules.mjs (a copy)
function mix32(h) {
  h >>>= 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}
const rnd = (i, salt) => mix32((Math.imul(i, 0x9e3779b1) + Math.imul(salt, 0x85ebca77)) >>> 0);
const unit = (i, salt) => rnd(i, salt) / 4294967296;
const pad = (i) => String(i).padStart(5, '0');

function layoutFor(i, n, k, other = true) {
  const name = `pkg${pad(i)}`;
  const groups = {};
  if (unit(i, 1) < k) {
    const cnt = 1 + (rnd(i, 2) % 3);
    groups[GROUP] = [];
    for (let j = 0; j < cnt; j++) groups[GROUP].push([`p${pad(i)}_${j}`, ['Plugin', 'Plugin2', 'Plugin3'][j]]);
    if (unit(i, 3) < 0.3) groups.console_scripts = [[name, 'main']];
  } else if (other) {
    const r = unit(i, 3);
    if (r < 0.35) {
      const cnt = 1 + (rnd(i, 4) % 2);
      groups.console_scripts = [];
      for (let j = 0; j < cnt; j++) groups.console_scripts.push([j === 0 ? name : `${name}-${j}`, 'main']);
    } else if (r < 0.45) {
      const g = OTHER_GROUPS[rnd(i, 5) % OTHER_GROUPS.length];
      const cnt = 1 + (rnd(i, 4) % 2);
      groups[g] = [];
      for (let j = 0; j < cnt; j++) groups[g].push([`${g.split('.')[0]}_${name}_${j}`, ['Plugin', 'Plugin2'][j]]);
    }
  }
  return groups;
}

// ---------------------------------------------------------------- main
function parseArgs(argv) {
  const a = { k: 0.2, other: true };
  for (let j = 0; j < argv.length; j++) {
    if (argv[j] === '--n') a.n = Number(argv[++j]);
    else if (argv[j] === '--k') a.k = Number(argv[++j]);
    else if (argv[j] === '--out') a.out = argv[++j];
    else if (argv[j] === '--node-only') a.other = false;
    else throw new Error(`unknown argument ${argv[j]}`);
  }
  if (!a.n || !a.out) throw new Error('usage: gen_site_packages.mjs --n N [--k K] [--node-only] --out DIR');
  return a;
}

const { n, k, out, other } = parseArgs(process.argv.slice(2));
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const manifest = { n, k, group: GROUP, plugin_entry_points: 0, other_entry_points: 0, packages_with_entry_points: 0 };
for (let i = 1; i <= n; i++) {
  const name = `pkg${pad(i)}`;
  const info = path.join(out, `${name}-1.0.0.dist-info`);
  fs.mkdirSync(info);
  fs.writeFileSync(path.join(info, 'METADATA'), `Metadata-Version: 2.1\nName: ${name}\nVersion: 1.0.0\n`);
  const groups = layoutFor(i, n, k, other);
  const names = Object.keys(groups);
  if (names.length === 0) continue;
  manifest.packages_with_entry_points += 1;
  let text = '';
  for (const group of names) {
    text += `[${group}]\n`;
    for (const [entry, attr] of groups[group]) text += `${entry} = ${name}:${attr}\n`;
    text += '\n';
    if (group === GROUP) manifest.plugin_entry_points += groups[group].length;
    else manifest.other_entry_points += groups[group].length;
  }
  fs.writeFileSync(path.join(info, 'entry_points.txt'), text);
}
fs.writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
console.log(JSON.stringify(manifest));
