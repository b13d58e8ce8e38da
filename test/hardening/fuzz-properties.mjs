/**
 * Fuzz properties of the hardening suite, shared by the CI-sized run (test/hardening/fuzz.test.ts, against
 * the core's sources) and the long run (scripts/fuzz-long.mjs, against the built core in shared/dist).
 * Plain JavaScript so that plain Node can load it; the core is passed in, fast-check is imported.
 *
 * What test/core/properties.test.ts, placeholders.test.ts and python-json.diff.test.ts already cover is
 * not repeated here (sign → verify round trips, tampered bytes and signature characters, arbitrary
 * header dictionaries, fixed-template placeholder properties, the differential test against python3).
 * Added here:
 *   - verify over header LISTS with duplicates and plausible-looking signatures (hex, base64, v1,…,
 *     sha256=…, timestamps near now) for every endpoint of the bad-input matrix: never ok without a
 *     correct signature, always a 4xx with a message;
 *   - a valid request keeps verifying under unrelated extra headers and any header-name case, and is
 *     refused once its signature header is duplicated or its body cut at any point;
 *   - arbitrary JSON values and deep nestings, signed correctly over their bytes: only an object passes,
 *     a non-object is 422, nothing throws;
 *   - deliver() with generated URL and header templates and arbitrary placeholder values: the request
 *     leaves for the template's origin, with its path segments and query keys, no fragment, and no CR, LF
 *     or NUL in any header; fillPlaceholders alone likewise for many more templates;
 *   - pythonJsonDumps / compactJsonDumps against JSON.parse (no Python needed, so the long run can use
 *     it): on valid and mutated JSON text they accept what JSON.parse accepts (and NaN/Infinity, as
 *     Python does), keep the value, and are idempotent.
 *
 * @typedef {{ name: string, what: string, ciRuns: number, async: boolean, property: import('fast-check').IProperty<unknown> | import('fast-check').IAsyncProperty<unknown> }} FuzzProperty
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';

/** The endpoints of the bad-input matrix (mirrors ENDPOINTS in bad-inputs.ts; fuzz.test.ts checks they agree). */
export const FUZZ_ENDPOINTS = {
  'inhand-dm': { vendor: 'inhand-dm', scheme: {}, secret: 'fuzz-inhand-secret' },
  edgesense: { vendor: 'edgesense', scheme: {}, secret: 'fuzz-edgesense-secret' },
  '1nce': { vendor: '1nce', scheme: {}, secret: 'fuzz-1nce-api-key-\u2691' },
  scalefusion: { vendor: 'scalefusion', scheme: {}, secret: 'fuzz-scalefusion-secret' },
  'standard-webhooks': { vendor: 'standard-webhooks', scheme: {}, secret: `whsec_${Buffer.from('fuzz-standard-webhooks-key-0123').toString('base64')}` },
  'generic-prefixed': { vendor: 'generic-hmac', scheme: { header: 'X-Hub-Signature-256', prefix: 'sha256=', algorithm: 'sha256', encoding: 'hex' }, secret: 'fuzz-generic-prefixed' },
  'generic-timestamped': {
    vendor: 'generic-hmac',
    scheme: { header: 'X-Signature', algorithm: 'sha512', encoding: 'base64', signedContent: 'timestamp.body', timestampHeader: 'X-Timestamp' },
    secret: 'fuzz-generic-timestamped',
  },
};
const ENDPOINT_IDS = Object.keys(FUZZ_ENDPOINTS);

/** The signature headers of each endpoint, lower case (what a duplicate or a cut must break). */
const SIGNATURE_HEADER = {
  'inhand-dm': 'x-signature',
  edgesense: 'x-edgesense-signature',
  '1nce': 'x-api-key',
  scalefusion: 'x-sf-signature',
  'standard-webhooks': 'webhook-signature',
  'generic-prefixed': 'x-hub-signature-256',
  'generic-timestamped': 'x-signature',
};

const RELEVANT_HEADERS = [
  'content-type', 'content-length', 'x-signature', 'X-Signature', 'x-sf-signature', 'x-edgesense-signature', 'x-api-key', 'X-API-KEY',
  'webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-hub-signature-256', 'x-timestamp', 'X-Timestamp', 'host', 'transfer-encoding',
];

/** Header list → Node's shape with duplicates kept apart (what verify is given). */
function headerRecord(list) {
  const record = Object.create(null); // a header may be called "constructor" or "__proto__"
  for (const [name, value] of list) (record[name.toLowerCase()] ??= []).push(value);
  return record;
}

/** Signature headers over exactly `body` (bytes), as every verifier accepts. */
function rawSign(core, endpoint, body, nowMs) {
  const { secret } = FUZZ_ENDPOINTS[endpoint];
  const mac = (algorithm, key, ...parts) => parts.reduce((h, p) => h.update(p), createHmac(algorithm, key)).digest();
  const ts = String(Math.floor(nowMs / 1000));
  switch (endpoint) {
    case 'inhand-dm': return [['X-Signature', mac('sha256', secret, body).toString('base64')]];
    case 'edgesense': return [['X-EdgeSense-Signature', mac('sha256', secret, body).toString('hex')]];
    case 'scalefusion': return [['X-SF-Signature', mac('sha256', secret, body).toString('hex')]];
    case '1nce': return [['x-api-key', secret]];
    case 'standard-webhooks': {
      const id = `msg_fuzz${nowMs}`;
      return [['webhook-id', id], ['webhook-timestamp', ts], ['webhook-signature', `v1,${mac('sha256', core.standardWebhooksKey(secret), `${id}.${ts}.`, body).toString('base64')}`]];
    }
    case 'generic-prefixed': return [['X-Hub-Signature-256', `sha256=${mac('sha256', secret, body).toString('hex')}`]];
    case 'generic-timestamped': return [['X-Timestamp', ts], ['X-Signature', mac('sha512', secret, `${ts}.`, body).toString('base64')]];
    default: throw new Error(endpoint);
  }
}

const hexString = (bytes) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const base64String = (bytes) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('base64'));

/** A deeply nested JSON text (arrays or objects), possibly unclosed or with a value inside. */
const deepNesting = fc
  .record({ depth: fc.integer({ min: 1, max: 5000 }), kind: fc.constantFrom('array', 'object'), closed: fc.boolean() })
  .map(({ depth, kind, closed }) => {
    const open = kind === 'array' ? '[' : '{"a":';
    const close = kind === 'array' ? ']' : '}';
    return `${open.repeat(depth)}${kind === 'array' ? '' : '1'}${closed ? close.repeat(depth) : ''}`;
  });

/** JSON text mutated by a few character edits (insert, delete, replace, truncate, duplicate a slice). */
const JSON_CHARS = '{}[]",:0123456789.eE+-tfnulraINy \\u\t\n\r\u00e9\ud800\u0000';
const mutatedJson = fc
  .tuple(fc.json({ maxDepth: 4 }), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 4 }))
  .map(([text, edits]) => {
    let t = text;
    for (const [at, pick, op] of edits) {
      const i = t.length === 0 ? 0 : at % (t.length + 1);
      const ch = JSON_CHARS[pick % JSON_CHARS.length];
      if (op === 0) t = t.slice(0, i) + ch + t.slice(i);
      else if (op === 1) t = t.slice(0, i) + t.slice(i + 1);
      else if (op === 2) t = t.slice(0, i) + ch + t.slice(i + 1);
      else if (op === 3) t = t.slice(0, i);
      else t = t.slice(0, i) + t.slice(i, i + 1 + (pick % 8)) + t.slice(i);
    }
    return t;
  });

/** JSON values equal, with -0 ≡ 0 (Python prints the integer -0 as 0) and key order ignored. */
function sameJson(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]));
}

function hasNonFinite(value) {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(hasNonFinite);
}

function depthOf(text) {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** A refusal as the matrix wants it: not ok, a 4xx, a message. */
function assertRefusal(result, context) {
  assert(result && result.ok === false, `${context}: accepted (${result && result.ok ? result.event.type : 'no result'})`);
  assert(result.status >= 400 && result.status < 500, `${context}: status ${result.status}`);
  assert(typeof result.message === 'string' && result.message.trim().length > 0, `${context}: no message`);
}

/**
 * The properties, for a given core (`require('@devicehook/core')` or its sources).
 * @param {any} core
 * @param {{ now?: number }} [options]
 * @returns {FuzzProperty[]}
 */
export function fuzzProperties(core, options = {}) {
  const NOW = options.now ?? Date.now();
  const verifyAt = (endpoint, rawBody, headers, extra = {}) => {
    const e = FUZZ_ENDPOINTS[endpoint];
    return core.verify({ vendor: e.vendor, rawBody, headers, secrets: e.secret, options: { scheme: e.scheme, now: NOW, ...extra } });
  };
  const validRequest = fc.record({ endpoint: fc.constantFrom(...ENDPOINT_IDS), extras: fc.dictionary(fc.string().map((k) => `x_${k}`), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) }).map(({ endpoint, extras }) => {
    const e = FUZZ_ENDPOINTS[endpoint];
    const profile = core.vendors[e.vendor];
    const sample = Object.values(profile.samples)[0];
    const signed = core.sign({ vendor: e.vendor, body: { ...sample, ...extras }, secret: e.secret, options: { ...e.scheme, now: NOW } });
    return { endpoint, body: signed.body, headers: Object.entries(signed.headers) };
  });

  const headerValue = (endpoint) =>
    fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 80 }),
      hexString(32),
      hexString(64),
      base64String(32),
      base64String(64),
      base64String(32).map((b) => `v1,${b}`),
      fc.array(base64String(32).map((b) => `v1,${b}`), { minLength: 2, maxLength: 3 }).map((a) => a.join(' ')),
      hexString(32).map((h) => `sha256=${h}`),
      fc.integer({ min: -600, max: 600 }).map((d) => String(Math.floor(NOW / 1000) + d)),
      fc.constant(`msg_${endpoint}`),
      fc.constant(FUZZ_ENDPOINTS[endpoint].secret.slice(0, -1)),
    );

  return [
    {
      name: 'verify: arbitrary bytes and header lists are never accepted without a correct signature',
      what: 'every endpoint; bodies: bytes, JSON, text, deep nestings; headers: lists with duplicates, relevant names in any case, plausible signatures and timestamps',
      ciRuns: 8000,
      async: false,
      property: fc.property(
        // One arbitrary per endpoint, built once (chain() would build them anew for every run).
        fc.oneof(
          ...ENDPOINT_IDS.map((endpoint) =>
            fc.record({
              endpoint: fc.constant(endpoint),
              body: fc.oneof(fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)), fc.json().map((t) => Buffer.from(t)), fc.string().map((t) => Buffer.from(t)), deepNesting.map((t) => Buffer.from(t))),
              headers: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...RELEVANT_HEADERS), fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/)), headerValue(endpoint)), { maxLength: 8 }),
              allowUnsigned: fc.boolean(),
            }),
          ),
        ),
        ({ endpoint, body, headers, allowUnsigned }) => {
          const record = headerRecord(headers);
          let result;
          try {
            result = verifyAt(endpoint, body, record, { allowUnsigned });
          } catch (error) {
            throw new Error(`verify threw: ${error && error.message}`);
          }
          if (!result.ok) return assertRefusal(result, endpoint);
          // Only allowUnsigned lets a request through, and only one that carries no signature at all: a
          // signature that is present is always checked.
          assert(allowUnsigned && result.authentication === 'unsigned_allowed', `${endpoint}: accepted (${result.authentication}) without a correct signature`);
          assert(record[SIGNATURE_HEADER[endpoint]] === undefined, `${endpoint}: accepted unsigned although ${SIGNATURE_HEADER[endpoint]} was sent`);
        },
      ),
    },
    {
      name: 'verify: a valid request survives unrelated headers and any name case; a duplicated signature header or a cut body is refused',
      what: 'sign() for every endpoint, then noise headers, names re-cased, the signature header sent twice, or the body cut at a random point',
      ciRuns: 5000,
      async: false,
      property: fc.property(
        validRequest,
        fc.array(fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,16}$/).map((n) => `x-noise-${n}`), fc.string().filter((v) => !/[\r\n\0]/.test(v))), { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.nat(),
        ({ endpoint, body, headers }, noise, upper, cut) => {
          const recased = headers.map(([n, v], i) => [upper[i % upper.length] ? n.toUpperCase() : n.toLowerCase(), v]);
          const valid = verifyAt(endpoint, body, headerRecord([...noise, ...recased]));
          assert(valid.ok, `${endpoint}: valid request refused under noise: ${valid.ok || valid.message}`);

          if (endpoint !== 'standard-webhooks') {
            // Standard Webhooks allows several signatures by design; every other scheme wants exactly one.
            const name = SIGNATURE_HEADER[endpoint];
            const twice = [...headers, ...headers.filter(([n]) => n.toLowerCase() === name)];
            assertRefusal(verifyAt(endpoint, body, headerRecord(twice)), `${endpoint} duplicate ${name}`);
          }
          const at = cut % body.length;
          assertRefusal(verifyAt(endpoint, body.subarray(0, at), headerRecord(headers)), `${endpoint} cut at ${at}/${body.length}`);
        },
      ),
    },
    {
      name: 'verify: signed JSON of any shape passes only as an object with a type; non-objects are 422; nothing throws',
      what: 'JSON values (depth ≤ 4), deep nestings up to 5000 levels and scalars, signed over their exact bytes for every endpoint',
      ciRuns: 5000,
      async: false,
      property: fc.property(
        fc.constantFrom(...ENDPOINT_IDS),
        fc.oneof(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), deepNesting, fc.constantFrom('null', 'true', '0', '""', '[]', '{}')),
        (endpoint, text) => {
          const body = Buffer.from(text);
          let parsed;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          const result = verifyAt(endpoint, body, headerRecord(rawSign(core, endpoint, body, NOW)));
          if (result.ok) {
            assert(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), `${endpoint}: accepted a non-object ${text.slice(0, 40)}`);
            return;
          }
          assertRefusal(result, endpoint);
          if (parsed !== undefined && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) {
            // A non-object nested past MAX_NESTING is refused for its depth (400) before anything parses it, and one the
            // InHand form could not re-serialize is refused as invalid JSON first; any other non-object is 422.
            assert(
              result.status === 422 || result.code === 'invalid_json' || result.code === 'too_deeply_nested',
              `${endpoint}: a non-object got ${result.status} ${result.code}`,
            );
          }
        },
      ),
    },
    {
      name: 'deliver(): generated templates and arbitrary placeholder values never leave the origin, path shape or header hygiene',
      what: 'URL templates (path segments and query values as placeholders or literals) and header templates, values of any code units; a capturing transport',
      ciRuns: 4000,
      async: true,
      property: fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom(':iccid:', ':imsi:', ':ip:'), fc.stringMatching(/^[a-z0-9_-]{1,8}$/)), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.constantFrom(':iccid:', ':imsi:', ':ip:', 'x')), { maxLength: 3 }),
        fc.dictionary(fc.stringMatching(/^X-[A-Za-z]{1,8}$/), fc.array(fc.oneof(fc.constantFrom(':iccid:', ':imsi:', ':ip:'), fc.string().filter((s) => !/[\r\n\0]/.test(s))), { maxLength: 3 }).map((p) => p.join('')), { maxKeys: 3 }),
        fc.record({ iccid: fc.string({ unit: 'binary' }), imsi: fc.oneof(fc.string(), fc.constantFrom('..', '.', '../..', '@evil.example', '#x', '\r\nHost: evil')), ip: fc.string({ unit: 'grapheme' }) }),
        async (segments, query, headerTemplates, values) => {
          const queryKeys = [...new Set(query.map(([k]) => k))];
          const template = `https://hooks.example/${segments.join('/')}${queryKeys.length ? `?${queryKeys.map((k) => `${k}=${query.find(([q]) => q === k)[1]}`).join('&')}` : ''}`;
          const sent = [];
          const transport = async (request) => (sent.push(request), { statusCode: 200, headers: {}, body: Buffer.alloc(0) });
          const result = await core.deliver(
            { config: { url: template, vendor: '1nce', secrets: 'k', headers: headerTemplates, retryPolicy: 'none' }, body: { type: 'LOCATION' }, placeholders: values },
            { transport, sleep: async () => {} },
          );
          assert(result.delivered && sent.length === 1, 'not delivered once');
          const url = new URL(sent[0].url);
          assert(url.origin === 'https://hooks.example', `origin moved: ${sent[0].url}`);
          assert(url.hash === '', `fragment: ${sent[0].url}`);
          assert(url.pathname.split('/').length === segments.length + 1, `path shape changed: ${url.pathname}`);
          assert(JSON.stringify([...url.searchParams.keys()]) === JSON.stringify(queryKeys), `query keys changed: ${url.search}`);
          for (const [name, value] of Object.entries(sent[0].headers)) assert(!/[\r\n\0]/.test(String(value)), `header ${name} carries CR/LF/NUL`);
          const allowed = new Set([...Object.keys(headerTemplates), 'Content-Type', 'x-api-key', 'X-Request-ID'].map((n) => n.toLowerCase()));
          for (const name of Object.keys(sent[0].headers)) assert(allowed.has(name.toLowerCase()), `unexpected header ${name}`);
        },
      ),
    },
    {
      name: 'fillPlaceholders: URL templates keep their origin, segments, query keys and fragment; header output has no CR/LF/NUL',
      what: 'templates from origins, segments, query parameters and fragments with placeholders anywhere but the authority; values of any code units',
      ciRuns: 20000,
      async: false,
      property: fc.property(
        fc.constantFrom('https://a.example', 'http://10.0.0.1:8080', 'https://[2001:db8::1]', 'http://user:pw@b.example:81'),
        fc.array(fc.oneof(fc.constantFrom(':iccid:', ':imsi:', ':ip:', 'x:iccid:y', ':ip::ip:'), fc.stringMatching(/^[a-z0-9._~-]{1,8}$/).filter((s) => s !== '.' && s !== '..')), { maxLength: 4 }),
        fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,4}$/), fc.constantFrom(':iccid:', ':imsi:', ':ip:', 'v')), { maxLength: 3 }),
        fc.option(fc.constantFrom('#top', '#:iccid:'), { nil: undefined }),
        fc.record({ iccid: fc.string({ unit: 'binary' }), imsi: fc.string({ unit: 'binary' }), ip: fc.oneof(fc.string(), fc.constantFrom('.', '..', '%2e%2e', '\\..\\', '@h.example', '?a=b#c', '\r\n\0')) }),
        (origin, segments, query, fragment, values) => {
          const keys = [...new Set(query.map(([k]) => k))];
          const template = `${origin}/${segments.join('/')}${keys.length ? `?${keys.map((k) => `${k}=${query.find(([q]) => q === k)[1]}`).join('&')}` : ''}${fragment ?? ''}`;
          const filled = new URL(core.fillPlaceholders(template, values, { target: 'url' }));
          const reference = new URL(template);
          assert(filled.origin === reference.origin && filled.username === reference.username, `origin moved: ${filled.href}`);
          assert(filled.pathname.split('/').length === reference.pathname.split('/').length, `path shape changed: ${filled.pathname}`);
          assert(JSON.stringify([...filled.searchParams.keys()]) === JSON.stringify([...reference.searchParams.keys()]), `query keys changed: ${filled.search}`);
          assert((filled.hash === '') === (reference.hash === ''), `fragment changed: ${filled.hash}`);
          const header = core.fillPlaceholders(`${segments.join(' ')}:iccid:`, values, { target: 'header' });
          assert(!/[\r\n\0]/.test(header), 'header output carries CR/LF/NUL');
        },
      ),
    },
    {
      name: 'pythonJsonDumps / compactJsonDumps vs JSON.parse: same acceptance, same value, idempotent',
      what: 'valid JSON text (fc.json) and JSON text mutated by 1–4 character edits; no Python needed',
      ciRuns: 30000,
      async: false,
      property: fc.property(fc.oneof(fc.json({ maxDepth: 5 }), mutatedJson), (text) => {
        let value;
        let parsedOk = true;
        try {
          value = JSON.parse(text);
        } catch {
          parsedOk = false;
        }
        let python;
        try {
          python = core.pythonJsonDumps(text);
        } catch (error) {
          assert(error instanceof core.JsonSyntaxError, `threw ${error && error.name}: ${error && error.message}`);
          // Refused where JSON.parse accepts: only past Python's limits (depth, integer digits).
          if (parsedOk) assert(depthOf(text) > 1000 || /more than 4300 digits/.test(error.message), `refused what JSON.parse accepts: ${error.message} ${JSON.stringify(text.slice(0, 60))}`);
          let compactThrew = false;
          try {
            core.compactJsonDumps(text);
          } catch {
            compactThrew = true;
          }
          assert(compactThrew, 'compactJsonDumps accepted what pythonJsonDumps refused');
          return;
        }
        let reparsed;
        let reparsedOk = true;
        try {
          reparsed = JSON.parse(python);
        } catch {
          reparsedOk = false;
        }
        // Accepted where JSON.parse refuses: only NaN / Infinity, which Python accepts and prints back.
        if (!parsedOk) assert(!reparsedOk && /NaN|Infinity/.test(python), `accepted what JSON.parse refuses: ${JSON.stringify(text.slice(0, 60))} → ${JSON.stringify(python.slice(0, 60))}`);
        else if (!hasNonFinite(value)) assert(reparsedOk && sameJson(value, reparsed), `value changed: ${JSON.stringify(text.slice(0, 60))} → ${JSON.stringify(python.slice(0, 60))}`);
        assert(core.pythonJsonDumps(python) === python, 'pythonJsonDumps is not idempotent');
        assert(core.compactJsonDumps(python) === core.compactJsonDumps(text), 'compactJsonDumps differs between a text and its Python form');
      }),
    },
  ];
}
