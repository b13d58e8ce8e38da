/**
 * Our signed requests checked by the vendors' own published verification code, run by python3:
 * InHand's `verify_signature` and Scalefusion's check, in Python (docs/vendors.md#inhand-device-manager, #scalefusion).
 */
import { describe, expect, it } from 'vitest';
import { sign, vendors } from '../../shared/src/index';
import { pythonVerdicts } from '../helpers/python-verifiers';

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
