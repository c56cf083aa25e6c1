/**
 * Records what the library did in each reliability case, so that
 * docs/reliability.md is generated from it (scripts/reliability.mjs, which
 * gives the run a folder to record into: $STEVEDORE_RELIABILITY_DIR; other
 * runs record nothing). A suite is recorded only when every one of its cases
 * ran and passed: a filtered or failing run leaves the published table as it
 * was.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Row {
  case: string;
  outcome: string;
}

/** The records of one suite: `case(title, fn)` is a jest test whose resolved value is the outcome shown. */
export interface SuiteReport {
  case(title: string, run: () => string | Promise<string>, timeout?: number): void;
  /** A case that cannot run here: jest shows it as skipped with `reason`, and the suite's table is not written. */
  skipped(title: string, reason: string): void;
}

/**
 * Starts the records of a suite.
 *
 * @param id Stable identifier: the section of docs/reliability.md this suite owns.
 * @param heading The section's heading.
 * @param intro One paragraph under the heading.
 */
export function reliabilitySuite(id: string, heading: string, intro: string): SuiteReport {
  const declared: string[] = [];
  const rows = new Map<string, string>();
  afterAll(() => {
    const dir = process.env.STEVEDORE_RELIABILITY_DIR;
    if (!dir || rows.size !== declared.length) return;
    mkdirSync(dir, { recursive: true });
    const ordered: Row[] = declared.map((title) => ({ case: title, outcome: rows.get(title) ?? '' }));
    writeFileSync(path.join(dir, `${id}.json`), JSON.stringify({ id, heading, intro, rows: ordered }));
  });
  function declare(title: string): void {
    if (declared.includes(title)) throw new Error(`duplicate reliability case title: ${title}`);
    declared.push(title);
  }
  return {
    skipped(title, reason) {
      declare(title);
      test.skip(`${title} (skipped: ${reason})`, () => undefined);
    },
    case(title, run, timeout) {
      declare(title);
      test(
        title,
        async () => {
          rows.set(title, await run());
        },
        timeout,
      );
    },
  };
}

/** Replaces machine-specific paths in an outcome so that the table is the same on every run. */
export function portable(text: string, replacements: Record<string, string>): string {
  let out = text;
  const entries = Object.entries(replacements).sort(([a], [b]) => b.length - a.length);
  for (const [from, to] of entries) out = out.split(from).join(to);
  return out.split(os.tmpdir()).join('<tmp>').replace(/\s+/g, ' ').trim();
}
