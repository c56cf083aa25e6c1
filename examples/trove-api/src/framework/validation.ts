/**
 * Request body validation as Trove does it: a JSON Schema (draft 4) per
 * controller action, checked before the action runs, and a 400 fault that
 * lists every problem, e.g.
 * `Validation error: users[0]['password'] '' should be non-empty`.
 *
 * Only the keywords Trove's schemas use are implemented, with the messages of
 * Python's jsonschema (values written as Python writes them). The walk follows
 * the schema, so its depth is the schema's, never the body's.
 */
import { HttpError } from './resources';

/** The subset of JSON Schema that Trove's API schemas use. */
export interface Schema {
  type?: JsonType | JsonType[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  minProperties?: number;
  items?: Schema;
  minItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  oneOf?: Schema[];
}

export type JsonType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';

type PathItem = string | number;

/** One problem: where (the keys and indexes from the body's root) and what. */
export interface ValidationProblem {
  path: PathItem[];
  message: string;
  /** For `oneOf`: why each alternative failed. */
  context: ValidationProblem[];
}

const MAX_REPR_DEPTH = 8;
const MAX_REPR_LENGTH = 500;

/** A value as Python's `repr()` writes its JSON counterpart: `'text'`, `True`, `None`, `{'a': [1]}`. */
export function pyRepr(value: unknown): string {
  const text = reprAt(value, 0);
  return text.length > MAX_REPR_LENGTH ? `${text.slice(0, MAX_REPR_LENGTH)}...` : text;
}

function reprAt(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'nan';
  if (typeof value === 'string') return reprString(value);
  if (depth >= MAX_REPR_DEPTH) return Array.isArray(value) ? '[...]' : '{...}';
  if (Array.isArray(value)) return `[${value.map((item) => reprAt(item, depth + 1)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([key, item]) => `${reprString(key)}: ${reprAt(item, depth + 1)}`).join(', ')}}`;
}

function reprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\\') out += '\\\\';
    else if (char === quote) out += `\\${quote}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return out + quote;
}

function typeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

function isType(value: unknown, type: JsonType): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeOf(value) === 'object';
}

/** A canonical text of a JSON value (sorted keys), written without recursion, for `uniqueItems`. */
function canonical(value: unknown): string {
  let out = '';
  const stack: unknown[] = [value];
  while (stack.length) {
    const item = stack.pop();
    if (typeof item === 'symbol') {
      out += item.description;
    } else if (Array.isArray(item)) {
      out += '[';
      stack.push(Symbol(']'));
      for (let index = item.length - 1; index >= 0; index -= 1) stack.push(item[index], Symbol(','));
    } else if (isObject(item)) {
      out += '{';
      stack.push(Symbol('}'));
      const keys = Object.keys(item).sort().reverse();
      for (const key of keys) stack.push(item[key], Symbol(`${JSON.stringify(key)}:`), Symbol(','));
    } else {
      out += JSON.stringify(item);
    }
  }
  return out;
}

function lengthMessage(limit: number, short: boolean): string {
  if (short) return limit === 1 ? 'should be non-empty' : 'is too short';
  return limit === 0 ? 'is expected to be empty' : 'is too long';
}

/** Every problem of `value` under `schema`, in the order Python's jsonschema reports them. */
export function problemsOf(schema: Schema, value: unknown, path: PathItem[] = []): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const report = (message: string, at = path, context: ValidationProblem[] = []): void => {
    problems.push({ path: at, message, context });
  };
  const repr = pyRepr(value);
  for (const keyword of Object.keys(schema) as (keyof Schema)[]) {
    switch (keyword) {
      case 'type': {
        const types = ([] as JsonType[]).concat(schema.type!);
        if (!types.some((type) => isType(value, type))) {
          report(`${repr} is not of type ${types.map((type) => `'${type}'`).join(', ')}`);
        }
        break;
      }
      case 'required':
        if (isObject(value)) {
          for (const name of schema.required!) {
            if (!Object.hasOwn(value, name)) report(`${pyRepr(name)} is a required property`);
          }
        }
        break;
      case 'properties':
        if (isObject(value)) {
          for (const [name, subschema] of Object.entries(schema.properties!)) {
            if (Object.hasOwn(value, name)) problems.push(...problemsOf(subschema, value[name], [...path, name]));
          }
        }
        break;
      case 'additionalProperties':
        if (isObject(value) && schema.additionalProperties === false) {
          const extras = Object.keys(value)
            .filter((name) => !Object.hasOwn(schema.properties ?? {}, name))
            .sort();
          if (extras.length) {
            const verb = extras.length === 1 ? 'was' : 'were';
            report(`Additional properties are not allowed (${extras.map(pyRepr).join(', ')} ${verb} unexpected)`);
          }
        }
        break;
      case 'minProperties':
        if (isObject(value) && Object.keys(value).length < schema.minProperties!) {
          const limit = schema.minProperties!;
          report(`${repr} ${limit === 1 ? 'should be non-empty' : 'does not have enough properties'}`);
        }
        break;
      case 'items':
        if (Array.isArray(value)) {
          value.forEach((item, index) => problems.push(...problemsOf(schema.items!, item, [...path, index])));
        }
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < schema.minItems!) {
          report(`${repr} ${lengthMessage(schema.minItems!, true)}`);
        }
        break;
      case 'uniqueItems':
        if (Array.isArray(value) && schema.uniqueItems && new Set(value.map(canonical)).size !== value.length) {
          report(`${repr} has non-unique elements`);
        }
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < schema.minLength!) {
          report(`${repr} ${lengthMessage(schema.minLength!, true)}`);
        }
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > schema.maxLength!) {
          report(`${repr} ${lengthMessage(schema.maxLength!, false)}`);
        }
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(schema.pattern!, 'u').test(value)) {
          report(`${repr} does not match ${pyRepr(schema.pattern)}`);
        }
        break;
      case 'minimum':
        if (typeof value === 'number' && value < schema.minimum!) {
          report(`${repr} is less than the minimum of ${schema.minimum}`);
        }
        break;
      case 'maximum':
        if (typeof value === 'number' && value > schema.maximum!) {
          report(`${repr} is greater than the maximum of ${schema.maximum}`);
        }
        break;
      case 'oneOf': {
        const outcomes = schema.oneOf!.map((alternative) => problemsOf(alternative, value, path));
        const valid = outcomes.filter((outcome) => !outcome.length).length;
        if (valid === 0) report(`${repr} is not valid under any of the given schemas`, path, outcomes.flat());
        else if (valid > 1) report(`${repr} is valid under more than one of the given schemas`);
        break;
      }
    }
  }
  return problems;
}

/** `users[0]['password']`, as Trove's `format_validation_msg` writes a path. */
function formatPath(path: PathItem[]): string {
  if (!path.length) return '';
  return `${path[0]}${path
    .slice(1)
    .map((item) => `[${typeof item === 'number' ? item : pyRepr(item)}]`)
    .join('')}`;
}

function comparePaths(a: PathItem[], b: PathItem[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    if (a[index] === b[index]) continue;
    if (typeof a[index] === 'number' && typeof b[index] === 'number')
      return (a[index] as number) - (b[index] as number);
    return String(a[index]) < String(b[index]) ? -1 : 1;
  }
  return a.length - b.length;
}

/** The message of a 400 fault for these problems (Trove's wording). */
export function validationMessage(problems: ValidationProblem[]): string {
  const parts: string[] = [];
  for (const problem of [...problems].sort((a, b) => comparePaths(a.path, b.path))) {
    const where = formatPath(problem.path);
    parts.push(where ? `${where} ${problem.message}` : problem.message);
    for (const sub of problem.context) parts.push(sub.message);
  }
  return `Validation error: ${parts.join('; ')}`;
}

/** Checks `body` against `schema`; throws a 400 HttpError listing every problem. */
export function validate(schema: Schema, body: unknown): void {
  if (body === undefined) {
    throw new HttpError(400, 'Invalid request body: this request needs a JSON body (Content-Type: application/json).');
  }
  const problems = problemsOf(schema, body);
  if (problems.length) throw new HttpError(400, validationMessage(problems));
}
