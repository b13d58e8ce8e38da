/**
 * The vendor profiles as data: catalogues as the spec lists them, samples, schemas and retry policies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sign, vendorIds, vendors, verify } from '../../shared/src/index';

const spec = readFileSync(join(__dirname, '..', '..', '..', 'shared', 'vendor-protocols.md'), 'utf8');

/** The backticked and bare snake_case identifiers listed in a spec section after a marker. */
function listAfter(marker: string, until: string): string[] {
  const start = spec.indexOf(marker);
  const section = spec.slice(start, spec.indexOf(until, start));
  return section.match(/\b[a-z]+(?:_[a-z]+)+\b|\b(?:online|offline|connected|disconnected|reboot)\b/g) ?? [];
}

describe('catalogues carry every type the spec lists', () => {
  it('InHand Device Manager', () => {
    const listed = listAfter('- `alertType`: online', '- Retry');
    expect(listed.length).toBe(11);
    expect(vendors['inhand-dm'].eventTypes.map((t) => t.value)).toEqual(expect.arrayContaining(listed));
  });

  it('InCloud Manager, including the rule catalogue types', () => {
    const listed = listAfter('Alert type is the field', '## 3.').filter((t) => !['ensure_ascii'].includes(t));
    expect(listed.length).toBeGreaterThanOrEqual(26);
    expect(vendors['incloud-manager'].eventTypes.map((t) => t.value)).toEqual(expect.arrayContaining(listed));
  });

  it('EdgeSense, 1NCE and Scalefusion', () => {
    expect(vendors.edgesense.eventTypes.map((t) => t.value)).toEqual(['device.data', 'device.alert', 'device.status', 'config.update']);
    expect(vendors['1nce'].eventTypes.map((t) => t.value)).toEqual(['TELEMETRY_DATA', 'LIFECYCLE', 'ERROR', 'GEOFENCE', 'LOCATION', 'TEST_MESSAGE']);
    expect(vendors.scalefusion.eventTypes).toHaveLength(14);
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
    expect(policy.retryStatuses).not.toContain(400);
    expect(policy.retryStatuses).not.toContain(410);
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
