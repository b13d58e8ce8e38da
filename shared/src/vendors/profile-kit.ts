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
  const iso = ISO_UTC.exec(value);
  if (iso) return `${iso[1]}.${(iso[2] ?? '').padEnd(3, '0')}Z`;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** UTC ISO 8601 with valid field ranges and at most millisecond precision. */
const ISO_UTC = /^(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)(?:\.(\d{1,3}))?Z$/;

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
