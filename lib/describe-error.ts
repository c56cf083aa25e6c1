/**
 * Turns whatever a plugin threw into text for a report, without ever
 * throwing itself. Plugins may throw anything: `null`, a string, an object
 * without a prototype (which `String()` refuses), or a Proxy whose every
 * trap throws. Reporting such a failure must not become a second failure.
 */

/** A report-safe description of a thrown value. */
export interface ErrorDescription {
  /** The error's message, or a description of the non-Error value. */
  message: string;
  /** The stack trace, when the value is an Error that has one. */
  stack: string | undefined;
}

/** Describes a thrown value; never throws, whatever the value does. */
export function describeError(error: unknown): ErrorDescription {
  const message = errorMessage(error);
  try {
    return { message, stack: isError(error) ? safeString(() => error.stack, '') || undefined : undefined };
  } catch {
    return { message, stack: undefined };
  }
}

/**
 * The message of {@link describeError} alone. An Error's stack is left unread: formatting it is most of what an
 * error costs, and the one-line reports need only the message.
 */
export function errorMessage(error: unknown): string {
  try {
    return isError(error) ? safeString(() => error.message, '<unreadable message>') : describeValue(error);
  } catch {
    return '<a value that cannot be described>';
  }
}

function isError(value: unknown): value is Error {
  // Errors from another realm (a vm context, a test runner's sandbox) fail `instanceof`.
  return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
}

function primitiveText(value: unknown): string {
  return typeof value === 'symbol' ? value.toString() : `${value as number | bigint | boolean}`;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return `a thrown ${value} (not an Error)`;
  if (typeof value === 'string') return value === '' ? 'a thrown empty string (not an Error)' : value;
  if (typeof value !== 'object' && typeof value !== 'function')
    return `a thrown ${typeof value} ${primitiveText(value)}`;
  // An object's own toString, when it has one, says what it is best.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  const text = safeString(() => String(value), '');
  if (text && text !== '[object Object]') return text;
  const json = safeString(() => JSON.stringify(value), '');
  return json ? `a thrown object ${json.slice(0, 200)}` : 'a thrown object (not an Error)';
}

function safeString(read: () => unknown, fallback: string): string {
  try {
    const value = read();
    return typeof value === 'string' ? value : fallback;
  } catch {
    return fallback;
  }
}
