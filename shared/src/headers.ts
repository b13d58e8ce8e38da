/**
 * Header lookup that accepts headers as Node gives them (`IncomingHttpHeaders`: lower-case keys, string or
 * string[] values), as a plain object in any case, or as a WHATWG `Headers` instance.
 * Pure module (n8n may load it).
 */
import type { SchemeOptions } from './types';

/** Headers in any of the shapes users have at hand. */
export type HeaderInput =
  | Record<string, string | string[] | number | undefined | null>
  | { get(name: string): string | null; forEach(cb: (value: string, key: string) => void): void };

/** A case-insensitive view of request headers. */
export interface HeaderLookup {
  /** Every value received under this name (duplicates kept apart where the caller kept them). */
  all(name: string): string[];
  /** The single value of a header, or undefined when absent. Several values are joined with ", " as HTTP does. */
  get(name: string): string | undefined;
}

/** Builds a {@link HeaderLookup}; it never throws, whatever it is given. Lookups are lazy: nothing is copied. */
export function headerLookup(headers: unknown): HeaderLookup {
  const all = (name: string): string[] => {
    try {
      return valuesOf(headers, name.toLowerCase());
    } catch {
      return []; // A hostile or broken headers object reads as no headers: verification then fails cleanly.
    }
  };
  return {
    all,
    get: (name) => {
      const values = all(name);
      return values.length === 0 ? undefined : values.length === 1 ? values[0] : values.join(', ');
    },
  };
}

/**
 * The same lookup as {@link headerLookup}, as one object with its methods on the prototype: what `verify`
 * builds for every request (no closures to allocate). Methods need their `this`; internal use only.
 * @internal
 */
export class HeaderView implements HeaderLookup {
  constructor(private readonly headers: unknown) {}

  all(name: string): string[] {
    try {
      return valuesOf(this.headers, name.toLowerCase());
    } catch {
      return []; // As headerLookup: a hostile or broken headers object reads as no headers.
    }
  }

  get(name: string): string | undefined {
    const values = this.all(name);
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values.join(', ');
  }
}

function valuesOf(headers: unknown, lowerName: string): string[] {
  if (!headers || typeof headers !== 'object') return [];
  const source = headers as Record<string, unknown> & { get?: unknown; forEach?: unknown };
  if (typeof source.get === 'function' && typeof source.forEach === 'function') {
    const value = (source.get as (name: string) => string | null).call(source, lowerName);
    return value === null || value === undefined ? [] : [String(value)];
  }
  const values: string[] = [];
  // Node gives lower-case names: look there first, then scan for other spellings of the same name.
  if (Object.prototype.hasOwnProperty.call(source, lowerName)) pushValue(values, source[lowerName]);
  // for-in with an own-property check visits what Object.keys lists, without allocating the key array.
  for (const key in source) {
    if (key !== lowerName && key.length === lowerName.length && Object.prototype.hasOwnProperty.call(source, key) && key.toLowerCase() === lowerName) {
      pushValue(values, source[key]);
    }
  }
  return values;
}

function pushValue(values: string[], value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) if (v !== undefined && v !== null) values.push(String(v));
  } else {
    values.push(String(value));
  }
}

/** True when the value can travel in an HTTP header: no CR, LF or NUL. */
export function isSafeHeaderValue(value: string): boolean {
  return !/[\r\n\0]/.test(value);
}

/** RFC 7230 token: what a header name may be made of. */
export function isValidHeaderName(name: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name);
}

/** Headers that carry credentials whatever the scheme: never passed on. */
export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * The request headers without the ones that hold a secret: the scheme's authentication headers (1NCE's
 * static header *is* the secret; signature headers are MACs of it), `authorization`, `proxy-authorization`
 * and `cookie`. For what adapters hand on (Node-RED `msg.headers`, n8n "Include Headers"): a following
 * node may send headers on to a third party, and execution data is stored. Names keep their spelling.
 */
export function safeHeaders(
  headers: unknown,
  profile: { scheme: { signatureHeaders(options: SchemeOptions): string[] } } | undefined,
  schemeOptions: SchemeOptions = {},
): Record<string, string | string[]> {
  const drop = new Set(CREDENTIAL_HEADERS);
  if (profile) for (const name of profile.scheme.signatureHeaders(schemeOptions)) drop.add(name.toLowerCase());
  const kept: Record<string, string | string[]> = {};
  const add = (name: string, value: unknown) => {
    if (value === undefined || value === null || drop.has(name.toLowerCase())) return;
    kept[name] = Array.isArray(value) ? value.map(String) : String(value);
  };
  try {
    if (headers && typeof headers === 'object') {
      const source = headers as { forEach?: unknown; get?: unknown };
      if (typeof source.forEach === 'function' && typeof source.get === 'function') {
        (source.forEach as (cb: (value: string, key: string) => void) => void).call(headers, (value, key) => add(key, value));
      } else {
        for (const [name, value] of Object.entries(headers)) add(name, value);
      }
    }
  } catch {
    // A broken headers object hands on nothing.
  }
  return kept;
}
