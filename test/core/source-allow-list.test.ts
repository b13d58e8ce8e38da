/**
 * Source allow-lists (issue 14): a receiver takes requests only from the addresses and CIDR ranges it was
 * given (and, on request, the vendor's published ones), refuses the rest 403 `source_not_allowed` before
 * any body or signature work, and refuses to run with an entry it cannot read.
 */
import { BlockList, isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReceiver, parseSourceAllowList, sign, vendors } from '../../shared/src/index';

const SECRET = 'allow-secret';
const inhand = () => {
  const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: SECRET });
  return { headers: signed.headers, rawBody: signed.body };
};

describe('the CIDR matcher', () => {
  it('matches addresses, ranges, IPv6, and IPv4-mapped IPv6 against IPv4 entries', () => {
    const { list } = parseSourceAllowList('52.29.71.11, 10.0.0.0/8\n2001:db8::/32 [fe80::1]');
    expect(list).toBeDefined();
    for (const address of ['52.29.71.11', '::ffff:52.29.71.11', '::ffff:341d:470b', '[::ffff:52.29.71.11]', '10.200.3.4', '::ffff:10.0.0.1', '2001:db8:1::5', 'fe80::1', 'fe80::1%eth0']) {
      expect(list!.allows(address), address).toBe(true);
    }
    for (const address of ['52.29.71.12', '11.0.0.1', '::ffff:11.0.0.1', '2001:db9::1', 'fe80::2', '', 'unknown', '52.29.71.11, 1.2.3.4', '052.29.71.11']) {
      expect(list!.allows(address), address).toBe(false);
    }
  });

  it('an IPv4-mapped entry matches the plain IPv4 address, and ::/0 takes IPv4 too (as node:net does)', () => {
    expect(parseSourceAllowList('::ffff:1.2.3.0/120').list!.allows('1.2.3.9')).toBe(true);
    expect(parseSourceAllowList('::/0').list!.allows('8.8.8.8')).toBe(true);
    expect(parseSourceAllowList('0.0.0.0/0').list!.allows('2001:db8::1')).toBe(false);
  });

  it('names the first entry that is not an address or range', () => {
    for (const bad of ['10.0.0.300', '10.0.0.0/33', '2001:db8::/129', 'example.com', '10.0.0.0/08', '1.2.3.4/', 'fe80::1%eth0', '*']) {
      expect(parseSourceAllowList(`52.29.71.11, ${bad}`).problem, bad).toContain(`"${bad}" is not an IPv4 or IPv6 address or CIDR range`);
    }
    expect(parseSourceAllowList(' , \n').list).toBeUndefined();
    expect(parseSourceAllowList(undefined)).toEqual({});
  });

  it('agrees with node:net BlockList for any list of ranges and any address (property)', () => {
    const v4Entry = fc.tuple(fc.ipV4(), fc.option(fc.integer({ min: 0, max: 32 }))).map(([a, p]) => ({ text: p === null ? a : `${a}/${p}`, a, p, family: 'ipv4' as const }));
    const v6Entry = fc.tuple(fc.oneof(fc.ipV6(), fc.ipV4().map((a) => `::ffff:${a}`)), fc.option(fc.integer({ min: 0, max: 128 }))).map(([a, p]) => ({ text: p === null ? a : `${a}/${p}`, a, p, family: 'ipv6' as const }));
    const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((a) => `::ffff:${a}`));
    fc.assert(
      fc.property(fc.array(fc.oneof(v4Entry, v6Entry), { minLength: 1, maxLength: 6 }), fc.array(address, { minLength: 1, maxLength: 8 }), (entries, addresses) => {
        const blockList = new BlockList();
        for (const entry of entries) {
          if (entry.p === null) blockList.addAddress(entry.a, entry.family);
          else blockList.addSubnet(entry.a, entry.p, entry.family);
        }
        const { list, problem } = parseSourceAllowList(entries.map((e) => e.text).join(', '));
        expect(problem).toBeUndefined();
        for (const a of addresses) expect(list!.allows(a), `${a} in ${entries.map((e) => e.text).join(', ')}`).toBe(blockList.check(a, isIP(a) === 4 ? 'ipv4' : 'ipv6'));
      }),
      { numRuns: 2000 },
    );
  });

  it('takes a range around an address picked in it, and not the address just outside (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 32 }), (a, prefix) => {
        const n = a.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
        const size = 2 ** (32 - prefix);
        const base = n - (n % size);
        const text = (x: number) => [24, 16, 8, 0].map((s) => Math.floor(x / 2 ** s) % 256).join('.');
        const { list } = parseSourceAllowList(`${text(base)}/${prefix}`);
        expect(list!.allows(a)).toBe(true);
        expect(list!.allows(`::ffff:${a}`)).toBe(true);
        if (base + size <= 0xffffffff) expect(list!.allows(text(base + size))).toBe(false);
        if (base > 0) expect(list!.allows(text(base - 1))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('a receiver with allowed sources', () => {
  it('refuses another source 403 source_not_allowed, naming the address, before the body is read', () => {
    const receiver = createReceiver({ vendor: 'inhand-dm', secrets: SECRET, allowedSources: '52.29.71.11, 10.0.0.0/8' });
    expect(receiver.allowedSources).toEqual(['52.29.71.11', '10.0.0.0/8']);
    let bodyRead = false;
    const { headers, rawBody } = inhand();
    const request = {
      headers,
      source: '203.0.113.9',
      get rawBody() {
        bodyRead = true;
        return rawBody;
      },
    };
    const decision = receiver.receive(request);
    expect(decision.answer).toMatchObject({ status: 403, body: { code: 'source_not_allowed', message: expect.stringContaining('203.0.113.9') } });
    expect(decision).toMatchObject({ kind: 'refused', code: 'source_not_allowed', status: 403 });
    expect(bodyRead).toBe(false);
    // A body too large, unreadable or unsigned changes nothing: the source is judged first.
    expect(receiver.receive({ headers: {}, rawBody: undefined, source: '203.0.113.9' }).answer.status).toBe(403);
    expect(receiver.checkSource('203.0.113.9')?.answer.body).toEqual(decision.answer.body);
  });

  it('accepts an allowed source, also as IPv4-mapped IPv6 from a dual-stack socket', () => {
    const receiver = createReceiver({ vendor: 'inhand-dm', secrets: SECRET, allowedSources: ['52.29.71.11', '10.0.0.0/8'] });
    expect(receiver.checkSource('::ffff:10.1.2.3')).toBeUndefined();
    expect(receiver.receive({ ...inhand(), source: '::ffff:52.29.71.11' })).toMatchObject({ kind: 'accepted' });
    // Allowed is not authenticated: the signature is still checked.
    expect(receiver.receive({ headers: { 'content-type': 'application/json' }, rawBody: '{"alertType":"offline"}', source: '10.0.0.1' }).answer.status).toBe(401);
  });

  it('refuses a request whose source the host could not tell', () => {
    const receiver = createReceiver({ vendor: 'inhand-dm', secrets: SECRET, allowedSources: '10.0.0.0/8' });
    const decision = receiver.receive(inhand());
    expect(decision.answer).toMatchObject({ status: 403, body: { code: 'source_not_allowed', message: expect.stringMatching(/source address is unknown/) } });
  });

  it('without allowed sources every source may send, known or not', () => {
    const receiver = createReceiver({ vendor: 'inhand-dm', secrets: SECRET, allowedSources: ' ' });
    expect(receiver.allowedSources).toBeUndefined();
    expect(receiver.receive({ ...inhand(), source: '203.0.113.9' })).toMatchObject({ kind: 'accepted' });
    expect(receiver.receive(inhand())).toMatchObject({ kind: 'accepted' });
  });

  it('an entry it cannot read is a configuration error (invalid_input) naming it, not a crash', () => {
    const receiver = createReceiver({ vendor: 'inhand-dm', secrets: SECRET, allowedSources: '52.29.71.11, 10.0.0.0/40' });
    expect(receiver.problem).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('"10.0.0.0/40"') });
    expect(receiver.receive({ ...inhand(), source: '52.29.71.11' }).answer).toMatchObject({ status: 400, body: { code: 'invalid_input' } });
    expect(receiver.checkSource('52.29.71.11')?.answer.status).toBe(400);
  });

  it("the vendor's published addresses: 1NCE's two, added to your own; a vendor without any is a configuration error", () => {
    expect(vendors['1nce'].sourceAddresses).toEqual(['52.29.71.11', '18.157.211.95']);
    const receiver = createReceiver({ vendor: '1nce', secrets: 'k', vendorSources: true, allowedSources: '192.0.2.7' });
    expect(receiver.allowedSources).toEqual(['192.0.2.7', '52.29.71.11', '18.157.211.95']);
    for (const source of ['52.29.71.11', '::ffff:18.157.211.95', '192.0.2.7']) expect(receiver.checkSource(source), source).toBeUndefined();
    expect(receiver.checkSource('18.157.211.96')?.answer.status).toBe(403);
    const none = createReceiver({ vendor: 'inhand-dm', secrets: SECRET, vendorSources: true });
    expect(none.problem).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/InHand Device Manager publishes no addresses/) });
  });
});
