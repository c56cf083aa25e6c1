/**
 * What MySQL (and so Trove's guest agent) accepts as database names,
 * character sets, collations, user names, passwords and hosts, and the names
 * Trove reserves. Each check throws an Error whose message is Trove's; the
 * controllers prefix it ("User create error: ...") and answer 400.
 */
import { pyRepr } from '../framework/validation';

/** Trove's `ignore_dbs` for MySQL: never listed, created or dropped through the API. */
export const IGNORED_DATABASES = ['mysql', 'information_schema', 'performance_schema', 'sys'];
/** Trove's `ignore_users` for MySQL: never listed or managed through the users API. */
export const IGNORED_USERS = ['os_admin', 'root'];

/** Character set -> its collations, the first being its default. */
export const CHARSETS: Record<string, string[]> = {
  utf8mb3: ['utf8mb3_general_ci', 'utf8mb3_unicode_ci', 'utf8mb3_bin'],
  utf8mb4: ['utf8mb4_general_ci', 'utf8mb4_unicode_ci', 'utf8mb4_0900_ai_ci', 'utf8mb4_bin'],
  utf8: ['utf8_general_ci', 'utf8_unicode_ci', 'utf8_bin'],
  latin1: ['latin1_swedish_ci', 'latin1_general_ci', 'latin1_bin'],
  latin2: ['latin2_general_ci', 'latin2_bin'],
  ascii: ['ascii_general_ci', 'ascii_bin'],
  binary: ['binary'],
};
const DEFAULT_CHARSET = 'utf8mb3';

const SCHEMA_NAME = /^[A-Za-z0-9_-]+[\s?#@]*[A-Za-z0-9_-]+$/;
const UNSUPPORTED_CHARS = /^\s|\s$|'|"|;|`|,|\/|\\/;
const MAX_SCHEMA_NAME = 64;
const MAX_USER_NAME = 16;

function fail(message: string): never {
  throw new Error(message);
}

/** A database name MySQL accepts (Trove's MySQLSchema rules). */
export function checkSchemaName(name: unknown): string {
  if (name === '' || name === undefined || name === null) fail('Schema name empty.');
  if (typeof name !== 'string') fail(`Schema name is not a string. Value = ${pyRepr(name)}.`);
  if (name.length > MAX_SCHEMA_NAME) fail(`Schema name '${name}' is too long. Max length = ${MAX_SCHEMA_NAME}.`);
  if (!SCHEMA_NAME.test(name)) fail(`'${name}' is not a valid schema name.`);
  return name;
}

/** Refuses the names Trove reserves. */
export function checkSchemaNotReserved(name: string): void {
  if (IGNORED_DATABASES.includes(name)) {
    fail(`Database name "${name}" is on the reserved list: ${pyRepr(IGNORED_DATABASES)}.`);
  }
}

/** The character set and collation of a new database, defaulted and checked as MySQL does. */
export function charsetAndCollation(
  characterSet: unknown,
  collate: unknown,
): { characterSet: string; collate: string } {
  let charset: string | null = null;
  if (characterSet) {
    if (typeof characterSet !== 'string' || !Object.hasOwn(CHARSETS, characterSet)) {
      fail(`${pyRepr(characterSet)} not a valid character set.`);
    }
    charset = characterSet;
  }
  if (collate) {
    if (charset) {
      if (!CHARSETS[charset].includes(collate as string)) {
        fail(`${collate} not a valid collation for charset ${charset}.`);
      }
      return { characterSet: charset, collate: collate as string };
    }
    const owner = Object.keys(CHARSETS).find((name) => CHARSETS[name].includes(collate as string));
    if (!owner) fail(`${pyRepr(collate)} not a valid collation.`);
    return { characterSet: owner, collate: collate as string };
  }
  const chosen = charset ?? DEFAULT_CHARSET;
  return { characterSet: chosen, collate: CHARSETS[chosen][0] };
}

function validString(value: string): boolean {
  return value !== '' && !UNSUPPORTED_CHARS.test(value);
}

/** A user name MySQL accepts. */
export function checkUserName(name: unknown): string {
  if (name === '' || name === undefined || name === null) fail('User name empty.');
  if (typeof name !== 'string') fail(`User name is not a string. Value = ${pyRepr(name)}.`);
  if (name.length > MAX_USER_NAME) fail(`User name '${name}' is too long. Max length = ${MAX_USER_NAME}.`);
  if (!validString(name)) fail(`'${name}' is not a valid user name.`);
  return name;
}

/** Refuses the user names Trove reserves. */
export function checkUserNotReserved(name: string): void {
  if (IGNORED_USERS.includes(name)) fail(`User name "${name}" is on the reserved list: ${pyRepr(IGNORED_USERS)}.`);
}

/** A password MySQL accepts. */
export function checkPassword(password: unknown): string {
  if (typeof password !== 'string') fail(`User password is not a string. Value = ${pyRepr(password)}.`);
  if (!validString(password)) fail(`'${password}' is not a valid password.`);
  return password;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/;

/** A host: `%`, or an IP address or network where `%` may stand for a number (`hostname_require_valid_ip`). */
export function checkHost(host: unknown): string {
  if (host === undefined || host === null || host === '') return '%';
  if (typeof host !== 'string') fail(`User host name is not a string. Value = ${pyRepr(host)}.`);
  if (host === '%') return host;
  const candidate = host.replace(/%/g, '1');
  const v4 = IPV4.exec(candidate);
  const valid = v4
    ? v4.slice(1, 5).every((part) => Number(part) <= 255) && (v4[6] === undefined || Number(v4[6]) <= 32)
    : /^[0-9A-Fa-f:]+(\/\d{1,3})?$/.test(candidate) && candidate.includes(':');
  if (!valid) fail(`'${host}' is not a valid hostname.`);
  return host;
}

/** `user@host` from a URL (Trove's `unquote_user_host`): no `@` (or a trailing one) means host `%`. */
export function splitUserHost(id: string): { name: string; host: string } {
  const unquoted = lenientUnquote(id);
  const at = unquoted.lastIndexOf('@');
  if (at === -1 || at === unquoted.length - 1) return { name: unquoted, host: '%' };
  return { name: unquoted.slice(0, at), host: unquoted.slice(at + 1) };
}

/** Python's `urllib.parse.unquote`: decodes valid `%XX` escapes and leaves any other `%` alone. */
function lenientUnquote(text: string): string {
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
