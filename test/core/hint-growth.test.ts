/**
 * The mismatch hint sizes the indented forms before building them (so a tiny value nested deep cannot
 * make it build megabytes): compact length + newlines + indent × indentUnits + members must be exactly
 * the length of JSON.stringify(value, null, indent), for any JSON value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indentGrowth } from '../../shared/src/schemes/hmac-header';

describe('indentGrowth', () => {
  it('predicts the length of JSON.stringify(value, null, indent) exactly', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(1, 2, 4, 8), (value, indent) => {
        const growth = indentGrowth(value);
        const predicted = JSON.stringify(value).length + growth.newlines + indent * growth.indentUnits + growth.members;
        expect(predicted).toBe(JSON.stringify(value, null, indent).length);
      }),
      { numRuns: 500, seed: 0x1d7 },
    );
  });

  it('counts deep nesting without building it', () => {
    const deep = JSON.parse(`${'['.repeat(100)}1${']'.repeat(100)}`) as unknown;
    const growth = indentGrowth(deep);
    expect(JSON.stringify(deep).length + growth.newlines + 4 * growth.indentUnits + growth.members).toBe(JSON.stringify(deep, null, 4).length);
    expect(growth.indentUnits).toBeGreaterThan(100 * 99);
  });
});
