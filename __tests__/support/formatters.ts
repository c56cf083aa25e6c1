/**
 * The formatter plugins of examples/formatters (stevedore's tutorial
 * examples), loaded for the tests that port stevedore's example tests.
 */
import path from 'node:path';

/** The example package: its package.json declares `stevedore.example.formatter`. */
export const FORMATTERS = path.join(__dirname, '..', '..', 'examples', 'formatters');

/** The API of a formatter plugin (FormatterBase). */
export interface Formatter {
  maxWidth: number;
  format(data: Record<string, unknown>): Iterable<string>;
}
export type FormatterClass = new (maxWidth?: number) => Formatter;

/** Requires a module of the example's `lib/` folder. */
export function exampleModule<T>(file: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(FORMATTERS, 'lib', file)) as T;
}
