import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillPlaceholders, placeholdersOf, placeholderValuesOf } from '../../shared/src/index';

describe('fillPlaceholders', () => {
  it('percent-encodes URL values so they cannot redirect the request', () => {
    const url = fillPlaceholders('https://hooks.example.com/d/:iccid:?ip=:ip:', { iccid: '../admin#@evil.example/', ip: 'a&b=c' }, { target: 'url' });
    expect(url).toBe('https://hooks.example.com/d/..%2Fadmin%23%40evil.example%2F?ip=a%26b%3Dc');
    expect(new URL(url).host).toBe('hooks.example.com');
  });

  it('never lets CR, LF or NUL into a header, from a value or from the template', () => {
    const value = fillPlaceholders('id=:imsi:\r\nX-Injected: 1', { imsi: '9\r\nSet-Cookie: a=b\0' }, { target: 'header' });
    expect(value).toBe('id=9Set-Cookie: a=bX-Injected: 1');
  });

  it('never lets a dot-segment climb the path', () => {
    expect(fillPlaceholders('https://h.example/a/:iccid:/b', { iccid: '..' }, { target: 'url' })).toBe('https://h.example/a/none/b');
    expect(new URL(fillPlaceholders('https://h.example/a/:iccid:/b', { iccid: '../..' }, { target: 'url' })).pathname).toBe('/a/..%2F../b');
  });

  it('treats empty and null values as missing, and numbers as text', () => {
    expect(fillPlaceholders(':iccid:/:imsi:/:ip:', { iccid: '', imsi: 901405100002864, ip: null }, { target: 'header' })).toBe('none/901405100002864/none');
  });

  it('fills every occurrence and leaves near-misses alone', () => {
    expect(fillPlaceholders(':ip::ip: :IP: :ip :iccid', { ip: '1.2.3.4' }, { target: 'header' })).toBe('1.2.3.41.2.3.4 :IP: :ip :iccid');
  });

  it('takes values from a normalized event device', () => {
    expect(placeholderValuesOf({ iccid: '89', ip: '10.0.0.1' })).toEqual({ iccid: '89', imsi: undefined, ip: '10.0.0.1' });
  });

  it('placeholdersOf: a given value wins, then the item\'s device, then the item\'s own field; only text and numbers count', () => {
    const item = { device: { iccid: '8988', imsi: { nested: true } }, imsi: 901405100002864, ip: '10.0.0.1' };
    expect(placeholdersOf(item)).toEqual({ iccid: '8988', imsi: '901405100002864', ip: '10.0.0.1' });
    expect(placeholdersOf(item, { ip: '192.0.2.1', iccid: undefined })).toEqual({ iccid: '8988', imsi: '901405100002864', ip: '192.0.2.1' });
    // A 1NCE message carries them at the top; a device that is not an object is not a device.
    expect(placeholdersOf({ iccid: '89', device: 'gw-1' })).toEqual({ iccid: '89' });
    for (const nothing of [undefined, null, 'text', 42, ['89'], {}]) expect(placeholdersOf(nothing)).toEqual({});
    // What the filled URL shows: a value the item lacks becomes none.
    expect(fillPlaceholders('/:iccid:/:imsi:/:ip:', placeholdersOf({ device: { iccid: '89' } }), { target: 'url' })).toBe('/89/none/none');
  });

  it('property: placeholdersOf takes each given text or number over the item, and nothing else', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.boolean(), fc.object());
    const values = fc.record({ iccid: value, imsi: value, ip: value }, { requiredKeys: [] });
    fc.assert(
      fc.property(values, values, values, (given, device, top) => {
        const result = placeholdersOf({ ...top, device }, given);
        for (const name of ['iccid', 'imsi', 'ip'] as const) {
          const usable = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
          expect(result[name]).toBe(usable(given[name]) ?? usable(device[name]) ?? usable(top[name]));
        }
      }),
    );
  });

  it('property: a URL keeps its origin and path structure whatever the values', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('.', '..', '...', '%2e', '../..')), fc.string({ unit: 'binary' }), fc.string(), (iccid, imsi, ip) => {
        const url = new URL(fillPlaceholders('https://h.example/a/:iccid:?imsi=:imsi:&ip=:ip:', { iccid, imsi, ip }, { target: 'url' }));
        expect(url.origin).toBe('https://h.example');
        expect(url.hash).toBe('');
        const wellFormed = iccid.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
        const expected = wellFormed === '' || wellFormed === '.' || wellFormed === '..' ? 'none' : wellFormed;
        expect(url.pathname.startsWith('/a/')).toBe(true);
        expect(decodeURIComponent(url.pathname.slice(3))).toBe(expected);
        expect([...url.searchParams.keys()]).toEqual(['imsi', 'ip']);
      }),
      { numRuns: 500 },
    );
  });

  it('property: a header value never carries CR, LF or NUL', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (template, value) => {
        expect(fillPlaceholders(template, { iccid: value, imsi: value, ip: value }, { target: 'header' })).not.toMatch(/[\r\n\0]/);
      }),
    );
  });
});
