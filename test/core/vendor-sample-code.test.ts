/**
 * Our signed requests checked by the vendors' own published verification code, run by python3:
 * InHand's `verify_signature` (vendor-docs/000) and Scalefusion's check (vendor-docs/004, in Python).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sign, vendors } from '../../shared/src/index';

const PYTHON_CHECKER = String.raw`
import base64, hashlib, hmac, json, sys

def inhand_verify_signature(data: dict, signature: str, secret: str):
    # Verbatim from InHand's guide, except that a missing signature is reported instead of accepted.
    payload = json.dumps(data, ensure_ascii=False).encode()
    if not signature:
        return False
    expected_signature = hmac.new(secret.encode('utf-8'), payload, hashlib.sha256).digest()
    expected_signature = base64.b64encode(expected_signature).decode('utf-8')
    return hmac.compare_digest(signature, expected_signature)

def scalefusion_verify(body: bytes, signature: str, secret: str):
    computed = hmac.new(secret.encode('utf-8'), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(computed, signature)

results = []
for case in json.load(sys.stdin):
    body = base64.b64decode(case['body'])
    if case['scheme'] == 'inhand':
        results.append(inhand_verify_signature(json.loads(body.decode('utf-8')), case['signature'], case['secret']))
    else:
        results.append(scalefusion_verify(body, case['signature'], case['secret']))
print(json.dumps(results))
`;

function pythonVerdicts(cases: Array<{ scheme: string; body: Buffer; signature: string; secret: string }>): boolean[] {
  const input = JSON.stringify(cases.map((c) => ({ ...c, body: c.body.toString('base64') })));
  return JSON.parse(execFileSync('python3', ['-c', PYTHON_CHECKER], { input, encoding: 'utf8' })) as boolean[];
}

describe("the vendors' own verification code accepts what we sign", () => {
  const tricky = { content: 'Gerät „Zürich“ ☃ 🚀 offline', ratio: 1e5 * 1.5, tiny: 0.00001, big: 2 ** 60, neg: -0, tab: 'a\tb\u2028c/d', nested: { '10': 1, '2': [1.25, null, true] } };

  it('InHand Device Manager and InCloud Manager, for every sample and a tricky body', () => {
    const cases = [
      ...['inhand-dm', 'incloud-manager'].flatMap((vendor) =>
        Object.values(vendors[vendor as 'inhand-dm'].samples).map((body) => ({ vendor, body: { ...body } as Record<string, unknown> })),
      ),
      { vendor: 'inhand-dm', body: { ...vendors['inhand-dm'].samples['offline'], ...tricky } },
    ].map(({ vendor, body }) => {
      const signed = sign({ vendor, body, secret: 'tëst-secret' });
      return { scheme: 'inhand', body: signed.body, signature: signed.headers['X-Signature'] as string, secret: 'tëst-secret' };
    });
    expect(pythonVerdicts(cases)).toEqual(cases.map(() => true));
    // And the checker is not a rubber stamp:
    expect(pythonVerdicts([{ ...(cases[0] as (typeof cases)[0]), secret: 'other' }])).toEqual([false]);
  });

  it('Scalefusion, for every sample and a tricky body', () => {
    const cases = [...Object.values(vendors.scalefusion.samples), { ...vendors.scalefusion.samples['device.locked'], ...tricky }].map((body) => {
      const signed = sign({ vendor: 'scalefusion', body, secret: 'sf-secret' });
      return { scheme: 'scalefusion', body: signed.body, signature: signed.headers['X-SF-Signature'] as string, secret: 'sf-secret' };
    });
    expect(pythonVerdicts(cases)).toEqual(cases.map(() => true));
    expect(pythonVerdicts([{ ...(cases[0] as (typeof cases)[0]), body: Buffer.concat([(cases[0] as (typeof cases)[0]).body, Buffer.from(' ')]) }])).toEqual([false]);
  });
});
