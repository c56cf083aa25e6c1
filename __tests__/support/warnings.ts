/**
 * The warnings stevedore-ts emits (process.emitWarning with a STEVEDORE_*
 * code), recorded instead of printed so that tests can assert them; and the
 * guard that fails a test whose warnings nobody recorded (they would print
 * as stray lines in the test run's output).
 */
import { resetWarnings } from '../../lib/diagnostics';

export interface RecordedWarning {
  message: string;
  code: string | undefined;
  type: string | undefined;
  detail: string | undefined;
}

export type WarningField = keyof RecordedWarning;

const ALL_FIELDS: readonly WarningField[] = ['message', 'code', 'type', 'detail'];

export interface WarningRecorder<F extends WarningField = WarningField> {
  /** What was emitted since the recorder started, in order; each with only the fields asked for. */
  warnings: Pick<RecordedWarning, F>[];
  /** Stops recording (warnings are emitted as usual again). */
  restore(): void;
}

/**
 * Forgets which warnings this process has already reported (each is
 * reported once per process), as a new process would start.
 */
export function forgetReportedWarnings(): void {
  resetWarnings();
}

type EmitWarning = (
  warning: string | Error,
  options?: string | { type?: string; code?: string; detail?: string },
) => void;

/** The fields of one process.emitWarning call, in either of its forms. */
function describeCall(...[warning, options, code]: [...Parameters<EmitWarning>, string?]): RecordedWarning {
  const opts = typeof options === 'object' && options !== null ? options : { type: options, code };
  return {
    message: typeof warning === 'string' ? warning : warning.message,
    code: opts.code,
    type: opts.type ?? (typeof warning === 'string' ? undefined : warning.name),
    detail: opts.detail,
  };
}

/**
 * Records the warnings emitted until `restore()`, instead of printing them.
 * Starts by forgetting the warnings already reported in this process, so a
 * test sees its own warnings whatever ran before it.
 *
 * @param fields The fields to keep of each warning (default: all), so that a
 *   test can compare whole records: `recordWarnings(['code', 'message'])`.
 */
export function recordWarnings<F extends WarningField = WarningField>(
  fields: readonly F[] = ALL_FIELDS as readonly F[],
): WarningRecorder<F> {
  forgetReportedWarnings();
  const warnings: Pick<RecordedWarning, F>[] = [];
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(((...args: Parameters<EmitWarning>) => {
    const all = describeCall(...args);
    warnings.push(Object.fromEntries(fields.map((field) => [field, all[field]])) as Pick<RecordedWarning, F>);
  }) as typeof process.emitWarning);
  return { warnings, restore: () => spy.mockRestore() };
}

/**
 * Runs `run` with the warnings recorded (as {@link recordWarnings} does,
 * starting from a forgotten record); returns its result and the warnings'
 * codes and messages.
 */
export function withWarnings<R>(run: () => R): { result: R; warnings: Pick<RecordedWarning, 'code' | 'message'>[] } {
  const recorded = recordWarnings(['code', 'message']);
  try {
    return { result: run(), warnings: recorded.warnings };
  } finally {
    recorded.restore();
  }
}

/**
 * Makes every test fail that lets a stevedore-ts warning through unrecorded
 * (other warnings are emitted as usual). Installed for every test file by
 * the jest setup (setup/stray-warnings.ts).
 */
export function failOnStrayWarnings(): void {
  const emitWarning = process.emitWarning;
  let stray: RecordedWarning[] = [];
  process.emitWarning = function guarded(this: unknown, ...args: unknown[]) {
    const warning = describeCall(...(args as Parameters<EmitWarning>));
    if (warning.type === 'StevedoreWarning' || warning.code?.startsWith('STEVEDORE_')) stray.push(warning);
    else Reflect.apply(emitWarning, this, args);
  } as typeof process.emitWarning;
  const check = (): void => {
    if (stray.length === 0) return;
    const lines = stray.map((warning) => `  [${warning.code}] ${warning.message}`);
    stray = [];
    throw new Error(
      `stevedore-ts warnings were emitted that no test recorded (use recordWarnings() from ` +
        `__tests__/support/warnings and assert them):\n${lines.join('\n')}`,
    );
  };
  afterEach(check);
  afterAll(check);
}
