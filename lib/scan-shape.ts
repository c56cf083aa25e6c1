/**
 * Checks that a scan read back from the on-disk cache has the shape a scan
 * has. The cache file is JSON that anything could have written (another
 * version, a hand edit, a damaged disk); a file of the right format number
 * but the wrong shape must be ignored and rebuilt, not crash the
 * application in `registry.entryPoints()`.
 */
import path from 'node:path';
import { parseEntryPointValue } from './entry-point';
import type { ScanResult } from './scan';

type Check = (value: unknown) => boolean;

const isString: Check = (value) => typeof value === 'string';
const arrayOf =
  (check: Check): Check =>
  (value) =>
    Array.isArray(value) && value.every(check);
const tupleOf =
  (...checks: Check[]): Check =>
  (value) =>
    Array.isArray(value) && value.length === checks.length && checks.every((check, i) => check(value[i]));
const objectWith =
  (fields: Record<string, Check>): Check =>
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    Object.entries(fields).every(([key, check]) => check((value as Record<string, unknown>)[key]));

const isValue: Check = (value) => {
  try {
    parseEntryPointValue(value);
    return true;
  } catch {
    return false;
  }
};

const isScan = objectWith({
  packages: arrayOf(
    objectWith({
      dist: objectWith({
        name: isString,
        version: isString,
        root: (root) => typeof root === 'string' && path.isAbsolute(root),
      }),
      installedAs: isString,
      source: isString,
      declarations: arrayOf(tupleOf(isString, isString, isValue)),
    }),
  ),
  shadowed: arrayOf(objectWith({ installedAs: isString, path: isString, source: isString })),
  problems: arrayOf(objectWith({ code: isString, file: isString, reason: isString })),
  watch: arrayOf(tupleOf(isString, isString)),
});

/** True when `value` is shaped like a {@link ScanResult} and every declared value parses. */
export function isScanResult(value: unknown): value is ScanResult {
  return isScan(value);
}
