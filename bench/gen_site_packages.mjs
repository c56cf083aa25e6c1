#!/usr/bin/env node
// A Python site-packages folder holding exactly the entry points of a tree made
// by gen_node_modules.mjs, read from the tree itself: one `<name>-<version>.dist-info`
// per package (METADATA, and entry_points.txt for those that declare entry
// points), each `./index.js:Attr` of the tree written `<name>:Attr`. For
// Python stevedore, run side by side with stevedore-ts on the same entry points.
//
// Usage: node gen_site_packages.mjs <tree> <out>
// Writes <out>/manifest.json with the counts (as the tree's manifest.json has them).
import fs from 'node:fs';
import path from 'node:path';

const GROUP = 'bench.plugins';
const [tree, out] = process.argv.slice(2);
if (!tree || !out) throw new Error('usage: gen_site_packages.mjs <tree> <out>');

/** The package folders of the tree's node_modules, scoped ones included. */
function packageFolders(modules) {
  const folders = [];
  for (const name of fs.readdirSync(modules).sort()) {
    if (name.startsWith('.')) continue;
    if (!name.startsWith('@')) folders.push(path.join(modules, name));
    else
      for (const scoped of fs.readdirSync(path.join(modules, name)).sort())
        folders.push(path.join(modules, name, scoped));
  }
  return folders;
}

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const manifest = { plugin_entry_points: 0, other_entry_points: 0, packages_with_entry_points: 0, packages: 0 };
for (const folder of packageFolders(path.join(tree, 'node_modules'))) {
  const pj = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
  // A Python distribution name: the package name without its scope.
  const name = pj.name.replace(/^@[^/]+\//, '');
  const info = path.join(out, `${name}-${pj.version}.dist-info`);
  fs.mkdirSync(info);
  fs.writeFileSync(path.join(info, 'METADATA'), `Metadata-Version: 2.1\nName: ${name}\nVersion: ${pj.version}\n`);
  manifest.packages += 1;
  const groups = pj.entryPoints ?? {};
  if (Object.keys(groups).length === 0) continue;
  manifest.packages_with_entry_points += 1;
  let text = '';
  for (const [group, entries] of Object.entries(groups)) {
    text += `[${group}]\n`;
    for (const [entry, value] of Object.entries(entries)) text += `${entry} = ${name}:${value.split(':').pop()}\n`;
    text += '\n';
    if (group === GROUP) manifest.plugin_entry_points += Object.keys(entries).length;
    else manifest.other_entry_points += Object.keys(entries).length;
  }
  fs.writeFileSync(path.join(info, 'entry_points.txt'), text);
}
fs.writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
console.log(JSON.stringify(manifest));
