/**
 * Properties over unbounded inputs: sign → verify round-trips for every vendor; tampering with the
 * body, the secret or the signature header is caught; verify never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeSecrets, pythonJsonDumps, sign, unresolvedVariable, vendorIds, vendors, verify, type VendorId } from '../../shared/src/index';

const NOW = Date.UTC(2026, 5, 1);
const secretFor = (vendor: VendorId, seed: string) =>
  vendor === 'standard-webhooks' ? `whsec_${Buffer.from(`k-${seed}`).toString('base64')}` : `k-${seed}`;

/** A body of the vendor's shape: its type field, one of its sample's fields, and arbitrary extras. */
const bodyFor = (vendor: VendorId) =>
  fc.record({
    type: fc.oneof(fc.constantFrom(...vendors[vendor].eventTypes.map((t) => t.value), 'unknown.type'), fc.string({ minLength: 1 })),
    extras: fc.dictionary(fc.string().map((k) => `x_${k}`), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
  }).map(({ type, extras }) => {
    const profile = vendors[vendor];
    const typeField = profile.typeField;
    return { ...extras, [typeField]: type };
  });

const signedCase = fc.constantFrom(...vendorIds).chain((vendor) =>
  fc.record({ vendor: fc.constant(vendor), body: bodyFor(vendor), seed: fc.string({ minLength: 1, maxLength: 20 }) }),
);

function signCase({ vendor, body, seed }: { vendor: VendorId; body: Record<string, unknown>; seed: string }) {
  const secret = secretFor(vendor, seed);
  return { secret, signed: sign({ vendor, body, secret, options: { now: NOW } }) };
}

const check = (vendor: VendorId, rawBody: Buffer, headers: Record<string, string>, secrets: string | string[]) =>
  verify({ vendor, rawBody, headers, secrets, options: { now: NOW } });

describe('sign → verify', () => {
  it('round-trips for every vendor, type and body', () => {
    fc.assert(
      fc.property(signedCase, (c) => {
        const { secret, signed } = signCase(c);
        const result = check(c.vendor, signed.body, signed.headers, ['not-this-one', secret]);
        expect(result.ok).toBe(true);
        if (result.ok) {
          expect(result.event.vendor).toBe(c.vendor);
          expect(result.event.type).toBe(c.body[vendors[c.vendor].typeField]);
          expect(result.authentication).toBe('verified');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('refuses the same request under a wrong secret', () => {
    fc.assert(
      fc.property(signedCase, fc.string({ minLength: 1, maxLength: 20 }), (c, other) => {
        fc.pre(other !== c.seed);
        const { signed } = signCase(c);
        const result = check(c.vendor, signed.body, signed.headers, secretFor(c.vendor, other));
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any flipped body byte that changes what the vendor signs', () => {
    const signedBodyVendors = vendorIds.filter((v) => v !== '1nce'); // 1NCE authenticates by header only: it signs no body
    const tamperCase = fc.constantFrom(...signedBodyVendors).chain((vendor) =>
      fc.record({ vendor: fc.constant(vendor), body: bodyFor(vendor), seed: fc.string({ minLength: 1, maxLength: 8 }), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
    );
    fc.assert(
      fc.property(tamperCase, (c) => {
        const { secret, signed } = signCase(c);
        const tampered = Buffer.from(signed.body);
        const at = c.at % tampered.length;
        tampered[at] = (tampered[at] as number) ^ c.mask;
        const result = check(c.vendor, tampered, signed.headers, secret);
        if (!result.ok) return;
        if (c.vendor === 'edgesense') {
          // The body's own "signature" member is not signed; the header still vouches for everything else.
          const withoutSignature = (b: Buffer) => b.toString('utf8').replace(/,?"signature":"[^"]*"/, '');
          expect(withoutSignature(tampered)).toBe(withoutSignature(signed.body));
          return;
        }
        // InHand signs json.dumps of the parsed value, not the bytes: only a change that keeps the value may pass.
        expect(c.vendor === 'inhand-dm' || c.vendor === 'incloud-manager').toBe(true);
        expect(pythonJsonDumps(tampered.toString('utf8'))).toBe(signed.body.toString('utf8'));
      }),
      { numRuns: 600 },
    );
  });

  it('refuses a flipped character in the signature or authentication header', () => {
    fc.assert(
      fc.property(signedCase, fc.nat(), fc.integer({ min: 1, max: 127 }), (c, at, mask) => {
        const { secret, signed } = signCase(c);
        const name = vendors[c.vendor].scheme.signatureHeaders({}).find((h) => h !== 'webhook-id' && h !== 'webhook-timestamp')!;
        const key = Object.keys(signed.headers).find((k) => k.toLowerCase() === name)!;
        const value = signed.headers[key]!;
        const i = at % value.length;
        const flipped = String.fromCharCode(value.charCodeAt(i) ^ mask);
        // Hex MACs are read in either case: flipping only the case of a hex letter keeps the same MAC.
        fc.pre(!(/[0-9a-f]/i.test(value[i]!) && flipped.toLowerCase() === value[i]!.toLowerCase() && /^[0-9a-f]+$/i.test(value)));
        const headers = { ...signed.headers, [key]: value.slice(0, i) + flipped + value.slice(i + 1) };
        // EdgeSense also carries its MAC in the body; drop it so the header alone is tested.
        const body = c.vendor === 'edgesense' ? Buffer.from(signed.body.toString().replace(/,?"signature":"[0-9a-f]+"/, '')) : signed.body;
        expect(check(c.vendor, body, headers, secret).ok).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it("refuses another request's signature headers", () => {
    fc.assert(
      fc.property(signedCase, bodyFor('scalefusion'), (c, otherBody) => {
        const { secret, signed } = signCase(c);
        const other = sign({ vendor: c.vendor, body: { ...otherBody, [vendors[c.vendor].typeField]: 'other', x_nonce: 'n' }, secret, options: { now: NOW } });
        fc.pre(c.vendor !== '1nce'); // 1NCE's header is the same static key for every request
        const headers = other.headers;
        const body = c.vendor === 'edgesense' ? Buffer.from(signed.body.toString().replace(/,?"signature":"[0-9a-f]+"/, '')) : signed.body;
        expect(check(c.vendor, body, headers, secret).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('verify never throws', () => {
  const headerValue = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(undefined), fc.integer());
  const headerName = fc.oneof(
    fc.constantFrom('x-signature', 'X-SF-Signature', 'x-edgesense-signature', 'x-api-key', 'webhook-id', 'webhook-timestamp', 'webhook-signature'),
    fc.string(),
  );

  it('on arbitrary bytes, headers, secrets and options, answering 4xx (503 only for a receiver without a usable secret)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...vendorIds, 'nope'),
        fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.json(), fc.string()),
        fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
        fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(undefined)),
        fc.record(
          { allowUnsigned: fc.boolean(), allowUnauthenticated: fc.boolean(), strictSchema: fc.boolean(), maxBytes: fc.integer({ min: 0, max: 400 }) },
          { requiredKeys: [] },
        ),
        (vendor, rawBody, headers, secrets, options) => {
          const result = verify({ vendor, rawBody, headers: headers as never, secrets, options });
          if (!result.ok) {
            const usable = normalizeSecrets(secrets).some((s) => unresolvedVariable(s) === undefined);
            if (result.code === 'not_configured') expect(usable).toBe(false);
            else {
              expect(result.status).toBeGreaterThanOrEqual(400);
              expect(result.status).toBeLessThan(500);
            }
            expect(result.message.length).toBeGreaterThan(10);
          } else {
            expect(normalizeSecrets(secrets).length > 0 || options.allowUnauthenticated === true).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
