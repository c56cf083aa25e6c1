/**
 * Reading and rewriting the on-disk cache's files in tests (the layout of
 * lib/cache.ts): one header line, then one line per section, the header
 * holding each section's byte range. Tests tamper with a stored file through
 * these helpers, so that a damaged field is the only thing wrong with it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { layOut } from '../../lib/cache';

type Range = [start: number, end: number];

/** A cache file, decoded: the header (ranges left out) and every section. */
export interface CacheFileParts {
  header: Record<string, unknown> & { groups: [string, number, number][] };
  /** Each group's section, by name, in the header's order. */
  groups: Map<string, unknown>;
  layout: unknown;
  problems: unknown;
  shadowed: unknown;
}

export function readCacheFile(file: string): CacheFileParts {
  const bytes = readFileSync(file);
  const newline = bytes.indexOf(0x0a);
  const header = JSON.parse(bytes.toString('utf8', 0, newline)) as CacheFileParts['header'];
  const body = bytes.subarray(newline + 1);
  const section = ([start, end]: Range): unknown => JSON.parse(body.toString('utf8', start, end));
  return {
    header,
    groups: new Map(header.groups.map(([name, start, end]) => [name, section([start, end])])),
    layout: section(header.layout as Range),
    problems: section(header.problems as Range),
    shadowed: section(header.shadowed as Range),
  };
}

/** Writes the parts back with the byte ranges worked out again (keeping the file's mode). */
export function writeCacheFile(file: string, parts: CacheFileParts): void {
  const groups = [...parts.groups];
  const count = groups.length;
  const sections = [...groups.map(([, data]) => data), parts.layout, parts.problems, parts.shadowed];
  const text = layOut(sections, (ranges) => ({
    ...parts.header,
    groups: groups.map(([name], index) => [name, ...ranges[index]]),
    layout: ranges[count],
    problems: ranges[count + 1],
    shadowed: ranges[count + 2],
  }));
  writeFileSync(file, text);
}

/** Reads a cache file, lets `change` alter it, and writes it back. */
export function rewriteCacheFile(file: string, change: (parts: CacheFileParts) => void): void {
  const parts = readCacheFile(file);
  change(parts);
  writeCacheFile(file, parts);
}

/** The columns of one group's section: [packages, values, entries] (see GroupSection in lib/cache.ts). */
export type GroupSection = [
  packages: [number[], number[], string[], (string | null)[], (string | null)[], string[]],
  values: [value: string, module: string, attr: string | null, extras: string[]][],
  entries: [number[], string[], number[]],
];
