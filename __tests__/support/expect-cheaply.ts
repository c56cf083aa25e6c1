/**
 * Matchers for properties that check thousands of generated cases: jest's expect() costs more than the check
 * itself, so these make the check first and call expect() only to report a difference, with its usual message.
 */
import { isDeepStrictEqual } from 'node:util';

/**
 * `expect(actual).toEqual(expected)`. isDeepStrictEqual is the stricter of the two (it also compares prototypes
 * and undefined properties): where it holds, toEqual does.
 */
export function expectEqual(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

/** `expect(actual).toBe(expected)`, which compares with Object.is. */
export function expectBe(actual: unknown, expected: unknown): void {
  if (!Object.is(actual, expected)) expect(actual).toBe(expected);
}
