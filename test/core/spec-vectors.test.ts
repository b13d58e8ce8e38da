/**
 * Every test vector of ../shared/vendor-protocols.md, plus the vendors' own example bodies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillPlaceholders, verify } from '../../shared/src/index';

const SHARED = join(__dirname, '..', '..', '..', 'shared');
const incloudExample = readFileSync(join(SHARED, 'incloud-example.json'));
const onceExamples = JSON.parse(readFileSync(join(SHARED, '1nce-examples.json'), 'utf8')) as Array<Record<string, unknown>>;

describe('InCloud Manager vector (secret "test-secret")', () => {
  it('accepts the Python-style signature over the example body', () => {
    const result = verify({
      vendor: 'incloud-manager',
      rawBody: incloudExample,
      headers: { 'x-signature': 'eXWsX64DrOa0FZPKgj5uTFx9sc35tmALNlIeig4y+OI=' },
      secrets: 'test-secret',
    });
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

  it('accepts the compact-JSON signature (their Java backend)', () => {
    const result = verify({
      vendor: 'incloud-manager',
      rawBody: incloudExample,
      headers: { 'X-Signature': 'DFzjBXacGGpzxFd6QeozU0ATAVVCbuNJuKLZons7uQg=' },
      secrets: 'test-secret',
    });
    expect(result.ok).toBe(true);
  });

  it('refuses both vectors under another secret', () => {
    for (const signature of ['eXWsX64DrOa0FZPKgj5uTFx9sc35tmALNlIeig4y+OI=', 'DFzjBXacGGpzxFd6QeozU0ATAVVCbuNJuKLZons7uQg=']) {
      const result = verify({ vendor: 'incloud-manager', rawBody: incloudExample, headers: { 'x-signature': signature }, secrets: 'test-secreT' });
      expect(result).toMatchObject({ ok: false, status: 401, code: 'signature_mismatch' });
    }
  });
});

describe('Scalefusion vector', () => {
  const body = '{"event": "device.enrolled", "data": {"devices": [{"name": "TEST001", "serial_no": "12345", "model": "iPhone 12", "make": "Apple"}]}}';
  const signature = '6e112b51b26b31e55a8825b5c8c0b5ec52466227b185065e08c6fe8c42bb379e';

  it('accepts the lower-case hex signature of the raw body', () => {
    const result = verify({ vendor: 'scalefusion', rawBody: body, headers: { 'x-sf-signature': signature }, secrets: 'test-secret' });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.event.device).toEqual({ name: 'TEST001', serialNumber: '12345' });
  });

  it('tells the user when the body was re-serialized before verification', () => {
    const reserialized = JSON.stringify(JSON.parse(body));
    const result = verify({ vendor: 'scalefusion', rawBody: reserialized, headers: { 'x-sf-signature': signature }, secrets: 'test-secret' });
    expect(result).toMatchObject({ ok: false, code: 'signature_mismatch', hint: 'body_reserialized' });
    if (!result.ok) expect(result.message).toMatch(/re-serialized/);
  });

  it('says the secret is likely wrong when nothing matches', () => {
    const result = verify({ vendor: 'scalefusion', rawBody: body, headers: { 'x-sf-signature': signature }, secrets: 'other' });
    expect(result).toMatchObject({ ok: false, code: 'signature_mismatch', hint: 'secret_or_body' });
    if (!result.ok) expect(result.message).toMatch(/secret/);
  });
});

describe('1NCE placeholder scenarios (vendor-docs/003)', () => {
  const url = 'https://www.your-endpoint.com/events?iccid=:iccid:&ip=:ip:&imsi=:imsi:';
  const headers = { 'x-api-key': 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'x-device-imsi': ':imsi:', 'x-device-iccid': ':iccid:', 'x-device-ip': ':ip:' };
  const fillHeaders = (values: Parameters<typeof fillPlaceholders>[1]) =>
    Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, fillPlaceholders(v, values, { target: 'header' })]));

  it('full device metadata injection', () => {
    const device = { iccid: '1234567890123456789', imsi: '987654321098765', ip: '192.168.1.1' };
    expect(fillPlaceholders(url, device, { target: 'url' })).toBe(
      'https://www.your-endpoint.com/events?iccid=1234567890123456789&ip=192.168.1.1&imsi=987654321098765',
    );
    expect(fillHeaders(device)).toEqual({
      'x-api-key': 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      'x-device-imsi': '987654321098765',
      'x-device-iccid': '1234567890123456789',
      'x-device-ip': '192.168.1.1',
    });
  });

  it('missing metadata becomes none', () => {
    expect(fillPlaceholders(url, {}, { target: 'url' })).toBe('https://www.your-endpoint.com/events?iccid=none&ip=none&imsi=none');
    expect(fillHeaders({})).toEqual({
      'x-api-key': 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      'x-device-imsi': 'none',
      'x-device-iccid': 'none',
      'x-device-ip': 'none',
    });
  });

  it('unsupported placeholders stay unchanged', () => {
    expect(fillPlaceholders('https://api.example.com/data?destination=:unknown:', { iccid: '1' }, { target: 'url' })).toBe(
      'https://api.example.com/data?destination=:unknown:',
    );
    expect(fillPlaceholders(':tracking_id:', { iccid: '1' }, { target: 'header' })).toBe(':tracking_id:');
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
