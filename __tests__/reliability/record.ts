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
  /**
   * `case` where the cases can run, else (`unavailable` says why not) a `case` that jest shows as skipped, with
   * the reason in its title; the suite's table is then not written.
   */
  unless(unavailable: string | null): SuiteReport['case'];
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
  function registerCase(
    title: string,
    run: () => string | Promise<string>,
    timeout: number | undefined,
    unavailable: string | null,
  ): void {
    declare(title);
    (unavailable === null ? test : test.skip)(
      unavailable === null ? title : `${title} (skipped: ${unavailable})`,
      async () => {
        rows.set(title, await run());
      },
      timeout,
    );
  }
  return {
    case: (title, run, timeout) => registerCase(title, run, timeout, null),
    unless: (unavailable) => (title, run, timeout) => registerCase(title, run, timeout, unavailable),
  };
}

/** Replaces machine-specific paths in an outcome so that the table is the same on every run. */
export function portable(text: string, replacements: Record<string, string>): string {
  let out = text;
  const entries = Object.entries(replacements).sort(([a], [b]) => b.length - a.length);
  for (const [from, to] of entries) out = out.split(from).join(to);
  return out.split(os.tmpdir()).join('<tmp>').replace(/\s+/g, ' ').trim();
}
