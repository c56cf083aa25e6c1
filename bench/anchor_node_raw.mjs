#!/usr/bin/env node
/* global performance */
// Physical-limit baseline for entry-point discovery in Node (no library, no deps): one fresh
// process per measurement, each doing exactly one MODE over <appRoot>/node_modules.
//
// Usage: node anchor_node_raw.mjs MODE <appRoot> [group=bench.plugins]
//   env BENCH_EXPECT       expected number of entry points in the group (exit 3 on mismatch;
//                          stat/list modes report the number of packages instead and are not checked)
//   env BENCH_NODE_CACHE   cache file for cache-cold / cache-warm
//
// Modes:
//   startup            nothing (baseline: node start + loading this ESM file)
//   list               readdir node_modules + every @scope dir (no package.json touched)
//   read-sync          list + readFileSync + JSON.parse every package.json, collect entryPoints[group]
//   read-prefilter     as read-sync, but JSON.parse only files whose text contains '"entryPoints"'
//   read-prefilter-buf as read-prefilter, but search the raw Buffer and decode only the hits
//   read-fast          floor for a sync scan: open + ONE readSync into a reused buffer + close (no
//                      fstat; a short read of a regular file is EOF), search the bytes for
//                      '"entryPoints"', decode + JSON.parse only the hits
//   read-fast-group    as read-fast, but parse only files that also contain '"<group>"' (exact unless
//                      someone writes the key with \u escapes)
//   read-async         fs.promises readdir/readFile, every file at once (Promise.all). Opens up to
//                      N files at once: fails with EMFILE when N approaches `ulimit -n`
//   read-async-c64     fs.promises.readFile through a pool of 64 in flight
//   read-cb-c64        callback fs.readFile through a pool of 64 in flight
//   stat-sync          list + statSync every package.json (what a cache validity check costs)
//   stat-async         list + fs.promises.stat every package.json at once
//   read-require       read-sync + require() every plugin module and fetch the attribute
//                      (analog of stevedore ExtensionManager(invoke_on_load=False))
//   cache-cold         stat + read + parse all, keep ALL groups (as stevedore does), write cache file
//   cache-warm         read cache file + list + stat every package.json and compare (hit path)
//
// Prints: mode=.. count=N inproc_ms=X since_start_ms=Y
// On an I/O error other than a missing package.json: prints `error=CODE` and exits 6.
//   inproc_ms: from the top of this module's body to the end of the work
//   since_start_ms: performance.now() at the end (Node's time origin is process start)
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';

const T0 = performance.now();
const [mode, appRoot, group = 'bench.plugins'] = process.argv.slice(2);
if (!mode || (mode !== 'startup' && !appRoot)) {
  console.error('usage: anchor_node_raw.mjs MODE <appRoot> [group]');
  process.exit(2);
}
const NM = `${appRoot}/node_modules`;
const DOT = 46; // '.'
const AT = 64; // '@'

function listSync(nm) {
  const out = [];
  for (const e of fs.readdirSync(nm, { withFileTypes: true })) {
    const name = e.name;
    if (name.charCodeAt(0) === DOT) continue;
    if (!e.isDirectory() && !e.isSymbolicLink()) continue;
    if (name.charCodeAt(0) === AT) {
      const sd = `${nm}/${name}`;
      for (const s of fs.readdirSync(sd, { withFileTypes: true })) {
        if (s.name.charCodeAt(0) !== DOT && (s.isDirectory() || s.isSymbolicLink())) out.push(`${sd}/${s.name}`);
      }
    } else {
      out.push(`${nm}/${name}`);
    }
  }
  return out;
}

async function listAsync(nm) {
  const out = [];
  const scopes = [];
  for (const e of await fsp.readdir(nm, { withFileTypes: true })) {
    const name = e.name;
    if (name.charCodeAt(0) === DOT) continue;
    if (!e.isDirectory() && !e.isSymbolicLink()) continue;
    if (name.charCodeAt(0) === AT) scopes.push(`${nm}/${name}`);
    else out.push(`${nm}/${name}`);
  }
  const subs = await Promise.all(scopes.map((sd) => fsp.readdir(sd, { withFileTypes: true })));
  subs.forEach((entries, j) => {
    for (const s of entries) {
      if (s.name.charCodeAt(0) !== DOT && (s.isDirectory() || s.isSymbolicLink())) out.push(`${scopes[j]}/${s.name}`);
    }
  });
  return out;
}

function collect(found, dir, pj) {
  const eps = pj.entryPoints && pj.entryPoints[group];
  if (!eps) return;
  for (const name of Object.keys(eps)) found.push({ name, value: eps[name], dir, pkg: pj.name });
}

function readSync(dirs) {
  const found = [];
  for (const d of dirs) {
    let text;
    try {
      text = fs.readFileSync(`${d}/package.json`, 'utf8');
    } catch {
      continue;
    }
    collect(found, d, JSON.parse(text));
  }
  return found;
}

async function pool(items, c, fn) {
  const res = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const j = next++;
      res[j] = await fn(items[j]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(c, items.length) }, worker));
  return res;
}

// A missing package.json is skipped; anything else (EMFILE, ...) is an error.
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);
const nullIfMissing = (e) => {
  if (MISSING.has(e.code)) return null;
  throw e;
};
const readOrNull = (d) => fsp.readFile(`${d}/package.json`, 'utf8').catch(nullIfMissing);
const readCb = (p) =>
  new Promise((resolve, reject) => fs.readFile(p, 'utf8', (err, t) => (err ? reject(err) : resolve(t))));
const readCbOrNull = (d) => readCb(`${d}/package.json`).catch(nullIfMissing);

function parseAll(dirs, texts) {
  const found = [];
  texts.forEach((t, j) => {
    if (t !== null) collect(found, dirs[j], JSON.parse(t));
  });
  return found;
}

function statKey(st) {
  return `${st.mtimeMs}:${st.size}:${st.ino}`;
}

async function run() {
  switch (mode) {
    case 'startup':
      return 0;
    case 'list':
      return listSync(NM).length;
    case 'read-sync':
      return readSync(listSync(NM)).length;
    case 'read-prefilter': {
      const found = [];
      for (const d of listSync(NM)) {
        let text;
        try {
          text = fs.readFileSync(`${d}/package.json`, 'utf8');
        } catch {
          continue;
        }
        if (text.includes('"entryPoints"')) collect(found, d, JSON.parse(text));
      }
      return found.length;
    }
    case 'read-prefilter-buf': {
      const found = [];
      for (const d of listSync(NM)) {
        let buf;
        try {
          buf = fs.readFileSync(`${d}/package.json`);
        } catch {
          continue;
        }
        if (buf.indexOf('"entryPoints"') !== -1) collect(found, d, JSON.parse(buf.toString('utf8')));
      }
      return found.length;
    }
    case 'read-fast':
    case 'read-fast-group': {
      const needGroup = mode === 'read-fast-group' ? Buffer.from(JSON.stringify(group)) : null;
      const found = [];
      let buf = Buffer.allocUnsafe(1 << 16);
      for (const d of listSync(NM)) {
        let fd;
        try {
          fd = fs.openSync(`${d}/package.json`, 'r');
        } catch (e) {
          if (MISSING.has(e.code)) continue;
          throw e;
        }
        let n = 0;
        try {
          for (;;) {
            const r = fs.readSync(fd, buf, n, buf.length - n, null);
            n += r;
            if (n < buf.length) break; // short read of a regular file: EOF
            const bigger = Buffer.allocUnsafe(buf.length * 2);
            buf.copy(bigger);
            buf = bigger;
          }
        } finally {
          fs.closeSync(fd);
        }
        const view = buf.subarray(0, n);
        if (view.indexOf('"entryPoints"') === -1) continue;
        if (needGroup && view.indexOf(needGroup) === -1) continue;
        collect(found, d, JSON.parse(view.toString('utf8')));
      }
      return found.length;
    }
    case 'read-async': {
      const dirs = await listAsync(NM);
      return parseAll(dirs, await Promise.all(dirs.map(readOrNull))).length;
    }
    case 'read-async-c64': {
      const dirs = await listAsync(NM);
      return parseAll(dirs, await pool(dirs, 64, readOrNull)).length;
    }
    case 'read-cb-c64': {
      const dirs = await listAsync(NM);
      return parseAll(dirs, await pool(dirs, 64, readCbOrNull)).length;
    }
    case 'stat-sync': {
      let h = 0;
      const dirs = listSync(NM);
      for (const d of dirs) {
        const st = fs.statSync(`${d}/package.json`, { throwIfNoEntry: false });
        if (st) h = (h * 31 + st.mtimeMs + st.size) % 1e9;
      }
      if (Number.isNaN(h)) process.exit(4);
      return dirs.length;
    }
    case 'stat-async': {
      const dirs = await listAsync(NM);
      const sts = await Promise.all(dirs.map((d) => fsp.stat(`${d}/package.json`).catch(nullIfMissing)));
      let h = 0;
      for (const st of sts) if (st) h = (h * 31 + st.mtimeMs + st.size) % 1e9;
      if (Number.isNaN(h)) process.exit(4);
      return dirs.length;
    }
    case 'read-require': {
      const require = createRequire(import.meta.url);
      const found = readSync(listSync(NM));
      let loaded = 0;
      for (const ep of found) {
        const colon = ep.value.lastIndexOf(':');
        const mod = require(`${ep.dir}/${ep.value.slice(0, colon)}`);
        if (typeof mod[ep.value.slice(colon + 1)] === 'function') loaded++;
      }
      return loaded;
    }
    case 'cache-cold': {
      // Everything stevedore's cold path does: stat (validity key) + read + parse all, keep all groups, write.
      const file = process.env.BENCH_NODE_CACHE;
      if (!file) throw new Error('BENCH_NODE_CACHE must be set');
      const dirs = listSync(NM);
      const keys = {};
      const groups = {};
      for (const d of dirs) {
        const p = `${d}/package.json`;
        const st = fs.statSync(p, { throwIfNoEntry: false });
        keys[d] = st ? statKey(st) : null; // a package.json appearing later invalidates too
        if (!st) continue;
        const text = fs.readFileSync(p, 'utf8');
        const pj = JSON.parse(text);
        if (!pj.entryPoints) continue;
        for (const g of Object.keys(pj.entryPoints)) {
          const eps = pj.entryPoints[g];
          const arr = groups[g] || (groups[g] = []);
          for (const name of Object.keys(eps)) arr.push([name, eps[name], d]);
        }
      }
      fs.writeFileSync(file, JSON.stringify({ version: 1, keys, groups }));
      return (groups[group] || []).length;
    }
    case 'cache-warm': {
      const file = process.env.BENCH_NODE_CACHE;
      if (!file) throw new Error('BENCH_NODE_CACHE must be set');
      const cache = JSON.parse(fs.readFileSync(file, 'utf8'));
      const dirs = listSync(NM);
      let valid = dirs.length === Object.keys(cache.keys).length;
      for (let j = 0; valid && j < dirs.length; j++) {
        const st = fs.statSync(`${dirs[j]}/package.json`, { throwIfNoEntry: false });
        valid = cache.keys[dirs[j]] === (st ? statKey(st) : null);
      }
      if (!valid) {
        console.error('cache-warm: cache invalid (run cache-cold first)');
        process.exit(5);
      }
      return (cache.groups[group] || []).length;
    }
    default:
      console.error(`unknown mode ${mode}`);
      process.exit(2);
  }
}

let count;
try {
  count = await run();
} catch (e) {
  console.error(`error=${e.code || e.message}`);
  process.exit(6);
}

const end = performance.now();
process.stdout.write(
  `mode=${mode} count=${count} inproc_ms=${(end - T0).toFixed(3)} since_start_ms=${end.toFixed(3)}\n`,
);
const expect = process.env.BENCH_EXPECT;
const checked = !['startup', 'list', 'stat-sync', 'stat-async'].includes(mode);
if (checked && expect !== undefined && Number(expect) !== count) {
  console.error(`count mismatch: expected ${expect}, got ${count}`);
  process.exit(3);
}
