/**
 * ExtensionDescriptor: what an API extension is (trove/common/extensions.py).
 *
 * An extension is recognised by a brand, not by `instanceof`: npm can install
 * a second copy of this file inside an extension package, and a class from
 * that copy is a different class. The brand is a registered symbol
 * (`Symbol.for`), the same in every copy and every realm; the required
 * methods are then checked by name.
 */
import type { ActionExtension, RequestExtension, ResourceExtension } from './resources';

/** The brand every ExtensionDescriptor carries; set it yourself to implement the protocol without the class. */
export const EXTENSION_DESCRIPTOR = Symbol.for('trove-api.ExtensionDescriptor');

/** The methods an extension must have: their results are listed by `GET /extensions`. */
export const REQUIRED_METHODS = ['getName', 'getAlias', 'getDescription', 'getNamespace', 'getUpdated'] as const;

/** The methods an extension may have: what it adds to the API (each defaults to an empty list). */
export const OPTIONAL_METHODS = ['getResources', 'getActions', 'getRequestExtensions'] as const;

export abstract class ExtensionDescriptor {
  /** The brand, on the prototype: every subclass instance carries it. */
  declare readonly [EXTENSION_DESCRIPTOR]: true;

  /** The name of the extension, e.g. `'Fox In Socks'`. */
  abstract getName(): string;
  /** The alias (its unique key and the `{alias}` of `GET /extensions/{alias}`), e.g. `'FOXNSOX'`. */
  abstract getAlias(): string;
  /** A friendly description, e.g. `'The Fox In Socks Extension'`. */
  abstract getDescription(): string;
  /** The XML namespace of the extension (kept for API compatibility), e.g. `'http://www.fox.in.socks/api/ext/pie/v1.0'`. */
  abstract getNamespace(): string;
  /** When the extension was last updated, e.g. `'2011-01-22T13:25:27-06:00'`. */
  abstract getUpdated(): string;

  /** New nouns, reachable through URLs. */
  getResources(): ResourceExtension[] {
    return [];
  }

  /** New verbs on existing collections: `POST /{collection}/{id}/action`. */
  getActions(): ActionExtension[] {
    return [];
  }

  /** Handlers that post-process the responses of existing routes. */
  getRequestExtensions(): RequestExtension[] {
    return [];
  }
}

Object.defineProperty(ExtensionDescriptor.prototype, EXTENSION_DESCRIPTOR, { value: true });

/** The subset of methods the service calls; what {@link checkExtensionDescriptor} guarantees. */
export interface ExtensionDescriptorLike {
  getName(): string;
  getAlias(): string;
  getDescription(): string;
  getNamespace(): string;
  getUpdated(): string;
  getResources?(): ResourceExtension[];
  getActions?(): ActionExtension[];
  getRequestExtensions?(): RequestExtension[];
}

/**
 * Why `value` is not an ExtensionDescriptor, or null when it is one: it must
 * carry the brand (inherited from any copy of the class, or set by hand) and
 * have the required methods (and the optional ones, when present, must be methods).
 */
export function checkExtensionDescriptor(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) {
    return `expected an ExtensionDescriptor object, got ${value === null ? 'null' : typeof value}`;
  }
  const record = value as Record<PropertyKey, unknown>;
  if (record[EXTENSION_DESCRIPTOR] !== true) {
    const kind = (value as object).constructor?.name ?? 'Object';
    return `${kind} is not an ExtensionDescriptor (extend ExtensionDescriptor from trove-api/extensions, or set Symbol.for('trove-api.ExtensionDescriptor') to true)`;
  }
  const missing = REQUIRED_METHODS.filter((method) => typeof record[method] !== 'function');
  const notMethods = OPTIONAL_METHODS.filter(
    (method) => record[method] !== undefined && typeof record[method] !== 'function',
  );
  if (missing.length) return `missing method${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  if (notMethods.length) return `${notMethods.join(', ')} must be methods`;
  return null;
}

/** Whether `value` is an ExtensionDescriptor, from whichever copy of this module. */
export function isExtensionDescriptor(value: unknown): value is ExtensionDescriptorLike {
  return checkExtensionDescriptor(value) === null;
}
