/**
 * Header lookup that accepts headers as Node gives them (`IncomingHttpHeaders`: lower-case keys, string or
 * string[] values), as a plain object in any case, or as a WHATWG `Headers` instance.
 * Pure module (n8n may load it).
 */

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

/** Builds a {@link HeaderLookup}; never throws, whatever it is given. */
export function headerLookup(headers: unknown): HeaderLookup {
  const byName = new Map<string, string[]>();
  const add = (key: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    const name = key.toLowerCase();
    const list = byName.get(name) ?? [];
    if (Array.isArray(value)) {
      for (const v of value) if (v !== undefined && v !== null) list.push(String(v));
    } else {
      list.push(String(value));
    }
    if (list.length > 0) byName.set(name, list);
  };
  try {
    if (headers && typeof (headers as { forEach?: unknown }).forEach === 'function' && typeof (headers as { get?: unknown }).get === 'function') {
      (headers as { forEach(cb: (value: string, key: string) => void): void }).forEach((value, key) => add(key, value));
    } else if (headers && typeof headers === 'object') {
      for (const key of Object.keys(headers)) add(key, (headers as Record<string, unknown>)[key]);
    }
  } catch {
    // A hostile or broken headers object reads as no headers: verification then fails cleanly.
  }
  return {
    all: (name) => byName.get(name.toLowerCase()) ?? [],
    get: (name) => {
      const values = byName.get(name.toLowerCase());
      return values === undefined ? undefined : values.join(', ');
    },
  };
}

/** True when the value can travel in an HTTP header: no CR, LF or NUL. */
export function isSafeHeaderValue(value: string): boolean {
  return !/[\r\n\0]/.test(value);
}

/** RFC 7230 token: what a header name may be made of. */
export function isValidHeaderName(name: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name);
}
