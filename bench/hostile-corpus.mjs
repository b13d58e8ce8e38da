/**
 * The adversarial corpus of issue 11: JSON bodies built to make whatever runs before authentication do
 * more than linear work — duplicate keys everywhere, nesting just under the limit, long runs of `\u`
 * escapes, very long numbers, many keys, many tiny objects, long strings, whitespace runs. Shared by
 * `bench/hostile.mjs` (timings, memory) and `test/hardening/hostile-complexity.test.ts` (verdicts, growth).
 *
 * Each case builds the hostile JSON value as text of about `bytes` bytes; {@link hostileBody} wraps it as
 * field "x" of a vendor's own sample event, so a right signature makes a body every vendor accepts.
 */

/** Repeats `unit` (joined by `sep`) until the text is about `bytes` long in UTF-8. */
function fill(bytes, unit, sep = ',', open = '[', close = ']') {
  const count = Math.max(1, Math.floor((bytes - open.length - close.length) / (Buffer.byteLength(unit) + sep.length)));
  return open + new Array(count).fill(unit).join(sep) + close;
}

/** `depth` levels of `{"a":…}` or `[…]` around `inner`. */
function nest(depth, inner, kind) {
  return kind === 'object' ? '{"a":'.repeat(depth) + inner + '}'.repeat(depth) : '['.repeat(depth) + inner + ']'.repeat(depth);
}

/**
 * Nesting is checked against this many levels of the hostile value: the verifier's limit (128) minus the
 * level of the wrapping event object and one to spare, so the bodies are refused by nothing but their cost.
 */
export const HOSTILE_DEPTH = 126;

/**
 * The cases, each `{ id, title, build(bytes) }`. `build` returns JSON text (valid for JSON.parse) of about
 * `bytes` bytes.
 */
export const hostileCases = [
  {
    id: 'duplicate-keys',
    title: 'array of small objects, each with a duplicated key: [{"a":1,"a":2},…]',
    build: (bytes) => fill(bytes, '{"a":1,"a":2}'),
  },
  {
    id: 'duplicate-keys-wide',
    title: 'one object with every key duplicated: {"k0":0,"k0":1,"k1":0,"k1":1,…}',
    build: (bytes) => {
      const parts = [];
      let size = 2;
      for (let k = 0; size < bytes; k++) {
        const member = `"k${k}":0,"k${k}":1`;
        parts.push(member);
        size += member.length + 1;
      }
      return `{${parts.join(',')}}`;
    },
  },
  {
    id: 'duplicate-keys-escaped',
    title: 'duplicates equal only after unescaping: [{"ab":1,"\\u0061\\u0062":2},…]',
    build: (bytes) => fill(bytes, '{"ab":1,"\\u0061\\u0062":2}'),
  },
  {
    id: 'nested-duplicates',
    title: `${HOSTILE_DEPTH - 1} nested objects, every level with a duplicated key around the whole subtree`,
    build: (bytes) => {
      const depth = HOSTILE_DEPTH - 1;
      let text = fill(Math.max(16, bytes - depth * 22), '{"a":1,"a":2}');
      for (let d = 0; d < depth; d++) text = `{"a":0,"b":${text},"a":1}`;
      return text;
    },
  },
  {
    id: 'deep-arrays',
    title: `many siblings nested ${HOSTILE_DEPTH - 1} arrays deep`,
    build: (bytes) => fill(bytes, nest(HOSTILE_DEPTH - 1, '0', 'array')),
  },
  {
    id: 'deep-objects',
    title: `many siblings nested ${HOSTILE_DEPTH - 1} objects deep, a duplicated key at the bottom`,
    build: (bytes) => fill(bytes, nest(HOSTILE_DEPTH - 1, '{"a":1,"a":2}', 'object')),
  },
  {
    id: 'unicode-escapes',
    title: 'one long string of \\u escapes (accented letters, escaped surrogate pairs, control characters)',
    build: (bytes) => `"${'\\u00e9\\ud83d\\ude00\\u0001\\u2028'.repeat(Math.max(1, Math.floor((bytes - 2) / 30)))}"`,
  },
  {
    id: 'escapes-many-strings',
    title: 'many short strings with escapes: ["\\u00e9\\"\\n",…]',
    build: (bytes) => fill(bytes, '"\\u00e9\\"\\n"'),
  },
  {
    id: 'lone-surrogates',
    title: 'strings of lone surrogate escapes: ["\\ud800\\udfff\\ud800",…] (Python cannot encode them)',
    build: (bytes) => fill(bytes, '"\\ud800\\udfff\\ud800"'),
  },
  {
    id: 'long-float',
    title: 'one float with as many digits as the body holds',
    build: (bytes) => `0.${'1234567890'.repeat(Math.max(1, Math.floor((bytes - 2) / 10)))}`,
  },
  {
    id: 'long-integers',
    title: "integers of 4300 digits (Python's limit), repeated",
    build: (bytes) => fill(bytes, '9'.repeat(4300)),
  },
  {
    id: 'reprinted-floats',
    title: 'floats Python prints differently: [1e5,1.10,0.00001,1E+2,…]',
    build: (bytes) => fill(bytes, '1e5,1.10,0.00001,1E+2,123456789.123456789e-3'),
  },
  {
    id: 'many-keys',
    title: 'one object with many distinct keys',
    build: (bytes) => {
      const parts = [];
      let size = 2;
      for (let k = 0; size < bytes; k++) {
        const member = `"key${k}":${k}`;
        parts.push(member);
        size += member.length + 1;
      }
      return `{${parts.join(',')}}`;
    },
  },
  {
    id: 'tiny-objects',
    title: 'many tiny objects: [{"a":1},{},…]',
    build: (bytes) => fill(bytes, '{"a":1},{}'),
  },
  {
    id: 'tiny-strings',
    title: 'many one-character strings: ["a","a",…] (one backslash at the very end)',
    build: (bytes) => `${fill(bytes - 8, '"a"').slice(0, -1)},"\\n"]`,
  },
  {
    id: 'long-string',
    title: 'one plain string as long as the body',
    build: (bytes) => `"${'x'.repeat(Math.max(1, bytes - 2))}"`,
  },
  {
    id: 'whitespace',
    title: 'whitespace runs between tiny values',
    build: (bytes) => fill(bytes, `1${' \t\n\r'.repeat(64)}`),
  },
  {
    id: 'non-ascii',
    title: 'multi-byte UTF-8 text (2-, 3- and 4-byte characters) in many strings',
    build: (bytes) => fill(bytes, '"é日😀"'),
  },
];

/** The vendor's first sample event, as compact JSON text with the hostile value spliced in as field "x". */
export function hostileBody(core, vendor, hostileText) {
  const profile = core.getVendor(vendor);
  const sample = profile.samples[Object.keys(profile.samples)[0]];
  const text = JSON.stringify(sample);
  return `${text.slice(0, -1)},"x":${hostileText}}`;
}

/** A secret the vendor's scheme can use (Standard Webhooks wants base64 after `whsec_`). */
export function secretFor(vendor, wrong = false) {
  if (vendor === 'standard-webhooks') return `whsec_${Buffer.from((wrong ? 'w' : 'k').repeat(24)).toString('base64')}`;
  return `${wrong ? 'wrong' : 'right'}-secret-${vendor}`;
}

/**
 * The request a sender would make: the body bytes and headers, signed with the right or a wrong secret.
 * InHand's is its worst case: the body arrives compact while Python's json.dumps form was signed, so the
 * verifier has to re-serialize before any MAC can match.
 */
export function hostileRequest(core, vendor, bodyText, right) {
  const signed = core.sign({ vendor, body: bodyText, secret: secretFor(vendor, !right) });
  const rawBody = vendor === 'inhand-dm' || vendor === 'incloud-manager' ? Buffer.from(bodyText, 'utf8') : signed.body;
  return { rawBody, headers: signed.headers, secrets: secretFor(vendor) };
}
