/**
 * Small helpers every vendor file uses to declare its profile as data: catalogues, schemas, field readers.
 * Retry-policy building blocks live in `delivery/retry-policies.ts`, schemes in `schemes/`. Pure module.
 */
import { z, type ZodType } from 'zod';
import type { EventTypeInfo, VendorProfile } from '../types';

/** Builds a catalogue from `[value, label, description]` rows. */
export function catalogue(rows: ReadonlyArray<readonly [string, string, string]>): EventTypeInfo[] {
  return rows.map(([value, label, description]) => ({ value, label, description }));
}

/** An object schema factory: loose (unknown fields pass) or strict (unknown fields refused). */
export type ObjectFactory = <T extends z.core.$ZodLooseShape>(shape: T) => ZodType;

/** Builds the lenient and strict variants of a schema from one description of it. */
export function schemaPair(build: (object: ObjectFactory) => ZodType): VendorProfile['schema'] {
  return {
    // z.object lets unknown keys pass (and leaves them out of its output, which we never use): cheaper than looseObject's copy.
    lenient: build((shape) => z.object(shape)),
    strict: build((shape) => z.strictObject(shape)),
  };
}

/** Schemas made by {@link freeForm}, so the JSON Schema export can describe them. */
const freeForms = new WeakSet<object>();

/**
 * A container whose members are the sender's own (a payload, metadata): any object, in both modes.
 * Checked as "an object" only: walking every key (as `z.record` does) costs time on every request for
 * nothing, since any key and value are allowed.
 */
export const freeForm = (): ZodType => {
  const schema = z.custom<Record<string, unknown>>((value) => value !== null && typeof value === 'object' && !Array.isArray(value), {
    message: 'expected an object',
  });
  freeForms.add(schema);
  return schema;
};

/** A test that a value surely passes a schema: true only where the schema's own safeParse succeeds. */
export type SurePass = (value: unknown) => boolean;

/** {@link surePassOf} per schema; null where the schema uses something the test does not cover. */
const surePasses = new WeakMap<object, SurePass | null>();

/**
 * A hand-written equivalent of `schema.safeParse(value).success` for the parts our payload schemas are
 * made of (objects, loose or strict; optional; string and number without checks; unions; arrays; free-form
 * objects), read off the schema's definition once. It answers true only when zod would accept the value
 * (false may mean either: the caller then asks zod, which also words the refusal), so verdicts never
 * depend on it; it saves zod's per-call bookkeeping on the accepted request. Undefined for a schema with
 * anything else in it (then zod decides every time).
 * @internal
 */
export function surePassOf(schema: ZodType): SurePass | undefined {
  let test = surePasses.get(schema);
  if (test === undefined) {
    test = compileSurePass(schema) ?? null;
    surePasses.set(schema, test);
  }
  return test ?? undefined;
}

interface SchemaDef {
  type: string;
  checks?: unknown[];
  shape?: Record<string, ZodType>;
  catchall?: ZodType;
  innerType?: ZodType;
  options?: ZodType[];
  element?: ZodType;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function compileSurePass(schema: ZodType): SurePass | undefined {
  const def = (schema as unknown as { _zod?: { def?: SchemaDef } })._zod?.def;
  if (def === undefined || (def.checks !== undefined && def.checks.length > 0)) return undefined;
  switch (def.type) {
    case 'string':
      return (value) => typeof value === 'string';
    case 'number':
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return (value) => typeof value === 'boolean';
    case 'custom':
      return freeForms.has(schema) ? isPlainObject : undefined;
    case 'optional': {
      const inner = def.innerType && compileSurePass(def.innerType);
      return inner && ((value) => value === undefined || inner(value));
    }
    case 'array': {
      const element = def.element && compileSurePass(def.element);
      if (!element) return undefined;
      return (value) => {
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) if (!element(value[i])) return false;
        return true;
      };
    }
    case 'union': {
      const options = (def.options ?? []).map(compileSurePass);
      if (options.length === 0 || options.some((o) => o === undefined)) return undefined;
      const tests = options as SurePass[];
      return (value) => {
        for (let i = 0; i < tests.length; i++) if ((tests[i] as SurePass)(value)) return true;
        return false;
      };
    }
    case 'object': {
      const shape = def.shape;
      if (shape === undefined) return undefined;
      // Loose (unknown keys pass) without a catchall; strict with catchall `never`; anything else is zod's.
      let strict: boolean;
      if (def.catchall === undefined) strict = false;
      else if ((def.catchall as unknown as { _zod: { def: SchemaDef } })._zod.def.type === 'never') strict = true;
      else return undefined;
      const keys = Object.keys(shape);
      const tests: SurePass[] = [];
      for (const key of keys) {
        const test = compileSurePass(shape[key] as ZodType);
        if (test === undefined) return undefined;
        tests.push(test);
      }
      const known = new Set(keys);
      return (value) => {
        if (!isPlainObject(value)) return false;
        for (let k = 0; k < keys.length; k++) if (!(tests[k] as SurePass)(value[keys[k] as string])) return false;
        if (strict) for (const key in value) if (!known.has(key)) return false;
        return true;
      };
    }
    default:
      return undefined;
  }
}

/** The lenient schema as JSON Schema, for n8n's data mapper and for docs. */
export function jsonSchemaOf(schema: VendorProfile['schema']): Record<string, unknown> {
  return z.toJSONSchema(schema.lenient, {
    unrepresentable: 'any',
    override: (ctx) => {
      if (freeForms.has(ctx.zodSchema)) Object.assign(ctx.jsonSchema, { type: 'object', additionalProperties: {} });
    },
  }) as Record<string, unknown>;
}

/** The value at a dotted path, e.g. `data.reason`. */
export function valueAt(body: unknown, path: string): unknown {
  let keys = pathKeys.get(path);
  if (keys === undefined) {
    keys = path.split('.');
    // Paths are the profiles' constants and the users' type-field settings: a few dozen at most.
    if (pathKeys.size < 256) pathKeys.set(path, keys);
  }
  let current: unknown = body;
  for (let k = 0; k < keys.length; k++) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[keys[k] as string];
  }
  return current;
}

/** {@link valueAt}'s paths split once. */
const pathKeys = new Map<string, string[]>();

/** A string field as a string; numbers are written out; anything else is absent. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * A time as ISO 8601: ISO strings, Unix seconds or milliseconds (numbers or numeric strings).
 * A value that cannot be read as a time is returned as it came.
 */
export function isoTime(value: unknown): string | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{9,16}$/.test(value))) {
    const n = Number(value);
    if (!Number.isFinite(n)) return undefined;
    const ms = n < 1e11 ? n * 1000 : n; // seconds until the year 5138
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
  }
  if (typeof value !== 'string' || value === '') return undefined;
  // Most vendors already send UTC ISO 8601: write it in toISOString's form without a Date round trip.
  const fast = isoUtcFast(value);
  if (fast !== undefined) return fast;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/**
 * UTC ISO 8601 with valid field ranges and at most millisecond precision
 * (`YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z`, months 01–12, days 01–31, hours 00–23, minutes and seconds 00–59),
 * written in toISOString's form; undefined for anything else. Read character by character: no regex,
 * no match array on every event.
 * @internal exported for its test
 */
export function isoUtcFast(value: string): string | undefined {
  const length = value.length;
  if (length !== 20 && (length < 22 || length > 24)) return undefined;
  if (value.charCodeAt(length - 1) !== 0x5a /* Z */) return undefined;
  if (!(digit(value, 0) && digit(value, 1) && digit(value, 2) && digit(value, 3))) return undefined;
  if (value.charCodeAt(4) !== 0x2d || value.charCodeAt(7) !== 0x2d || value.charCodeAt(10) !== 0x54 /* T */) return undefined;
  if (value.charCodeAt(13) !== 0x3a || value.charCodeAt(16) !== 0x3a) return undefined;
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const hour = twoDigits(value, 11);
  const minute = twoDigits(value, 14);
  const second = twoDigits(value, 17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (length === 20) return `${value.slice(0, 19)}.000Z`;
  if (value.charCodeAt(19) !== 0x2e /* . */) return undefined;
  for (let i = 20; i < length - 1; i++) if (!digit(value, i)) return undefined;
  return `${value.slice(0, 19)}.${value.slice(20, length - 1).padEnd(3, '0')}Z`;
}

function digit(value: string, at: number): boolean {
  const c = value.charCodeAt(at);
  return c >= 0x30 && c <= 0x39;
}

/** The two decimal digits at `at` as a number, or -1 when they are not two digits. */
function twoDigits(value: string, at: number): number {
  const a = value.charCodeAt(at) - 0x30;
  const b = value.charCodeAt(at + 1) - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Sets `target[key]` when `value` is defined: builds a normalized event's fields without a copy afterwards. */
export function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

/**
 * Drops absent fields so the event carries only what the vendor sent. Copies into a new object rather
 * than deleting (a `delete` turns an object into a slow dictionary, and every event is spread afterwards).
 */
export function compact<T extends Record<string, unknown>>(fields: T): T {
  const kept: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value !== undefined) kept[key] = value;
  }
  return kept as T;
}
