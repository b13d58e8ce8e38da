/**
 * The vendor profiles as data: catalogues as the vendors list them (test/fixtures/vendors/event-types.json,
 * see docs/vendors.md), samples, schemas and retry policies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sign, vendorIds, vendors, verify } from '../../shared/src/index';

type Table = { field: string; types: Array<[string, string?]>; ruleCatalogueTypes?: string[] };
const tables = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'vendors', 'event-types.json'), 'utf8')) as Record<string, Table>;
const listed = (id: string): string[] => (tables[id] as Table).types.map(([value]) => value);

describe("catalogues carry every type the vendors' tables list", () => {
  it('InHand Device Manager, with the vendor labels', () => {
    expect(listed('inhand-dm')).toHaveLength(11);
    const labels = Object.fromEntries(vendors['inhand-dm'].eventTypes.map((t) => [t.value, t.label]));
    for (const [value, label] of (tables['inhand-dm'] as Table).types) expect(labels[value], value).toBe(label);
  });

  it('InCloud Manager, including the rule catalogue types', () => {
    const table = tables['incloud-manager'] as Table;
    const all = [...listed('incloud-manager'), ...(table.ruleCatalogueTypes ?? [])];
    expect(all).toHaveLength(26);
    expect(vendors['incloud-manager'].eventTypes.map((t) => t.value)).toEqual(expect.arrayContaining(all));
  });

  it('EdgeSense, 1NCE and Scalefusion, in the vendors\' order', () => {
    expect(vendors.edgesense.eventTypes.map((t) => t.value)).toEqual(listed('edgesense'));
    expect(vendors['1nce'].eventTypes.map((t) => t.value)).toEqual(listed('1nce'));
    expect(vendors.scalefusion.eventTypes.map((t) => t.value)).toEqual(listed('scalefusion'));
  });

  it('each profile reads its type from the field the vendor documents', () => {
    for (const id of ['inhand-dm', 'incloud-manager', 'edgesense', '1nce', 'scalefusion'] as const) expect(vendors[id].typeField, id).toBe((tables[id] as Table).field);
  });
});

describe.each(vendorIds)('%s profile', (id) => {
  const profile = vendors[id];

  it('has a label, aliases and dropdown-ready catalogue entries', () => {
    expect(profile.label.length).toBeGreaterThan(3);
    expect(profile.aliases.length).toBeGreaterThan(0);
    for (const entry of profile.eventTypes) {
      expect(entry.value).toMatch(/\S/);
      expect(entry.label).toMatch(/\S/);
      expect(entry.description).toMatch(/\S/);
    }
  });

  it('has a sample for every catalogued type, each verifying as that type under strict schema', () => {
    const types = profile.eventTypes.length > 0 ? profile.eventTypes.map((t) => t.value) : Object.keys(profile.samples);
    expect(Object.keys(profile.samples).sort()).toEqual([...types].sort());
    const secret = id === 'standard-webhooks' ? 'whsec_c2VjcmV0' : 'secret';
    for (const type of types) {
      const signed = sign({ vendor: id, body: profile.samples[type], secret });
      const result = verify({ vendor: id, rawBody: signed.body, headers: signed.headers, secrets: secret, options: { strictSchema: true } });
      expect(result, type).toMatchObject({ ok: true, event: { type, vendor: id } });
    }
  });

  it('exports its schema as JSON Schema naming the type field', () => {
    expect(profile.jsonSchema['type']).toBe('object');
    const properties = profile.jsonSchema['properties'] as Record<string, unknown>;
    if (id !== 'generic-hmac') expect(Object.keys(properties)).toContain(profile.typeField.split('.')[0]);
    expect(() => JSON.stringify(profile.jsonSchema)).not.toThrow();
  });

  it('declares a retry policy as plain data', () => {
    const policy = profile.retryPolicy;
    expect(JSON.parse(JSON.stringify(policy))).toEqual(policy);
    expect(policy.retryStatuses).toContain(503);
    expect(policy.retryStatuses).not.toContain(200);
    // EdgeSense and 1NCE retry every answer that is not 2xx (their pages); the others only "later" answers.
    const everyFailure = ['edgesense', '1nce'].includes(policy.id);
    expect(policy.retryStatuses.includes(400)).toBe(everyFailure);
    expect(policy.retryStatuses.includes(410)).toBe(everyFailure);
  });
});

describe('retry policies match the vendors', () => {
  it('InHand: 3 retries 10 s apart, none when unreachable', () => {
    expect(vendors['inhand-dm'].retryPolicy).toMatchObject({ retryDelaysMs: [10_000, 10_000, 10_000], retryOnUnreachable: false, retryOnNetworkError: true });
  });
  it('1NCE: 5 attempts, 150/180/420/1020 s, then failed', () => {
    expect(vendors['1nce'].retryPolicy).toMatchObject({ retryDelaysMs: [150_000, 180_000, 420_000, 1_020_000], failEndpointAfter: 1 });
  });
  it('EdgeSense: 5 exponential retries, then disabled', () => {
    const delays = vendors.edgesense.retryPolicy.retryDelaysMs;
    expect(delays).toHaveLength(5);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBe(2 * (delays[i - 1] as number));
  });
  it('Standard Webhooks: the Svix schedule with jitter', () => {
    expect(vendors['standard-webhooks'].retryPolicy).toMatchObject({
      retryDelaysMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      jitterRatio: 0.2,
    });
  });
});
