/**
 * Properties of the lossless scanner against JSON.parse, on arbitrary JSON source text: duplicate keys
 * (also equal only after unescaping), nesting up to the verifier's limit, every escape spelling, long
 * numbers, whitespace — and the same texts damaged in one place. (python3 itself is the reference in
 * python-json.diff.test.ts; this one needs no Python and runs unbounded inputs through fast-check.)
 *
 * - The Python-style and compact forms parse back to the value JSON.parse reads from the source
 *   (integer -0 aside, which Python prints as 0).
 * - The signable forms (what InHand's verifier signs against) parse back to exactly that value, -0
 *   included — or are refused, and then only for a lone surrogate or an integer -0 in the value.
 * - The scanner refuses a text exactly when JSON.parse does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactJsonDumps, JsonSyntaxError, NotSignableError, pythonJsonDumps, pythonJsonDumpsBytes, referenceJsonDumps } from '../../shared/src/json/lossless-json';
import { MAX_NESTING } from '../../shared/src/verify';

const NUM_RUNS = 400;

/** Object.is on every leaf (so -0 and 0 differ), key sets and values compared. */
function sameValue(a: unknown, b: unknown, zeroIsZero = false): boolean {
  if (typeof a === 'number' && typeof b === 'number' && zeroIsZero && a === 0 && b === 0) return true;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every(
    (key) => Object.prototype.hasOwnProperty.call(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], zeroIsZero),
  );
}

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
function holdsLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE.test(value);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, item]) => LONE.test(key) || holdsLoneSurrogate(item));
}

/**
 * JSON.parse for Python's output, which prints a float that overflowed (1e400) as Infinity. (No string
 * from these generators spells Infinity after a bracket, colon or comma, so the token rule is enough.)
 */
const parseBack = (text: string): unknown => JSON.parse(text.replace(/([[:,]\s*|^\s*)(-?)Infinity/g, '$1$21e999'));

// --- Generators of JSON source text -------------------------------------------------------------------

const hex4 = (code: number, upper: boolean) => `\\u${code.toString(16).padStart(4, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`;
const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One character, written raw or escaped in any way JSON allows. */
const spelledChar = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('a', 'b', 'é', '日', '😀', '"', '\\', '/', '\n', '\u0000', '\u001f', '\u2028', '\ufeff', '\ufffd', '\uffff'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), // a lone surrogate (escaped below)
    ),
    fc.nat(3),
    fc.boolean(),
  )
  .map(([ch, how, upper]) => {
    const code = ch.codePointAt(0) as number;
    const lone = ch.length === 1 && code >= 0xd800 && code <= 0xdfff;
    if (how === 0 && !lone && code >= 0x20 && ch !== '"' && ch !== '\\') return ch;
    if (how === 1 && SHORT[ch] !== undefined) return SHORT[ch];
    if (ch.length === 2) return hex4(ch.charCodeAt(0), upper) + hex4(ch.charCodeAt(1), upper);
    return hex4(ch.charCodeAt(0), upper);
  });

const stringText = fc.array(spelledChar, { maxLength: 12 }).map((parts) => `"${parts.join('')}"`);
/** Keys from a tiny alphabet, so that duplicates (also equal only after unescaping) are frequent. */
const keyText = fc.array(fc.constantFrom('a', '\\u0061', 'b', '\\u0062', 'é', '\\u00e9', '😀', '\\ud83d\\ude00'), { maxLength: 2 }).map((p) => `"${p.join('')}"`);

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const numberText = fc.oneof(
  fc.constantFrom('0', '-0', '-0.0', '0.0', '1e5', '1E+2', '1e-7', '-0e0', '1e400', '5e-324', '9007199254740993', '0.1'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? '-0.0' : String(d).replace(/^(-?\d+)e/, '$1.0e'))),
  fc.tuple(fc.constantFrom('', '-'), fc.constantFrom(...'123456789'), digits(0, 400)).map(([s, a, b]) => s + a + b), // long integers
  fc.tuple(fc.constantFrom('', '-'), digits(1, 300), fc.option(fc.integer({ min: -400, max: 400 }))).map(
    ([s, frac, exp]) => `${s}0.${frac}${exp === null ? '' : `e${exp}`}`, // long fractions, any exponent
  ),
);
const ws = fc.constantFrom('', '', ' ', '\n\t', '\r\n ');

const { value: valueText } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    { weight: 3, arbitrary: fc.oneof(numberText, stringText, fc.constantFrom('true', 'false', 'null')) },
    { weight: 1, arbitrary: tie('array') },
    { weight: 2, arbitrary: tie('object') },
  ),
  array: fc.array(fc.tuple(ws, tie('value')), { maxLength: 5 }).map((items) => `[${items.map(([w, v]) => w + v).join(',')}]`),
  object: fc
    .array(fc.tuple(keyText, ws, tie('value')), { maxLength: 6 })
    .map((members) => `{${members.map(([k, w, v]) => `${k}${w}:${v}`).join(',')}}`),
}));

/** Wrapped in up to the verifier's nesting limit of arrays and objects, some with a duplicated key per level. */
const jsonText = fc
  .tuple(
    valueText,
    fc.oneof(
      fc.array(fc.constantFrom('array', 'object', 'duplicate'), { maxLength: 8 }),
      fc.array(fc.constantFrom('array', 'object', 'duplicate'), { minLength: 100, maxLength: MAX_NESTING - 8, size: 'max' }),
    ),
    ws,
  )
  .map(([inner, levels, w]) =>
    levels.reduce((text, kind) => (kind === 'array' ? `[${text}]` : kind === 'object' ? `{"a":${text}}` : `{"a":0,"b":${text},"\\u0061":1}`), inner) + w,
  );

const damagedText = fc
  .tuple(jsonText, fc.nat(), fc.constantFrom('cut', 'insert', 'delete'), fc.constantFrom('"', ',', ':', '{', '}', '[', ']', '\\', '\u0001', '-', '.', 'e', '0', ' ', 'x'))
  .map(([text, where, op, ch]) => {
    const at = where % (text.length + 1);
    if (op === 'cut') return text.slice(0, at);
    if (op === 'insert') return text.slice(0, at) + ch + text.slice(at);
    return text.slice(0, at) + text.slice(at + 1);
  });

// --- Properties ----------------------------------------------------------------------------------------

describe('the lossless scanner agrees with JSON.parse', () => {
  it('the Python-style and compact forms parse back to the value JSON.parse reads (integer -0 printed as 0)', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const value = JSON.parse(text) as unknown;
        expect(sameValue(parseBack(pythonJsonDumps(text)), value, true)).toBe(true);
        expect(sameValue(parseBack(compactJsonDumps(text)), value, true)).toBe(true);
      }),
      { numRuns: NUM_RUNS, seed: 0x5ca1 },
    );
  });

  it('the signable forms parse back to exactly that value, -0 included, or are refused for a lone surrogate or an integer -0', () => {
    let refused = 0;
    fc.assert(
      fc.property(jsonText, (text) => {
        const value = JSON.parse(text) as unknown;
        let pretty: string;
        try {
          pretty = pythonJsonDumps(text, { signable: true });
        } catch (error) {
          expect(error).toBeInstanceOf(NotSignableError);
          refused++;
          expect(holdsLoneSurrogate(value) || /(^|[^\d.eE])-0(?![\d.eE])/.test(text)).toBe(true);
          expect(() => compactJsonDumps(text, { signable: true })).toThrow(NotSignableError);
          return;
        }
        expect(sameValue(parseBack(pretty), value)).toBe(true);
        expect(sameValue(parseBack(compactJsonDumps(text, { signable: true })), value)).toBe(true);
        expect(holdsLoneSurrogate(value)).toBe(false);
      }),
      { numRuns: NUM_RUNS, seed: 0x5ca2 },
    );
    expect(refused).toBeGreaterThan(10); // the generator does reach the refusals
  });

  it('a text is refused exactly when JSON.parse refuses it', () => {
    let invalid = 0;
    fc.assert(
      fc.property(damagedText, (text) => {
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
          invalid++;
        }
        for (const dumps of [pythonJsonDumps, compactJsonDumps]) {
          if (parses) expect(() => dumps(text)).not.toThrow();
          else expect(() => dumps(text)).toThrow(JsonSyntaxError);
        }
      }),
      { numRuns: NUM_RUNS, seed: 0x5ca3 },
    );
    expect(invalid).toBeGreaterThan(NUM_RUNS / 4);
  });
});

/** Decimals of 1 to 20 significant digits, trailing zeros and leading fraction zeros included (Python reprints some). */
const decimalText = fc
  .tuple(fc.constantFrom('', '-'), fc.constantFrom('0', '1', '12', '123', '9007199'), fc.constantFrom('', '0', '000', '0000'), digits(1, 17))
  .map(([sign, integer, zeros, fraction]) => `${sign}${integer}.${zeros}${fraction}`);

/** Long strings (past the fast path's native run skipping): mostly plain Latin-1, with the odd escape or wider character. */
const longStringText = fc
  .array(fc.oneof({ weight: 12, arbitrary: fc.constantFrom('a', 'Z', ' ', 'é', 'ÿ', '~', '/') }, { weight: 1, arbitrary: spelledChar }), { minLength: 20, maxLength: 300 })
  .map((parts) => `"${parts.join('')}"`);

/** Objects with distinct, unescaped keys and ordinary values: what the fast path handles itself. */
const { value: plainValueText } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    { weight: 3, arbitrary: fc.oneof(numberText, decimalText, stringText, longStringText, fc.constantFrom('true', 'false', 'null', 'NaN', 'Infinity', '-Infinity')) },
    { weight: 1, arbitrary: tie('array') },
    { weight: 2, arbitrary: tie('object') },
  ),
  array: fc.array(fc.tuple(ws, tie('value'), ws), { maxLength: 5 }).map((items) => `[${items.map(([w, v, w2]) => w + v + w2).join(',')}]`),
  object: fc
    .uniqueArray(fc.tuple(fc.string({ unit: fc.constantFrom('a', 'b', 'é', '日', '😀', ' ', 'Z'), maxLength: 4 }), ws, tie('value')), { maxLength: 20, selector: ([k]) => k })
    .map((members) => `{${members.map(([k, w, v]) => `${w}"${k}"${w}:${w}${v}`).join(',')}}`),
}));

/** Texts with unpaired or paired surrogates written raw (only a JS string can hold them). */
const rawSurrogateText = fc
  .tuple(plainValueText, fc.constantFrom('\ud800', '\udc00', '\ud83d\ude00', '\ud83d', 'x\ude00'), fc.boolean())
  .map(([inner, raw, asKey]) => (asKey ? `{"${raw}":${inner}}` : `["${raw}",${inner}]`));

describe('the fast path writes what the frame scanner writes', () => {
  /** Output, or the error's class, message and position: the fast path must not change either. */
  const outcome = (dumps: () => string) => {
    try {
      return dumps();
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  };
  const agree = (text: string) => {
    for (const python of [true, false]) {
      for (const options of [undefined, { signable: true }, { maxDepth: 3 }]) {
        const reference = outcome(() => referenceJsonDumps(text, python, options));
        expect(outcome(() => (python ? pythonJsonDumps : compactJsonDumps)(text, options))).toBe(reference);
        if (python) {
          // The bytes: from the text, and (where UTF-8 can carry the text) from its UTF-8 encoding.
          const referenceBytes = outcome(() => Buffer.from(referenceJsonDumps(text, true, options)).toString('hex'));
          expect(outcome(() => pythonJsonDumpsBytes(text, undefined, options).toString('hex'))).toBe(referenceBytes);
          if (!/[\ud800-\udfff]/.test(text)) expect(outcome(() => pythonJsonDumpsBytes(text, Buffer.from(text), options).toString('hex'))).toBe(referenceBytes);
        }
      }
    }
  };

  it('on plain documents (distinct unescaped keys), in every spelling of strings and numbers', () => {
    fc.assert(fc.property(plainValueText, agree), { numRuns: NUM_RUNS * 2, seed: 0x5ca4 });
  });

  it('on documents with duplicate and escaped keys, deep nesting, raw surrogates, and damaged ones', () => {
    fc.assert(fc.property(fc.oneof(jsonText, damagedText, rawSurrogateText), agree), { numRuns: NUM_RUNS * 2, seed: 0x5ca5 });
  });

  it('on numbers that grow when reprinted (1e15 → 1000000000000000.0), many times the text', () => {
    for (const count of [1, 300, 5000]) {
      const text = `[${Array.from({ length: count }, (_, k) => (k % 2 ? '1e15' : '-1E-7')).join(',')}]`;
      agree(text);
      if (count > 1) expect(pythonJsonDumps(text).length).toBeGreaterThan(2 * text.length);
    }
  });

  it('on damaged plain documents (errors reported where the frame scanner reports them)', () => {
    const damaged = fc
      .tuple(plainValueText, fc.nat(), fc.constantFrom('cut', 'insert', 'delete'), fc.constantFrom('"', ',', ':', '{', '}', '[', ']', '\\', '\u0001', '-', '.', 'e', '0', ' ', 'x', 'u'))
      .map(([text, where, op, ch]) => {
        const at = where % (text.length + 1);
        if (op === 'cut') return text.slice(0, at);
        if (op === 'insert') return text.slice(0, at) + ch + text.slice(at);
        return text.slice(0, at) + text.slice(at + 1);
      });
    fc.assert(fc.property(damaged, agree), { numRuns: NUM_RUNS * 2, seed: 0x5ca6 });
  });
});
