/**
 * The vendors' test vectors and their own example bodies: test/fixtures/vendors/ (sources in its README.md;
 * the facts, and what we assumed, in docs/vendors.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillPlaceholders, sign, verify } from '../../shared/src/index';

const FIXTURES = join(__dirname, '..', 'fixtures', 'vendors');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const json = <T>(name: string): T => JSON.parse(fixture(name).toString('utf8')) as T;

type Vector = { name: string; vendor: string; body?: string; bodyFile?: string; secret: string; header: string; signature: string };
type Definition = { url: string; headers: Record<string, string> };
const vectors = json<{ vectors: Vector[] }>('signature-vectors.json').vectors;
const vectorBody = (v: Vector): Buffer => (v.bodyFile ? fixture(v.bodyFile) : Buffer.from(v.body as string, 'utf8'));
const vectorOf = (vendor: string, nameMatch: RegExp): Vector => {
  const found = vectors.find((v) => v.vendor === vendor && nameMatch.test(v.name));
  if (!found) throw new Error(`no ${vendor} vector matching ${nameMatch}`);
  return found;
};
const incloudExample = fixture('incloud-manager-example.json');
const onceExamples = json<Array<Record<string, unknown>>>('1nce-messages.json');
const placeholders = json<{
  definition: Definition;
  scenarios: Array<{ name: string; device: Record<string, string>; url: string; headers: Record<string, string> }>;
  unsupported: { definition: Definition; url: string; headers: Record<string, string> };
}>('1nce-placeholders.json');

describe('every signature vector verifies, and fails under another secret', () => {
  it.each(vectors.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const rawBody = vectorBody(v);
    expect(verify({ vendor: v.vendor, rawBody, headers: { [v.header]: v.signature }, secrets: v.secret })).toMatchObject({ ok: true, authentication: 'verified' });
    expect(verify({ vendor: v.vendor, rawBody, headers: { [v.header.toLowerCase()]: v.signature }, secrets: `${v.secret}T` })).toMatchObject({
      ok: false,
      status: 401,
      code: 'signature_mismatch',
    });
  });
});

describe('InCloud Manager vectors (secret "test-secret")', () => {
  it('normalize the example alert', () => {
    const v = vectorOf('incloud-manager', /Python/);
    const result = verify({ vendor: 'incloud-manager', rawBody: incloudExample, headers: { 'x-signature': v.signature }, secrets: v.secret });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).toMatchObject({
      vendor: 'incloud-manager',
      type: 'reboot',
      typeLabel: 'Reboot',
      id: '677baa025a34db68978609b8',
      device: { id: '66ea69ab06eccf714c377403', name: 'EF605231726YKLU', serialNumber: 'EF605231726YKLU' },
    });
    expect(result.authentication).toBe('verified');
  });
});

describe('Scalefusion vector', () => {
  const v = vectorOf('scalefusion', /device\.enrolled/);
  const body = v.body as string;

  it('accepts the lower-case hex signature of the raw body', () => {
    const result = verify({ vendor: 'scalefusion', rawBody: body, headers: { 'x-sf-signature': v.signature }, secrets: v.secret });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.event.device).toEqual({ name: 'TEST001', serialNumber: '12345' });
  });

  it('tells the user when the body was re-serialized before verification', () => {
    const reserialized = JSON.stringify(JSON.parse(body));
    const result = verify({ vendor: 'scalefusion', rawBody: reserialized, headers: { 'x-sf-signature': v.signature }, secrets: v.secret });
    expect(result).toMatchObject({ ok: false, code: 'signature_mismatch', hint: 'body_reserialized' });
    if (!result.ok) expect(result.message).toMatch(/re-serialized/);
  });

  it('says the secret is likely wrong when nothing matches', () => {
    const result = verify({ vendor: 'scalefusion', rawBody: body, headers: { 'x-sf-signature': v.signature }, secrets: 'other' });
    expect(result).toMatchObject({ ok: false, code: 'signature_mismatch', hint: 'secret_or_body' });
    if (!result.ok) expect(result.message).toMatch(/secret/);
  });
});

describe("1NCE's placeholder scenarios", () => {
  const fill = (definition: Definition, device: Parameters<typeof fillPlaceholders>[1]) => ({
    url: fillPlaceholders(definition.url, device, { target: 'url' }),
    headers: Object.fromEntries(Object.entries(definition.headers).map(([k, value]) => [k, fillPlaceholders(value, device, { target: 'header' })])),
  });

  it.each(placeholders.scenarios.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
    expect(fill(placeholders.definition, scenario.device)).toEqual({ url: scenario.url, headers: scenario.headers });
  });

  it('unsupported placeholders stay unchanged', () => {
    const { definition, url, headers } = placeholders.unsupported;
    expect(fill(definition, { iccid: '1' })).toEqual({ url, headers });
  });
});

describe("1NCE's example messages", () => {
  it.each(onceExamples.map((body) => [body['type'] as string, body]))('%s verifies with the x-api-key header and normalizes', (type, body) => {
    const result = verify({ vendor: '1nce', rawBody: JSON.stringify(body, null, 2), headers: { 'X-API-Key': 'k-123' }, secrets: 'k-123' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.type).toBe(type);
    expect(result.event.occurredAt).toBe(new Date(Number(body['received'])).toISOString());
    const device = body['device'] as Record<string, string> | undefined;
    expect(result.event.device).toEqual(device ? { iccid: device['iccid'], imsi: device['imsi'], ip: device['ip'] } : {});
  });

  it('refuses a wrong x-api-key', () => {
    const result = verify({ vendor: '1nce', rawBody: JSON.stringify(onceExamples[0]), headers: { 'x-api-key': 'k-124' }, secrets: 'k-123' });
    expect(result).toMatchObject({ ok: false, status: 401, code: 'signature_mismatch' });
  });
});

describe("the vendors' other example bodies verify and normalize", () => {
  it('InHand Device Manager (strict schema)', () => {
    const signed = sign({ vendor: 'inhand-dm', body: json<Record<string, unknown>>('inhand-dm-example.json'), secret: 's' });
    const result = verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: signed.headers, secrets: 's', options: { strictSchema: true } });
    expect(result).toMatchObject({
      ok: true,
      event: {
        type: 'hourly_traffic_excess',
        id: '67dcfeaa3abb850001bbc6d6',
        device: { id: '67da8c16c351850001bdb5c2', name: 'RF3151342000003', serialNumber: 'RF3151342000003' },
      },
    });
  });

  it('EdgeSense.io', () => {
    const signed = sign({ vendor: 'edgesense', body: json<Record<string, unknown>>('edgesense-example.json'), secret: 's' });
    const result = verify({ vendor: 'edgesense', rawBody: signed.body, headers: signed.headers, secrets: 's' });
    expect(result).toMatchObject({ ok: true, event: { type: 'device.data', device: { id: 'edge-node-321' } } });
  });
});
