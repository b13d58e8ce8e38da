#!/usr/bin/env node
/**
 * Core benchmarks (`npm run bench` = build, then this file). Each subject is measured against a baseline
 * measured in the same run: a warm-up, then ROUNDS rounds of about ROUND_MS per function, baseline and
 * subject alternating (and swapping which goes first every round, to cancel drift), medians compared.
 *
 * These are reports, not tests: the exit code is 0 when a goal is missed. It is non-zero only when the
 * benchmark itself is broken — every subject and baseline call is asserted to succeed before timing (and
 * counted during timing), so a verify that fails fast cannot look fast.
 *
 * Prints one line per comparison and a summary line; writes bench/results/core.json.
 * Env knobs (optional): BENCH_ROUND_MS (1000), BENCH_ROUNDS (5).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { deepStrictEqual, ok as assert, strictEqual } from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const rssStart = process.memoryUsage().rss;
const startedAt = performance.now();

const core = require('../shared'); // @devicehook/core, built to shared/dist/index.js (CommonJS)
const { Webhook } = require('standardwebhooks'); // CommonJS ("type": "commonjs", main dist/index.js)
const standardWebhooksVersion = require('standardwebhooks/package.json').version;

const positiveInt = (name, fallback) => {
  const n = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};
const ROUND_MS = positiveInt('BENCH_ROUND_MS', 1000);
const ROUNDS = positiveInt('BENCH_ROUNDS', 5);
const WARMUP_MS = 300;
const BATCH_MS = 5; // calls between clock reads are batched to about this long

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const fmtOps = (ops) => Math.round(ops).toLocaleString('en-US');
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// ---------------------------------------------------------------------------------------------------
// Harness

/**
 * A timing loop of its own for each benchmarked function. Compiled separately (new Function), so V8 keeps
 * separate type feedback per function and one call site does not go megamorphic across all benchmarks.
 * Every call must return `true`; other results are counted as failures.
 */
function makeRunner(fn) {
  const loop = new Function('fn', 'n', 'let failures = 0; for (let i = 0; i < n; i++) if (fn() !== true) failures++; return failures;');
  let failures = 0;
  return {
    /** Runs `n` calls; returns elapsed nanoseconds. */
    run(n) {
      const t0 = process.hrtime.bigint();
      failures += loop(fn, n);
      return Number(process.hrtime.bigint() - t0);
    },
    get failures() {
      return failures;
    },
  };
}

/** Calls per clock read, so a batch lasts about BATCH_MS. */
function calibrate(runner) {
  let n = 1;
  for (;;) {
    const ns = runner.run(n);
    if (ns >= 1e6 || n >= 1 << 20) return Math.max(1, Math.round((n * BATCH_MS * 1e6) / Math.max(ns, 1)));
    n *= 2;
  }
}

/** Runs batches for about `ms`; returns ops/s. */
function timed(runner, batch, ms) {
  const budget = ms * 1e6;
  let ns = 0;
  let calls = 0;
  while (ns < budget) {
    ns += runner.run(batch);
    calls += batch;
  }
  return (calls * 1e9) / ns;
}

/** Warms both up, then alternates them for ROUNDS rounds; returns median ops/s and the rounds. */
function compare(baselineFn, subjectFn) {
  const baseline = makeRunner(baselineFn);
  const subject = makeRunner(subjectFn);
  timed(baseline, calibrate(baseline), WARMUP_MS);
  timed(subject, calibrate(subject), WARMUP_MS);
  const bBatch = calibrate(baseline);
  const sBatch = calibrate(subject);
  const b = [];
  const s = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      b.push(timed(baseline, bBatch, ROUND_MS));
      s.push(timed(subject, sBatch, ROUND_MS));
    } else {
      s.push(timed(subject, sBatch, ROUND_MS));
      b.push(timed(baseline, bBatch, ROUND_MS));
    }
  }
  if (baseline.failures || subject.failures) {
    throw new Error(`calls failed during timing: baseline ${baseline.failures}, subject ${subject.failures}`);
  }
  return { baseline: median(b), subject: median(s), baselineRounds: b, subjectRounds: s };
}

/** Throws unless `fn()` returns true: run before timing anything. */
function mustSucceed(label, fn) {
  const result = fn();
  if (result !== true) throw new Error(`${label} did not succeed before timing (returned ${JSON.stringify(result)})`);
}

const results = [];

/**
 * One report line. `kind: 'throughput'` compares ops/s (subject / baseline ≥ goal);
 * `kind: 'time'` compares time per call (subject time / baseline time ≤ goal).
 */
function report({ id, title, baselineName, subjectName, kind, goal, informational = false }, m) {
  const opsRatio = m.subject / m.baseline; // > 1: subject is faster
  const timeRatio = m.baseline / m.subject; // > 1: subject is slower
  const ratio = kind === 'throughput' ? opsRatio : timeRatio;
  const pass = kind === 'throughput' ? ratio >= goal : ratio <= goal;
  const goalText = kind === 'throughput' ? `goal ops ratio ≥ ${goal}` : `goal time ratio ≤ ${goal}`;
  const ratioText = kind === 'throughput' ? `ops ratio ${ratio.toFixed(2)}×` : `time ratio ${ratio.toFixed(2)}×`;
  const verdict = informational ? 'INFO' : pass ? 'PASS' : 'MISS';
  console.log(
    `${verdict.padEnd(4)} ${title}: ${subjectName} ${fmtOps(m.subject)} ops/s (${(1e6 / m.subject).toFixed(2)} µs) | ` +
      `${baselineName} ${fmtOps(m.baseline)} ops/s (${(1e6 / m.baseline).toFixed(2)} µs) | ${ratioText} | ${goalText}` +
      (informational ? ' (informational)' : ''),
  );
  results.push({
    id,
    title,
    subject: subjectName,
    baseline: baselineName,
    subjectOpsPerSec: m.subject,
    baselineOpsPerSec: m.baseline,
    subjectRoundsOpsPerSec: m.subjectRounds,
    baselineRoundsOpsPerSec: m.baselineRounds,
    kind,
    ratio,
    opsRatio,
    timeRatio,
    goal,
    pass,
    informational,
  });
}

// ---------------------------------------------------------------------------------------------------
// Bodies: realistic alerts of about 1 KB (UTF-8 bytes), padded through one free-text field.

const TARGET_BYTES = 1050;
const byteLength = (value) => Buffer.byteLength(JSON.stringify(value));

/** Sets `holder[key]` (ASCII `text` repeated and cut) so the compact JSON of `root` is TARGET_BYTES long. */
function padTo(root, holder, key, text) {
  holder[key] = '';
  const room = TARGET_BYTES - byteLength(root);
  if (room < 0) throw new Error(`body already ${byteLength(root)} bytes before padding`);
  holder[key] = text.repeat(Math.ceil(room / text.length) + 1).slice(0, room).trimEnd();
  while (byteLength(root) < TARGET_BYTES) holder[key] += '.';
  return root;
}

const CONTENT =
  'Your gateway device on the Device Manager platform (gateway name: RF3151342000003, serial number: RF3151342000003) ' +
  'has used 93.66 MB of traffic for SIM2 between 2025-03-21 04:52:36 UTC and 2025-03-21 05:52:36 UTC, above the 80 MB ' +
  'hourly threshold of rule "hourly traffic". Check the applications on the LAN side and the SIM plan. ';

/** An InHand DM alert: the vendor's fields, a long content, numbers, a nested object and a non-ASCII name. */
function inhandAlert() {
  const body = {
    ...structuredClone(core.vendors['inhand-dm'].samples['hourly_traffic_excess']),
    deviceName: 'Straßenbahn-Depot Zürich – Gateway Nº 3 (東京)',
    siteName: 'Dépôt Nord',
    trafficBytes: 98213312,
    thresholdBytes: 83886080,
    usageRatio: 1.1708,
    rssi: -71.5,
    sim: { slot: 2, iccid: '89882280000012345678', operator: 'Telefónica', roaming: false },
    tags: ['tram', 'depot', 'lte'],
  };
  return padTo(body, body, 'content', CONTENT);
}

/** A Scalefusion device event with two devices, numbers and a non-ASCII name. */
function scalefusionEvent() {
  const body = {
    ...structuredClone(core.vendors['scalefusion'].samples['device.locked']),
    data: {
      devices: [
        { id: 4711, name: 'Kassen-Tablet Café Müller № 2', serial_no: 'R58N12ABCDE', model: 'Galaxy Tab Active3', make: 'Samsung', os_version: '13', battery: 0.62, latitude: 47.376887, longitude: 8.541694 },
        { id: 4712, name: 'Lager-Scanner 東京', serial_no: 'C39XK2LMN0P', model: 'TC52', make: 'Zebra', os_version: '11', battery: 0.91, latitude: 47.377, longitude: 8.5419 },
      ],
      reason: '',
      locked_by: { id: 17, name: 'Renée Ødegård', email: 'renee@example.com' },
      profile: { id: 302, name: 'Kiosk – POS' },
    },
  };
  return padTo(body, body.data, 'reason', 'Locked by the administrator from the dashboard after the device left its geofence Store 12. ');
}

// ---------------------------------------------------------------------------------------------------
// 1. verify (Scalefusion, hex HMAC-SHA256 over the raw bytes) vs F = createHmac + timingSafeEqual + toString('utf8') +
//    JSON.parse (issue 15's yardstick: the least any receiver does); verifySignature alone vs the bare HMAC.

console.log(`node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), ${ROUNDS} rounds × ${ROUND_MS} ms per function, medians`);
console.log(`rss at start: ${mb(rssStart)}`);
{
  const secret = 'sf-bench-secret-7f3a9c';
  const body = scalefusionEvent();
  const rawBody = Buffer.from(JSON.stringify(body));
  const signatureHex = createHmac('sha256', secret).update(rawBody).digest('hex');
  const headers = { 'content-type': 'application/json', 'user-agent': 'Scalefusion-Webhook/1.0', 'x-sf-signature': signatureHex };

  const subject = () => core.verify({ vendor: 'scalefusion', rawBody, headers, secrets: secret }).ok;
  const baseline = () => timingSafeEqual(createHmac('sha256', secret).update(rawBody).digest(), Buffer.from(headers['x-sf-signature'], 'hex'));
  const full = () => baseline() && JSON.parse(rawBody.toString('utf8')) !== null;

  const checked = core.verify({ vendor: 'scalefusion', rawBody, headers, secrets: secret });
  if (!checked.ok) throw new Error(`scalefusion verify failed before timing: ${checked.code}: ${checked.message}`);
  strictEqual(checked.event.type, 'device.locked');
  strictEqual(checked.authentication, 'verified');
  mustSucceed('scalefusion verify', subject);
  mustSucceed('raw HMAC baseline', baseline);
  mustSucceed('F baseline', full);
  // A wrong signature must be refused, so `ok` means something.
  strictEqual(core.verify({ vendor: 'scalefusion', rawBody, headers: { ...headers, 'x-sf-signature': 'ab'.repeat(32) }, secrets: secret }).ok, false);

  console.log(`\n1. Scalefusion body: ${rawBody.length} bytes`);
  report(
    { id: 'verify-scalefusion-1kb', title: 'verify scalefusion 1 KB vs F', subjectName: 'verify', baselineName: 'F (createHmac+timingSafeEqual+toString+JSON.parse)', kind: 'throughput', goal: 0.8 },
    compare(full, subject),
  );
  // The authenticity half alone (no JSON parse, schema or normalization), for callers that parse themselves.
  const signatureOnly = () => core.verifySignature({ vendor: 'scalefusion', rawBody, headers, secrets: secret }).ok;
  mustSucceed('scalefusion verifySignature', signatureOnly);
  report(
    { id: 'verifySignature-scalefusion-1kb', title: 'verifySignature scalefusion 1 KB vs raw HMAC', subjectName: 'verifySignature', baselineName: 'createHmac+timingSafeEqual', kind: 'throughput', goal: 0.8, informational: true },
    compare(baseline, signatureOnly),
  );
}

// ---------------------------------------------------------------------------------------------------
// 2. InHand: compact bytes received, signature over Python json.dumps of them → the re-serialization path.

{
  const secret = 'inhand-bench-secret-42';
  const body = inhandAlert();
  const text = JSON.stringify(body);
  const rawBody = Buffer.from(text);
  const python = core.pythonJsonDumps(text);
  const signature = createHmac('sha256', secret).update(python).digest('base64');
  const headers = { 'content-type': 'application/json', 'x-signature': signature };

  // The raw-bytes attempt must fail, so the Python re-serialization is what verifies.
  assert(python !== text, 'the Python form must differ from the compact bytes');
  assert(createHmac('sha256', secret).update(rawBody).digest('base64') !== signature, 'the raw bytes must not verify directly');
  assert(!/": /.test(text), 'the compact body must not look Python-style');
  const checked = core.verify({ vendor: 'inhand-dm', rawBody, headers, secrets: secret });
  if (!checked.ok) throw new Error(`inhand verify failed before timing: ${checked.code}: ${checked.message}`);
  strictEqual(checked.event.type, 'hourly_traffic_excess');
  strictEqual(checked.authentication, 'verified');
  deepStrictEqual(checked.event.raw, JSON.parse(text));
  strictEqual(core.verify({ vendor: 'inhand-dm', rawBody, headers: { ...headers, 'x-signature': createHmac('sha256', 'wrong').update(python).digest('base64') }, secrets: secret }).ok, false);

  const subject = () => core.verify({ vendor: 'inhand-dm', rawBody, headers, secrets: secret }).ok;
  const parse = () => JSON.parse(text) !== null;
  const dumps = () => core.pythonJsonDumps(text).length === python.length;
  mustSucceed('inhand verify', subject);
  mustSucceed('JSON.parse', parse);
  mustSucceed('pythonJsonDumps', dumps);

  console.log(`\n2. InHand body: ${rawBody.length} bytes compact, ${Buffer.byteLength(python)} bytes in Python json.dumps form`);
  report(
    { id: 'verify-inhand-python-1kb', title: 'verify inhand-dm (Python form) vs JSON.parse', subjectName: 'verify', baselineName: 'JSON.parse', kind: 'time', goal: 1.5 },
    compare(parse, subject),
  );
  report(
    { id: 'pythonJsonDumps-1kb', title: 'pythonJsonDumps alone vs JSON.parse', subjectName: 'pythonJsonDumps', baselineName: 'JSON.parse', kind: 'time', goal: 1.5 },
    compare(parse, dumps),
  );
}

// ---------------------------------------------------------------------------------------------------
// 3. Standard Webhooks: our verify vs the standardwebhooks library on the same signed request.

{
  const secret = `whsec_${Buffer.from('devicehook-bench-standard-webhooks-key!').toString('base64')}`;
  // The InHand alert wrapped in Standard Webhooks' {type, timestamp, data}, its content shortened to stay ~1 KB.
  const event = { type: 'device.alert', timestamp: '2025-03-21T05:52:36Z', data: inhandAlert() };
  const over = byteLength(event) - TARGET_BYTES;
  if (over > 0) event.data.content = event.data.content.slice(0, Math.max(0, event.data.content.length - over)).trimEnd();
  const signed = core.sign({ vendor: 'standard-webhooks', body: event, secret });
  const rawBody = signed.body;
  const payload = rawBody.toString('utf8'); // what the library's README passes: the raw body as a string
  // Headers as Node gives them: lower-case names.
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) assert(headers[name], `sign() gave no ${name}`);

  const library = new Webhook(secret);
  // Both must accept this very request before anything is timed (the library throws when it does not verify).
  deepStrictEqual(library.verify(payload, headers), JSON.parse(payload));
  deepStrictEqual(library.verify(rawBody, headers), JSON.parse(payload));
  const checked = core.verify({ vendor: 'standard-webhooks', rawBody, headers, secrets: secret });
  if (!checked.ok) throw new Error(`standard-webhooks verify failed before timing: ${checked.code}: ${checked.message}`);
  strictEqual(checked.authentication, 'verified');
  strictEqual(checked.event.id, headers['webhook-id']);
  deepStrictEqual(checked.event.raw, JSON.parse(payload));
  // And both must refuse a tampered one.
  const tampered = { ...headers, 'webhook-signature': `v1,${createHmac('sha256', 'wrong').update('x').digest('base64')}` };
  strictEqual(core.verify({ vendor: 'standard-webhooks', rawBody, headers: tampered, secrets: secret }).ok, false);
  let libraryRefused = false;
  try {
    library.verify(payload, tampered);
  } catch {
    libraryRefused = true;
  }
  assert(libraryRefused, 'the library must refuse a wrong signature');

  // The library verifies the timestamp against the clock too (±5 min): the whole run is far shorter.
  const subject = () => core.verify({ vendor: 'standard-webhooks', rawBody, headers, secrets: secret }).ok;
  const baseline = () => library.verify(payload, headers) !== undefined; // returns the parsed body, throws otherwise
  mustSucceed('standard-webhooks verify', subject);
  mustSucceed(`standardwebhooks@${standardWebhooksVersion}`, baseline);

  console.log(`\n3. Standard Webhooks body: ${rawBody.length} bytes`);
  report(
    { id: 'verify-standard-webhooks-1kb', title: `verify standard-webhooks vs standardwebhooks@${standardWebhooksVersion}`, subjectName: 'verify', baselineName: `standardwebhooks@${standardWebhooksVersion}`, kind: 'throughput', goal: 2.5 },
    compare(baseline, subject),
  );
  const signatureOnly = () => core.verifySignature({ vendor: 'standard-webhooks', rawBody, headers, secrets: secret }).ok;
  mustSucceed('standard-webhooks verifySignature', signatureOnly);
  report(
    { id: 'verifySignature-standard-webhooks-1kb', title: `verifySignature standard-webhooks vs standardwebhooks@${standardWebhooksVersion} (which also parses)`, subjectName: 'verifySignature', baselineName: `standardwebhooks@${standardWebhooksVersion}`, kind: 'throughput', goal: 2.5, informational: true },
    compare(baseline, signatureOnly),
  );
}

// ---------------------------------------------------------------------------------------------------
// 4. verify() per vendor against F, the least any receiver does with the same bytes: createHmac over the
//    signed bytes + timingSafeEqual against the decoded header + buf.toString('utf8') + JSON.parse.
//    ~1 KB bodies from the vendors' samples; a refused request (wrong signature) against an accepted one.

/** F: HMAC of `prefix` + the bytes, constant-time compare, decode, parse. */
function fullBaseline(secret, rawBody, givenSignature, encoding, prefix = '') {
  const given = Buffer.from(givenSignature, encoding);
  return () => {
    const mac = createHmac('sha256', secret);
    if (prefix !== '') mac.update(prefix);
    return timingSafeEqual(mac.update(rawBody).digest(), given) && JSON.parse(rawBody.toString('utf8')) !== null;
  };
}

/** A sample padded through a string field to about 1 KB. */
function padded(vendor, type, field) {
  const body = structuredClone(core.vendors[vendor].samples[type]);
  return padTo(body, body, field, CONTENT);
}

/** Non-ASCII as \uXXXX escapes: a sender with ensure_ascii (or Java's escaping) on. */
const asciiEscaped = (text) => text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

{
  const secret = 'f-bench-secret-1b2c3d';
  const lines = [];
  {
    const rawBody = Buffer.from(JSON.stringify(scalefusionEvent()));
    const sig = createHmac('sha256', secret).update(rawBody).digest('hex');
    lines.push({ id: 'scalefusion', vendor: 'scalefusion', rawBody, headers: { 'content-type': 'application/json', 'x-sf-signature': sig }, f: fullBaseline(secret, rawBody, sig, 'hex'), goal: 0.8, wrong: { 'x-sf-signature': 'ab'.repeat(32) } });
  }
  {
    const rawBody = Buffer.from(JSON.stringify(padded('generic-hmac', 'device.alert', 'message')));
    const sig = createHmac('sha256', secret).update(rawBody).digest('hex');
    lines.push({ id: 'generic-hmac', vendor: 'generic-hmac', rawBody, headers: { 'content-type': 'application/json', 'x-signature': sig }, f: fullBaseline(secret, rawBody, sig, 'hex'), goal: 0.8, wrong: { 'x-signature': 'ab'.repeat(32) } });
  }
  {
    const key = `whsec_${Buffer.from('devicehook-bench-standard-webhooks-key!').toString('base64')}`;
    const event = { type: 'device.alert', timestamp: '2025-03-21T05:52:36Z', data: inhandAlert() };
    const over = byteLength(event) - TARGET_BYTES;
    if (over > 0) event.data.content = event.data.content.slice(0, Math.max(0, event.data.content.length - over)).trimEnd();
    const signed = core.sign({ vendor: 'standard-webhooks', body: event, secret: key });
    const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const prefix = `${headers['webhook-id']}.${headers['webhook-timestamp']}.`;
    const f = fullBaseline(Buffer.from(key.slice(6), 'base64'), signed.body, headers['webhook-signature'].slice(3), 'base64', prefix);
    lines.push({ id: 'standard-webhooks', vendor: 'standard-webhooks', rawBody: signed.body, headers, secret: key, f, goal: 0.8, wrong: { 'webhook-signature': `v1,${createHmac('sha256', 'x').update('x').digest('base64')}` } });
  }
  {
    const rawBody = Buffer.from(JSON.stringify(padded('edgesense', 'device.alert', 'message')));
    const sig = createHmac('sha256', secret).update(rawBody).digest('hex');
    lines.push({ id: 'edgesense-header', vendor: 'edgesense', rawBody, headers: { 'content-type': 'application/json', 'x-edgesense-signature': sig }, f: fullBaseline(secret, rawBody, sig, 'hex'), goal: 0.8, wrong: { 'x-edgesense-signature': 'ab'.repeat(32) } });
  }
  {
    // InHand as a Python sender sends it: the signed bytes themselves.
    const python = core.pythonJsonDumps(JSON.stringify(inhandAlert()));
    const rawBody = Buffer.from(python);
    const sig = createHmac('sha256', secret).update(rawBody).digest('base64');
    lines.push({ id: 'inhand-signed-form', vendor: 'inhand-dm', rawBody, headers: { 'content-type': 'application/json', 'x-signature': sig }, f: fullBaseline(secret, rawBody, sig, 'base64'), goal: 0.8, wrong: { 'x-signature': createHmac('sha256', 'x').update('x').digest('base64') } });
    // Compact bytes (re-serialized after signing) and ASCII-escaped bytes: only the Python form verifies.
    // F hashes the received bytes, as it would if they were what was signed.
    for (const [id, text] of [['inhand-compact', JSON.stringify(inhandAlert())], ['inhand-escaped', asciiEscaped(JSON.stringify(inhandAlert()))]]) {
      const bytes = Buffer.from(text);
      assert(core.pythonJsonDumps(text) === python, `${id}: the Python form must be the signed one`);
      const fSig = createHmac('sha256', secret).update(bytes).digest('base64');
      lines.push({ id, vendor: 'inhand-dm', rawBody: bytes, headers: { 'content-type': 'application/json', 'x-signature': sig }, f: fullBaseline(secret, bytes, fSig, 'base64'), goal: 0.5, wrong: { 'x-signature': createHmac('sha256', 'x').update('x').digest('base64') } });
    }
  }

  console.log(`\n4. verify() vs F = createHmac + timingSafeEqual + toString('utf8') + JSON.parse over the same bytes`);
  for (const line of lines) {
    const input = { vendor: line.vendor, rawBody: line.rawBody, headers: line.headers, secrets: line.secret ?? secret };
    const checked = core.verify(input);
    if (!checked.ok) throw new Error(`${line.id}: verify failed before timing: ${checked.code}: ${checked.message}`);
    strictEqual(checked.authentication, 'verified');
    deepStrictEqual(checked.event.raw, JSON.parse(line.rawBody.toString('utf8')));
    const wrongInput = { ...input, headers: { ...line.headers, ...line.wrong } };
    const refused = core.verify(wrongInput);
    strictEqual(refused.ok, false, `${line.id}: a wrong signature must be refused`);
    strictEqual(refused.code, 'signature_mismatch', `${line.id}: ${refused.code}: ${refused.message}`);
    const subject = () => core.verify(input).ok;
    mustSucceed(`${line.id} verify`, subject);
    mustSucceed(`${line.id} F`, line.f);
    report(
      { id: `verify-vs-F-${line.id}`, title: `verify ${line.id} ${line.rawBody.length} B vs F`, subjectName: 'verify', baselineName: 'F', kind: 'throughput', goal: line.goal },
      compare(line.f, subject),
    );
    if (line.id === 'scalefusion' || line.id === 'inhand-compact' || line.id === 'standard-webhooks') {
      const refuse = () => core.verify(wrongInput).code === 'signature_mismatch';
      report(
        { id: `refused-vs-accepted-${line.id}`, title: `verify ${line.id}: refused (wrong signature) vs accepted`, subjectName: 'refused', baselineName: 'accepted', kind: 'time', goal: 1 },
        compare(subject, refuse),
      );
      // Hosts answer a refusal with its message, whose wording (whether the body was re-serialized) is
      // worked out when first read: what a refusal costs a host, for information.
      const refuseAndWord = () => {
        const refusal = core.verify(wrongInput);
        return refusal.code === 'signature_mismatch' && refusal.message.length > 0;
      };
      report(
        { id: `refused-worded-vs-accepted-${line.id}`, title: `verify ${line.id}: refused and its message read vs accepted`, subjectName: 'refused+message', baselineName: 'accepted', kind: 'time', goal: 1, informational: true },
        compare(subject, refuseAndWord),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// 5. pythonJsonDumps on 1 MiB of ordinary JSON (objects of strings, numbers, booleans; some non-ASCII and escapes).

{
  const items = [];
  let text = '';
  for (let k = 0; text.length < 2 ** 20; k++) {
    items.push({ id: 100000 + k, serial: `RF31513420${String(k).padStart(5, '0')}`, name: k % 7 === 0 ? `Depot Zürich – Nº ${k}` : `gateway-${k}`, online: k % 3 !== 0, rssi: -(50 + (k % 40)) - 0.5, traffic: 1048576 * (k % 13), ratio: (k % 100) / 8, tags: ['lte', k % 2 ? 'tram' : 'bus'], note: k % 11 === 0 ? 'said "hi"\nthen left' : 'ok', last: null });
    if (k % 256 === 0) text = JSON.stringify({ devices: items });
  }
  text = JSON.stringify({ devices: items });
  const expectedLength = core.pythonJsonDumps(text).length;
  const parse = () => JSON.parse(text) !== null;
  const dumps = () => core.pythonJsonDumps(text).length === expectedLength;
  mustSucceed('JSON.parse 1 MiB', parse);
  mustSucceed('pythonJsonDumps 1 MiB', dumps);
  console.log(`\n5. ${(text.length / 2 ** 20).toFixed(2)} MiB of JSON`);
  report(
    { id: 'pythonJsonDumps-1mib', title: 'pythonJsonDumps 1 MiB vs JSON.parse', subjectName: 'pythonJsonDumps', baselineName: 'JSON.parse', kind: 'time', goal: 1.5 },
    compare(parse, dumps),
  );
}

// ---------------------------------------------------------------------------------------------------

const rssEnd = process.memoryUsage().rss;
const goals = results.filter((r) => !r.informational);
const met = goals.filter((r) => r.pass);
const missed = goals.filter((r) => !r.pass).map((r) => r.id);
const seconds = (performance.now() - startedAt) / 1000;
console.log(`\nrss at start: ${mb(rssStart)}, at end: ${mb(rssEnd)}`);

mkdirSync(join(here, 'results'), { recursive: true });
const outFile = join(here, 'results', 'core.json');
writeFileSync(
  outFile,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      roundMs: ROUND_MS,
      rounds: ROUNDS,
      bodyTargetBytes: TARGET_BYTES,
      standardwebhooksVersion: standardWebhooksVersion,
      results,
      rss: { start: rssStart, end: rssEnd },
      summary: { goals: goals.length, met: met.length, missed, seconds },
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${outFile}`);
console.log(`SUMMARY: ${met.length}/${goals.length} goals met${missed.length ? ` (missed: ${missed.join(', ')})` : ''} in ${seconds.toFixed(1)} s`);
process.exitCode = 0;
