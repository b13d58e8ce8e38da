/**
 * Differential test of the Python-exact JSON re-serializers against python3 itself.
 *
 *   pythonJsonDumps(text)  === json.dumps(json.loads(text), ensure_ascii=False)
 *   compactJsonDumps(text) === json.dumps(json.loads(text), ensure_ascii=False, separators=(',', ':'))
 *
 * and both throw JsonSyntaxError exactly where json.loads raises.
 *
 * The 'signable' mode (what InHand's verifier computes) is compared too: it throws NotSignableError exactly
 * where Python's `json.dumps(…, ensure_ascii=False).encode('utf-8')` raises (a lone surrogate) or the parsed
 * value holds an integer -0 (parse_int saw "-0" and it survived duplicate keys), and otherwise equals json.dumps.
 *
 * Inputs are generated as JSON *source text* (fast-check, fixed seeds), so number spellings, escapes,
 * whitespace and duplicate keys reach the code under test as written. Every batch goes to ONE python3
 * process: the texts travel in a JSON file written by JSON.stringify (which escapes lone surrogates, so
 * Python reads back the very same code units) and the results come back as ASCII-only JSON, so lone
 * surrogates and non-ASCII characters survive the pipe exactly; outputs are then compared code unit for
 * code unit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compactBytesFromPythonForm, compactJsonDumps, JsonSyntaxError, NotSignableError, pythonJsonDumps } from '../../shared/src/json/lossless-json';

// ---------------------------------------------------------------------------------------------------
// The reference: one python3 run per batch
// ---------------------------------------------------------------------------------------------------

const PYTHON_SCRIPT = String.raw`
import json, sys
if hasattr(sys, 'set_int_max_str_digits'):
    sys.set_int_max_str_digits(4300)  # the interpreter default; pinned so PYTHONINTMAXSTRDIGITS cannot move it
dups = [False]
class NegZero(int):
    pass
def parse_int(s):
    return NegZero(0) if s == '-0' else int(s)
def holds_negzero(value):  # after duplicate keys dropped their earlier values, as json.loads does
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, NegZero):
            return True
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False
def pairs_hook(pairs):
    if len({k for k, _ in pairs}) != len(pairs):
        dups[0] = True
    return dict(pairs)
results = []
for text in json.load(open(sys.argv[1], encoding='utf-8')):
    try:
        value = json.loads(text)
        pretty = json.dumps(value, ensure_ascii=False)
        compact = json.dumps(value, ensure_ascii=False, separators=(',', ':'))
    except Exception as e:  # JSONDecodeError, ValueError (int digit limit), RecursionError
        results.append({'error': type(e).__name__})
        continue
    dups[0] = False
    json.loads(text, object_pairs_hook=pairs_hook)
    negzero = holds_negzero(json.loads(text, parse_int=parse_int))
    try:
        pretty.encode('utf-8')
        utf8 = True
    except UnicodeEncodeError:
        utf8 = False
    results.append({'ok': pretty, 'compact': compact, 'dup': dups[0], 'utf8': utf8, 'negZeroInt': negzero})
header = {'version': list(sys.version_info[:3]), 'cScanner': json.scanner.c_make_scanner is not None}
sys.stdout.write(json.dumps({'header': header, 'results': results}, ensure_ascii=True))
`;

type PyResult = { ok: string; compact: string; dup: boolean; utf8: boolean; negZeroInt: boolean } | { error: string };

const workDir = mkdtempSync(join(tmpdir(), 'python-json-diff-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
let batchNumber = 0;

function runPython(texts: readonly string[]): PyResult[] {
  const file = join(workDir, `batch-${batchNumber++}.json`);
  // JSON.stringify writes lone surrogates as \udXXX escapes, so json.load on the Python side gets the same code units.
  writeFileSync(file, JSON.stringify(texts), 'utf8');
  const run = spawnSync('python3', ['-c', PYTHON_SCRIPT, file], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`python3 failed (status ${run.status}): ${run.stderr}`);
  if (!/^[\x00-\x7f]*$/.test(run.stdout)) throw new Error('python3 output is not ASCII-only');
  const parsed = JSON.parse(run.stdout) as { header: { version: number[]; cScanner: boolean }; results: PyResult[] };
  const [major = 0, minor = 0] = parsed.header.version;
  if (major !== 3 || minor < 11) throw new Error(`python3 ${parsed.header.version.join('.')} is not the 3.11+ reference`);
  if (!parsed.header.cScanner) throw new Error("python3's json C scanner is missing; the reference would be the pure-Python scanner");
  if (parsed.results.length !== texts.length) throw new Error(`python3 returned ${parsed.results.length} results for ${texts.length} texts`);
  return parsed.results;
}

// ---------------------------------------------------------------------------------------------------
// Our side and the comparison
// ---------------------------------------------------------------------------------------------------

type Outcome = { ok: string } | { error: string };
type Impl = (text: string) => string;

function outcome(fn: Impl, text: string): Outcome {
  try {
    return { ok: fn(text) };
  } catch (error) {
    // Anything but JsonSyntaxError (RangeError, TypeError, …) is a bug of its own: it never equals Python.
    if (error instanceof NotSignableError) return { error: 'NotSignableError' };
    if (error instanceof JsonSyntaxError) return { error: 'JsonSyntaxError' };
    return { error: `UNEXPECTED ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` };
  }
}

/** Every code unit outside printable ASCII as \uXXXX, long texts elided in the middle: readable and unambiguous. */
function show(value: string | undefined): string {
  if (value === undefined) return '(none)';
  const escaped = JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length <= 400 ? escaped : `${escaped.slice(0, 180)} …[${value.length} chars]… ${escaped.slice(-180)}`;
}

function showOutcome(o: Outcome | PyResult): string {
  return 'ok' in o ? show(o.ok) : `raises ${o.error}`;
}

interface Report {
  /** Accepted by json.loads but with no faithful signed form (lone surrogate or integer -0). */
  notSignable: number;
  total: number;
  failures: number;
  accepted: number;
  rejected: number;
  withDuplicateKeys: number;
  message: string;
}

const MAX_REPORTED = 6;

const signablePretty: Impl = (text) => pythonJsonDumps(text, { signable: true });
const signableCompact: Impl = (text) => compactJsonDumps(text, { signable: true });

function compare(
  texts: readonly string[],
  pretty: Impl = pythonJsonDumps,
  compact: Impl = compactJsonDumps,
  signable: readonly [Impl, Impl] = [signablePretty, signableCompact],
): Report {
  const expected = runPython(texts);
  const details: string[] = [];
  let failures = 0;
  let accepted = 0;
  let withDuplicateKeys = 0;
  let notSignable = 0;
  texts.forEach((text, n) => {
    const py = expected[n] as PyResult;
    const ours = [outcome(pretty, text), outcome(compact, text)] as const;
    const oursSignable = [outcome(signable[0], text), outcome(signable[1], text)] as const;
    let same: boolean;
    if ('ok' in py) {
      accepted++;
      if (py.dup) withDuplicateKeys++;
      same = 'ok' in ours[0] && ours[0].ok === py.ok && 'ok' in ours[1] && ours[1].ok === py.compact;
      // InHand derives the compact form's bytes from the Python one (one pass): they must be Python's too.
      if (pretty === pythonJsonDumps && py.utf8) same &&= compactBytesFromPythonForm(py.ok).equals(Buffer.from(py.compact, 'utf8'));
      if (!py.utf8 || py.negZeroInt) {
        notSignable++;
        same &&= oursSignable.every((o) => 'error' in o && o.error === 'NotSignableError');
      } else {
        same &&= 'ok' in oursSignable[0] && oursSignable[0].ok === py.ok && 'ok' in oursSignable[1] && oursSignable[1].ok === py.compact;
      }
    } else {
      same = [...ours, ...oursSignable].every((o) => 'error' in o && o.error === 'JsonSyntaxError');
    }
    if (same) return;
    failures++;
    if (details.length < MAX_REPORTED) {
      details.push(
        [
          `#${n} input:   ${show(text)}`,
          `    python:  ${'ok' in py ? show(py.ok) : `raises ${py.error}`}`,
          `    ours:    ${showOutcome(ours[0])}`,
          ...('ok' in py ? [`    python compact: ${show(py.compact)}`, `    ours compact:   ${showOutcome(ours[1])}`] : []),
          ...('ok' in py ? [`    python utf-8 encodable: ${py.utf8}, integer -0: ${py.negZeroInt}`] : []),
          `    ours signable:  ${showOutcome(oursSignable[0])} / ${showOutcome(oursSignable[1])}`,
        ].join('\n'),
      );
    }
  });
  const message =
    failures === 0
      ? ''
      : `${failures} of ${texts.length} texts differ from python3 (first ${details.length} shown):\n${details.join('\n')}`;
  return { total: texts.length, failures, accepted, rejected: texts.length - accepted, withDuplicateKeys, notSignable, message };
}

function expectSameAsPython(texts: readonly string[]): Report {
  const report = compare(texts);
  expect(report.failures, report.message).toBe(0);
  return report;
}

// ---------------------------------------------------------------------------------------------------
// Generators of JSON source text
// ---------------------------------------------------------------------------------------------------

const digit = fc.constantFrom(...'0123456789');
const digits = (minLength: number, maxLength: number) => fc.string({ unit: digit, minLength, maxLength });
const nonZeroDigit = fc.constantFrom(...'123456789');
const sign = fc.constantFrom('', '', '-');

/** Grammar-driven: -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)? with every part varied independently. */
const grammarNumber = fc
  .tuple(
    sign,
    fc.oneof(fc.constant('0'), fc.tuple(nonZeroDigit, digits(0, 22)).map(([a, b]) => a + b)),
    fc.option(
      fc.oneof(digits(1, 25), fc.tuple(fc.integer({ min: 0, max: 12 }), digits(1, 6)).map(([z, d]) => '0'.repeat(z) + d)),
      { nil: undefined },
    ),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.oneof(digits(1, 3), fc.integer({ min: 0, max: 400 }).map(String))), {
      nil: undefined,
    }),
  )
  .map(([s, int, frac, exp]) => `${s}${int}${frac === undefined ? '' : `.${frac}`}${exp === undefined ? '' : exp.join('')}`);

/** Mantissa × 10^e for every exponent from deep underflow (1e-345) to overflow (1e330). */
const scaledNumber = fc
  .tuple(sign, nonZeroDigit, digits(0, 18), fc.integer({ min: -345, max: 330 }), fc.constantFrom('e', 'E'), fc.boolean())
  .map(([s, lead, rest, exp, e, plus]) => `${s}${lead}${rest === '' ? '' : `.${rest}`}${e}${exp < 0 ? '-' : plus ? '+' : ''}${Math.abs(exp)}`);

/** Random doubles (all exponent ranges, subnormals included) written in the ways JavaScript writes them. */
const doubleText = fc
  .tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 21 }))
  .map(([d, form, p]) => {
    switch (form) {
      case 0:
        return String(d);
      case 1:
        return d.toExponential();
      case 2:
        return d.toPrecision(p);
      case 3:
        return d.toExponential(p - 1);
      default:
        return Object.is(d, -0) ? '-0.0' : d.toPrecision(17);
    }
  })
  .map((t) => (t === '-0' || /^-?\d+$/.test(t) ? t : t.replace(/^(-?\d+)e/, '$1.0e'))) // always valid JSON
  .filter((t) => /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(t));

const bigIntText = fc.oneof(
  fc.tuple(sign, nonZeroDigit, digits(0, 99)).map(([s, a, b]) => s + a + b), // up to 100 digits
  fc.bigInt({ min: 2n ** 53n - 64n, max: 2n ** 53n + 64n }).map(String),
  fc.bigInt({ min: -(2n ** 64n) - 8n, max: -(2n ** 63n) + 8n }).map(String),
  fc.bigInt({ min: 2n ** 64n - 8n, max: 2n ** 64n + 8n }).map(String),
);

const numberForms = fc.constantFrom(
  '0', '-0', '0.0', '-0.0', '1.0', '1e5', '1E+2', '1e-5', '0.00001', '0.0001', '0.000123', '1e16', '1e15', '1e+16', '1E16',
  '9999999999999998.0', '123.456e-7', '1.50', '100.000', '0.10', '0e0', '-0e-0', '0E+999', '-0.0e5', '1e308', '1.8e308', '1e400',
  '-1e400', '1e-320', '1e-400', '-1e-400', '5e-324', '4.9e-324', '2.4703282292062327e-324', '2.4703282292062328e-324',
  '1.7976931348623157e308', '1.7976931348623158e308', '1.7976931348623159e308', '2.2250738585072014e-308',
  '2.2250738585072011e-308', '0.1', '0.30000000000000004', '9007199254740993', '9007199254740993.0', '1e22', '1e23', '5e-7',
  '123456789012345.6', '1234567890123456.7', '0.000123456789012345', '1.000000000000000111', '1e0', '1e-0', '1e+0', '1e007',
  `1${'0'.repeat(99)}`, `-${'9'.repeat(100)}`,
);

/**
 * Hard decimal-to-double roundings: the exact decimal expansion of the midpoint between a double and the next
 * one up (ties go to even), nudged a hair above or below, written with hundreds of digits.
 */
const midpointText = fc
  .tuple(fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }), fc.constantFrom('exact', 'above', 'below'), sign)
  .map(([d, nudge, s]) => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, d);
    const bits = view.getBigUint64(0);
    const biased = Number((bits >> 52n) & 0x7ffn);
    const fraction = bits & ((1n << 52n) - 1n);
    const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
    const exponent = (biased === 0 ? 1 : biased) - 1075; // d = mantissa * 2^exponent
    // midpoint = (2 * mantissa + 1) * 2^(exponent - 1)
    const odd = 2n * mantissa + 1n;
    const k = 1 - exponent; // the midpoint has k fractional binary (hence decimal) places when k > 0
    let text = k <= 0 ? (odd << BigInt(-k)).toString() : (odd * 5n ** BigInt(k)).toString().padStart(k + 1, '0');
    if (k > 0) text = `${text.slice(0, -k)}.${text.slice(-k)}`;
    if (nudge === 'above') text = `${text}${k > 0 ? '' : '.'}0000001`;
    if (nudge === 'below') {
      // Subtract one unit in the last place from a decimal that ends in 5 (k > 0) or is an integer.
      text = k > 0 ? `${text.slice(0, -1)}4999999` : `${(BigInt(text) - 1n).toString()}.9999999`;
    }
    return s + text.replace(/^0+(?=\d)/, '');
  });

const numberText = fc.oneof(
  { weight: 1, arbitrary: midpointText },
  { weight: 4, arbitrary: grammarNumber },
  { weight: 4, arbitrary: scaledNumber },
  { weight: 3, arbitrary: doubleText },
  { weight: 2, arbitrary: bigIntText },
  { weight: 2, arbitrary: numberForms },
);

const hexCase = (code: number) =>
  fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }).map(
    (upper) =>
      `\\u${[...code.toString(16).padStart(4, '0')].map((c, k) => (upper[k] ? c.toUpperCase() : c)).join('')}`,
  );
const uEscape = (min: number, max: number) => fc.integer({ min, max }).chain(hexCase);
const SHORT_ESCAPE = new Map([['"', '\\"'], ['\\', '\\\\'], ['/', '\\/'], ['\b', '\\b'], ['\f', '\\f'], ['\n', '\\n'], ['\r', '\\r'], ['\t', '\\t']]);

/** All the ways one code point can be written inside a JSON string. */
function spellings(ch: string): fc.Arbitrary<string> {
  const code = ch.codePointAt(0) as number;
  const options: Array<fc.Arbitrary<string>> = [];
  if (code >= 0x20 && ch !== '"' && ch !== '\\') options.push(fc.constant(ch));
  const short = SHORT_ESCAPE.get(ch);
  if (short !== undefined) options.push(fc.constant(short));
  if (code > 0xffff) {
    options.push(fc.tuple(hexCase(ch.charCodeAt(0)), hexCase(ch.charCodeAt(1))).map(([h, l]) => h + l));
  } else {
    options.push(hexCase(code));
  }
  return fc.oneof(...options);
}

const rawPrintable = (s: string) => s.replace(/[\x00-\x1f"\\]/g, '');

const stringPiece = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 6 }).map(rawPrintable) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }).map(rawPrintable) }, // any code point, astral too
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }).map(rawPrintable) }, // emoji sequences, combining marks
  {
    weight: 2,
    arbitrary: fc.constantFrom('😀', '👩‍💻', '𝄞', '\u{10ffff}', '\u{1f1fa}\u{1f1f8}', 'é', 'e\u0301', '日本語', 'Ωμέγα', '\u00a0', '\ufeff', '\ufffe', '\uffff', '\u007f', '\u0080', '\u2028', '\u2029', '/'),
  },
  { weight: 3, arbitrary: fc.constantFrom('\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t') },
  { weight: 3, arbitrary: uEscape(0x00, 0x1f) }, // control characters, upper and lower hex
  { weight: 1, arbitrary: uEscape(0x7f, 0x9f) },
  { weight: 2, arbitrary: uEscape(0xd800, 0xdfff) }, // lone surrogates
  { weight: 2, arbitrary: uEscape(0x0000, 0xffff) },
  { weight: 2, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).chain((cp) => spellings(String.fromCodePoint(cp))) }, // escaped pairs
  { weight: 1, arbitrary: fc.tuple(uEscape(0xdc00, 0xdfff), uEscape(0xd800, 0xdbff)).map(([l, h]) => l + h) }, // reversed pair
  { weight: 2, arbitrary: fc.constantFrom(0x22, 0x5c, 0x2f, 0x2028, 0x2029, 0x61, 0xe9, 0xfeff).chain(hexCase) },
);

const stringText = fc.array(stringPiece, { maxLength: 8 }).map((pieces) => `"${pieces.join('')}"`);

/** Keys from a tiny alphabet, each character spelled raw or escaped at random: many duplicates, many equal only after unescaping. */
const collidingKey = fc
  .array(fc.constantFrom('a', 'b', 'é', '😀', '\n', '"', '/', '\u2028', '\u0000', '\ud800'), { maxLength: 2 })
  .chain((chars) =>
    chars.length === 0
      ? fc.constant('""')
      : fc.tuple(...chars.map((ch) => (ch === '\ud800' ? hexCase(0xd800) : spellings(ch)))).map((parts) => `"${parts.join('')}"`),
  );

const integerLikeKey = fc.constantFrom('"10"', '"2"', '"01"', '"1"', '"0"', '"-1"', '"1.0"', '"1e1"', '"\\u0031\\u0030"', '"9007199254740993"', '"\uff11"');

const keyText = fc.oneof(
  { weight: 4, arbitrary: collidingKey },
  { weight: 2, arbitrary: integerLikeKey },
  { weight: 2, arbitrary: stringText },
);

const ws = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), minLength: 1, maxLength: 4 }) },
);

const literalText = fc.constantFrom('true', 'false', 'null', 'NaN', 'Infinity', '-Infinity');

const scalarText = fc.oneof(
  { weight: 5, arbitrary: numberText },
  { weight: 4, arbitrary: stringText },
  { weight: 2, arbitrary: literalText },
);

const { value: valueText } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    { weight: 3, arbitrary: scalarText },
    { weight: 1, arbitrary: tie('array') },
    { weight: 2, arbitrary: tie('object') },
  ),
  array: fc
    .tuple(ws, fc.array(fc.tuple(ws, tie('value'), ws), { maxLength: 5 }))
    .map(([inner, items]) => (items.length === 0 ? `[${inner}]` : `[${items.map(([a, v, b]) => a + v + b).join(',')}]`)),
  object: fc
    .tuple(ws, fc.array(fc.tuple(ws, keyText, ws, ws, tie('value'), ws), { maxLength: 6 }))
    .map(([inner, members]) =>
      members.length === 0 ? `{${inner}}` : `{${members.map(([a, k, b, c, v, d]) => `${a}${k}${b}:${c}${v}${d}`).join(',')}}`,
    ),
}));

const documentText = fc.tuple(ws, valueText, ws).map(([a, v, b]) => a + v + b);

/** 50 to 200 levels of arrays and objects (some with a duplicated key per level) around a scalar. */
const deepText = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom('array', 'arrayTail', 'object', 'duplicate', 'escapedDuplicate'), ws, collidingKey), {
      minLength: 50,
      maxLength: 200,
      size: 'max',
    }),
    scalarText,
  )
  .map(([levels, inner]) =>
    levels.reduce((text, [kind, w, key]) => {
      switch (kind) {
        case 'array':
          return `[${w}${text}${w}]`;
        case 'arrayTail':
          return `[${text},${w}${key}]`;
        case 'object':
          return `{${key}:${w}${text}}`;
        case 'duplicate':
          return `{${key}:${text},${w}"x":1,${key}:${w}0}`; // the deep value is replaced by the later 0
        default:
          return `{"a":1,${w}"\\u0061":${text}}`; // a later, escaped spelling of the same key keeps the deep value
      }
    }, inner),
  );

/** Valid documents damaged in one place: most become invalid, some stay valid (both verdicts are compared). */
const MUTATION_CHARS = ['"', ',', ':', '{', '}', '[', ']', '\\', '\u0000', '\u0001', '\u001f', '\u007f', 'x', '-', '+', '.', 'e', 'E', '0', '1', ' ', '\u00a0', '\ufeff', 'u', '\u2028'];
const mutatedText = fc
  .tuple(documentText, fc.nat(), fc.constantFrom('truncate', 'insert', 'delete', 'replace', 'double'), fc.constantFrom(...MUTATION_CHARS))
  .map(([text, where, op, ch]) => {
    const at = where % (text.length + 1);
    switch (op) {
      case 'truncate':
        return text.slice(0, at);
      case 'insert':
        return text.slice(0, at) + ch + text.slice(at);
      case 'delete':
        return text.slice(0, at) + text.slice(at + 1);
      case 'replace':
        return text.slice(0, at) + ch + text.slice(at + 1);
      default:
        return text.slice(0, at) + text.slice(at, at + 1).repeat(2) + text.slice(at + 1);
    }
  });

const sample = <T>(arbitrary: fc.Arbitrary<T>, seed: number, numRuns: number): T[] => fc.sample(arbitrary, { seed, numRuns });

// ---------------------------------------------------------------------------------------------------
// Hand-written cases
// ---------------------------------------------------------------------------------------------------

const VALID_EDGES = [
  // numbers in every spelling
  '{"a":1e5,"b":1E+2,"c":0.00001,"d":1e16,"e":-0,"f":-0.0,"g":1.0,"h":123.456e-7,"i":0.0001,"j":1e15}',
  '[1e-320,5e-324,2.5e-323,1e-310,2.2250738585072014e-308,1.7976931348623157e308,1e308,1e400,-1e400,1e-400,-1e-400]',
  '[2.4703282292062327e-324,2.4703282292062328e-324,1.7976931348623158e308,1.7976931348623159e308]',
  '[9007199254740992,9007199254740993,-9007199254740993,18446744073709551616,-18446744073709551617]',
  `[${'9'.repeat(100)},-${'1'.repeat(100)},${'9'.repeat(100)}.0,${'9'.repeat(100)}e-90]`,
  '[0,-0,0.0,-0.0,0e0,-0e0,0E+5,-0.0E-5,0.000]',
  '[1.10,100.000,0.10,1.0e0,1.00000000000000005,0.1e1,10e-1]',
  // NaN and infinities, also as dict values
  '[NaN,Infinity,-Infinity,{"n":NaN,"i":-Infinity}]',
  // strings
  '"\\u001F\\u001f\\u0000\\u007f\\u0080\\/\\u2028\\u2029\u2028\u2029"',
  '"\\b\\f\\n\\r\\t\\"\\\\\\/"',
  '"\\ud800"', '"\\udfff"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"', '"\\uD83D\\uDE00"', '"\\ud83d\\u0041\\ude00"',
  '"\\ud800\\ud83d\\ude00"', '"\\ud83d😀"', '"😀\\ude00"', '"\\u00e9\\u00E9é"', '"\\uFEFF\ufeff"',
  // duplicate keys: first position, last value; equal only after unescaping; nested
  '{"a":1,"b":2,"a":3}',
  '{"a":1,"\\u0061":2}',
  '{"\\u0061":1,"a":2,"b":3}',
  '{"a":{"x":1,"\\u0078":2},"b":[{"k":1,"k":{"k":3,"\\u006B":4}}],"a":{"y":1,"y":2}}',
  '{"\\"":1,"\\u0022":2}', '{"\\\\":1,"\\u005c":2}', '{"/":1,"\\/":2,"\\u002F":3}',
  '{"\\ud83d\\ude00":1,"😀":2}', '{"\\ud800":1,"\\uD800":2}', '{"\\n":1,"\\u000a":2,"\\u000A":3}',
  '{"a":1,"a":NaN,"a":-Infinity}',
  `{${Array.from({ length: 40 }, (_, k) => `"k${k % 23}":${k}`).join(',')}}`, // more than 16 keys, duplicates late
  // integer-like keys keep their order
  '{"10":1,"2":2,"01":3,"1":4,"a":5,"0":6,"-1":7}',
  // whitespace everywhere
  ' \t\n\r{ \t"a"\r\n:\t[ 1 ,\n2\r] ,"b" : { } , "c":[ ] }\r\n\t ',
  '\n1\n', '\t"x"\t', '\rnull\r',
  // nesting
  `${'['.repeat(200)}1${']'.repeat(200)}`,
  `${'{"a":'.repeat(200)}[]${'}'.repeat(200)}`,
  `${'['.repeat(900)}${']'.repeat(900)}`,
];

const INVALID_EDGES = [
  '', ' ', '\n\t\r ', '-', '--1', '+1', '-x', '-NaN', '+Infinity', 'infinity', 'nan', 'NAN', 'Inf', '-Inf', 'True', 'None', 'undefined',
  '[1,]', '{"a":1,}', '[1,,2]', '[,]', '[,1]', '{,}', '[,', '{,', '[[,]', '{"a":{,}', '[1,]]', '{"a":1,,"b":2}',
  '01', '-01', '00', '[01]', '{"a":01}', '0x10', '1_000', '1.', '-1.', '[1.]', '.5', '-.5', '[.5]', '1e', '1e+', '1E-', '[1e]', '1.e5', '1.5e', '\u0661', '[1\u0661]',
  '"abc', '"abc\\"', '["a', '{"a', '{"a":"b', '"\\', '"\\u', '"\\ud800',
  '"\\x41"', '"\\u12"', '"\\u12G4"', '"\\u12g4"', '"\\u00eg"', '"\\u0G00"', '"\\u-123"', '"\\u 123"', '"\\U0041"', '"\\a"', "\"\\'\"", '"\\0"', '"\\ud800\\u12"', '"\\ud800\\uZZZZ"', '"\\ \\"',
  '[1] x', '1 2', '{} {}', '"a""b"', '[1]]', '[[1]', '{"a":1}}', 'nulll', 'truex', '[1 2]', '{"a":1 "b":2}',
  "['a']", '{a:1}', '{"a" 1}', '{"a":}', '{1:1}', '{null:1}', '{"a"::1}', '[}', '{]', '}', ']',
  '\ufeff[]', '\u00a0[]', '[\u00a01]', '\f1', '[\v1]', '1\u2028', '/* c */1', '1 // c', '[1]\u0000',
  `${'['.repeat(1100)}${']'.repeat(1100)}`, // both refuse (Python: RecursionError)
  // raw control characters inside strings, every one of them
  ...Array.from({ length: 32 }, (_, c) => `"a${String.fromCharCode(c)}b"`),
  ...Array.from({ length: 32 }, (_, c) => `{"k${String.fromCharCode(c)}":1}`),
];

// ---------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------

describe('pythonJsonDumps / compactJsonDumps against python3 json.dumps(json.loads(text))', () => {
  it('the harness sees real Python results and reports differences (so the other tests can fail)', () => {
    const texts = ['1e5', '{"10":1,"2":2}', '"\\ud800é😀"', '[1,]', '{"a":1,"a":2}'];
    const py = runPython(texts);
    expect(py).toEqual([
      { ok: '100000.0', compact: '100000.0', dup: false, utf8: true, negZeroInt: false },
      { ok: '{"10": 1, "2": 2}', compact: '{"10":1,"2":2}', dup: false, utf8: true, negZeroInt: false },
      { ok: '"\ud800é😀"', compact: '"\ud800é😀"', dup: false, utf8: false, negZeroInt: false },
      { error: 'JSONDecodeError' },
      { ok: '{"a": 2}', compact: '{"a":2}', dup: true, utf8: true, negZeroInt: false },
    ]);
    // A naive re-serializer must be caught on every one of these texts.
    const naive = (text: string) => JSON.stringify(JSON.parse(text));
    const report = compare(texts, naive, naive, [naive, naive]);
    expect(report.failures).toBe(texts.length);
    expect(report.message).toContain('100000.0');
    expect(report.message).toContain('\\ud800'); // lone surrogate shown escaped
  });

  it('hand-written valid edge cases', () => {
    const report = expectSameAsPython(VALID_EDGES);
    expect(report.accepted).toBe(VALID_EDGES.length);
  });

  it('hand-written invalid texts: JsonSyntaxError exactly where json.loads raises', () => {
    const report = expectSameAsPython(INVALID_EDGES);
    expect(report.rejected).toBe(INVALID_EDGES.length);
    // Direct check as well, independent of the comparison helper.
    for (const text of INVALID_EDGES) {
      expect(() => pythonJsonDumps(text), show(text)).toThrow(JsonSyntaxError);
      expect(() => compactJsonDumps(text), show(text)).toThrow(JsonSyntaxError);
    }
  });

  it("Python 3.11's int digit limit: more than 4300 digits raises, 4300 does not", () => {
    const d4300 = `1${'0'.repeat(4299)}`;
    const d4301 = `1${'0'.repeat(4300)}`;
    const accepted = [d4300, `-${'9'.repeat(4300)}`, `[${d4300}]`, `${d4301}.0`, `${d4301}e-4300`, `0.${'3'.repeat(5000)}`, `-${d4301}E0`];
    const refused = [d4301, `-${'9'.repeat(4301)}`, `[1,${d4301}]`, `{"a":${d4301}}`, `{"a":1,"a":${d4301}}`, `${'7'.repeat(10000)}`];
    const report = expectSameAsPython([...accepted, ...refused]);
    expect(report.accepted).toBe(accepted.length);
    expect(report.rejected).toBe(refused.length);
    expect(() => pythonJsonDumps(d4301)).toThrow(JsonSyntaxError);
    expect(() => compactJsonDumps(d4301)).toThrow(JsonSyntaxError);
    expect(pythonJsonDumps(d4300)).toBe(d4300);
  });

  it('3,000 generated numbers, alone and in arrays', () => {
    const singles = sample(fc.tuple(ws, numberText, ws).map(([a, n, b]) => a + n + b), 0x5eed01, 2000);
    const arrays = sample(fc.array(numberText, { minLength: 1, maxLength: 8 }).map((ns) => `[${ns.join(', ')}]`), 0x5eed02, 1000);
    const report = expectSameAsPython([...singles, ...arrays]);
    expect(report.accepted).toBe(report.total); // the generator only writes valid numbers
  });

  it('2,000 generated strings and keys', () => {
    const strings = sample(stringText, 0x5eed03, 1200);
    const objects = sample(
      fc.array(fc.tuple(keyText, stringText), { minLength: 1, maxLength: 6 }).map((ms) => `{${ms.map(([k, v]) => `${k}:${v}`).join(',')}}`),
      0x5eed04,
      800,
    );
    const report = expectSameAsPython([...strings, ...objects]);
    expect(report.accepted).toBe(report.total);
    expect(report.withDuplicateKeys).toBeGreaterThan(100);
  });

  it('6,000 generated documents (nesting, whitespace, duplicate keys, every scalar form)', () => {
    const texts = sample(documentText, 0x5eed05, 6000);
    const report = expectSameAsPython(texts);
    expect(report.accepted).toBe(report.total);
    expect(report.withDuplicateKeys).toBeGreaterThan(300);
    expect(texts.filter((t) => /^\s*[[{]/.test(t)).length).toBeGreaterThan(1500);
  });

  it('300 generated deeply nested documents (50 to 200 levels)', () => {
    const report = expectSameAsPython(sample(deepText, 0x5eed06, 300));
    expect(report.accepted).toBe(report.total);
    expect(report.withDuplicateKeys).toBeGreaterThan(100);
  });

  it('texts holding unpaired surrogates raw (not escaped), next to \\u escapes, as values and as keys', () => {
    // A JS string can hold an unpaired surrogate code unit that no UTF-8 body can carry. Python sees it as its
    // own code point, and json.loads joins only an escaped high + escaped low surrogate into one character:
    // "\ud83d" + raw U+DE00 stays two code points, so as a key it is NOT the same key as a raw "😀".
    const hand = [
      '"\ud800"', '"\udc00"', '["\ud83d", "\ude00"]', '"\\ud83d\ude00"', '"\ud83d\\ude00"', '"\ude00\\ud83d"',
      '{"\ud800":1,"\\ud800":2}', '{"\ud800\udc00":1,"\\ud800\\udc00":2}',
      '{"\\ud83d\ude00":1,"😀":2}', '{"\ud83d\\ude00":1,"😀":2}', '{"\\ud83d\ude00":1,"\\ud83d\\ude00":2}',
    ];
    const piece = fc.constantFrom('\ud83d', '\ude00', '\\ud83d', '\\ude00', '\\uD83D', '\\uDE00', '😀', '\\ud83d\\ude00', 'a');
    const key = fc.array(piece, { minLength: 1, maxLength: 3 }).map((ps) => `"${ps.join('')}"`);
    const generated = sample(
      fc.array(fc.tuple(key, fc.nat(9)), { minLength: 1, maxLength: 4 }).map((ms) => `{${ms.map(([k, v]) => `${k}:${v}`).join(',')}}`),
      0x5eed08,
      500,
    );
    const report = expectSameAsPython([...hand, ...generated]);
    expect(report.accepted).toBe(report.total);
  });

  it('signable mode is injective: a lone surrogate, an integer -0 and look-alike keys never share a signed form', () => {
    // Each pair used to give ONE signed form for two different parsed bodies.
    const pairs: Array<[string, string]> = [
      ['{"a":"\\ud800"}', '{"a":"\ufffd"}'], // as UTF-8, a lone surrogate became U+FFFD
      ['{"a":"x\\udfff"}', '{"a":"x\ufffd"}'],
      ['{"a":"\\ud83d\\u0041"}', '{"a":"\ufffdA"}'],
      ['{"a":-0}', '{"a":0}'], // Python prints int -0 as 0; JavaScript parses -0
      ['[1,-0,2]', '[1,0,2]'],
      ['{"\\ud800":1,"b":2}', '{"\ufffd":1,"b":2}'],
    ];
    for (const [odd, plain] of pairs) {
      expect(() => pythonJsonDumps(odd, { signable: true }), show(odd)).toThrow(NotSignableError);
      expect(() => compactJsonDumps(odd, { signable: true }), show(odd)).toThrow(NotSignableError);
      expect(pythonJsonDumps(plain, { signable: true })).toBe(pythonJsonDumps(plain));
    }
    // Key identity is exact: a real key spelling the old internal marker (U+FFFF + hex) is a key of its own.
    const keyCases = [
      '{"\\ud800":1,"\uffffd800":2}', '{"\uffffd800":1,"\\ud800":2}', '{"\ud800":1,"\uffffd800":2}',
      '{"\\udc00d800":1,"\\ud800":2,"\udc00d800":3}', '{"\\ud83d\ude00":1,"\uffffd83d\ude00":2,"😀":3}',
      '{"\\ud800\\ud800":1,"\ud800\\ud800":2,"\\ud800\ud800":3}',
    ];
    // And against Python, with the signable verdicts: -0.0 is a float (fine), -0 is not; U+FFFD is fine.
    const report = expectSameAsPython([
      ...pairs.flat(), ...keyCases,
      '-0', '[-0.0,-0e0,-0E+1,0]', '{"\\uffff":1,"\uffff":2}',
      // a dropped earlier value is not part of the body: Python (and JSON.parse) keep the last one
      '{"a":-0,"a":1}', '{"a":"\\ud800","a":"x"}', '[{"a":[-0],"a":[0]}]',
'{"a":-0.0}', '"\ufffd\\ufffd"', '"\\ud83d\\ude00"', '"😀"', '{"😀":1,"\\ud83d\\ude00":2}',
    ]);
    expect(report.notSignable).toBe(pairs.length + keyCases.length + 1);
    expect(pythonJsonDumps('{"\\ud800":1,"\uffffd800":2}')).toBe('{"\ud800": 1, "\uffffd800": 2}');
  });

  it('3,000 mutated documents: refused exactly where Python refuses, equal where both accept', () => {
    const report = expectSameAsPython(sample(mutatedText, 0x5eed07, 3000));
    expect(report.rejected).toBeGreaterThan(1000);
    expect(report.accepted).toBeGreaterThan(200);
  });
});
