/**
 * The bad-input matrix (./bad-inputs.ts) against a REAL n8n 2.41.1 on Node 24 (test/helpers/n8n-runtime.ts):
 * our package installed as a community package, default settings (regular mode, sqlite,
 * N8N_PAYLOAD_SIZE_MAX 16 MiB), one published workflow per endpoint of the matrix — the endpoint's trigger
 * (vendor and scheme settings as ENDPOINTS says, the secret in an imported credential) → a No Operation
 * node — and the requests going to the production webhook URLs.
 *
 * Every case is sent byte for byte over node:net, the whole matrix several times. Each time it must get its
 * status and start NO execution (counted in n8n's database before and after each case, and once more after
 * each pass for late ones). Meanwhile slow-loris uploads hold connections open on workflows of their own.
 * Afterwards n8n must be the same process, answer a valid request per endpoint with 200 and exactly one
 * execution, and its RSS must be back within a bound of its baseline.
 *
 * n8n answers some requests before our trigger runs (it reads and parses the body itself, and Node's HTTP
 * server refuses what it cannot parse). Where the answer therefore differs from the matrix's expectation,
 * {@link N8N_EXPECT} says so per case, with the reason; everything else is held to the matrix as it is.
 *
 * Results: test/hardening/results/n8n-bad-inputs.json (sections bad-inputs and runtime-health).
 * Run alone: npm run build && npx vitest run --config vitest.hardening.config.ts test/hardening/n8n-bad-inputs.test.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duplicateKey, hashReplayKey } from '../../shared/src/index';
import { executionCounts as countsIn, queryRows } from '../helpers/n8n-sqlite';
import { NODE_TYPE_PREFIX, startN8n, stopAllN8n, type N8nCredential, type N8nNode, type N8nRuntime, type N8nWorkflow } from '../helpers/n8n-runtime';
import {
  BAD_INPUT_CASES,
  DEFAULT_SECRETS,
  ENDPOINT_IDS,
  ENDPOINTS,
  knownGap,
  rawSigned,
  runCase,
  sendRaw,
  signedEvent,
  type BadInputCase,
  type EndpointId,
  type RawRequest,
  type RawResponse,
} from './bad-inputs';

const RESULTS = join(__dirname, 'results', 'n8n-bad-inputs.json');
const VERSION = '2.41.1' as const;
/** Passes over the whole matrix. */
const PASSES = Number(process.env.DEVICEHOOK_HARDENING_PASSES ?? 10);
/** Connections opened for each slow-loris case, all at once. */
const SLOW_CONNECTIONS = Number(process.env.DEVICEHOOK_SLOW_CONNECTIONS ?? 20);
/**
 * Memory. No GC can be forced from outside, and V8 derives n8n's heap limit from the machine's memory (some
 * GiB here), so it collects lazily: the RSS rises during the first pass (10–17 MiB bodies are read, decoded
 * and parsed whole) and must then level off. Held when the RSS after the second half of the passes exceeds the
 * highest RSS after the first half by at most PLATEAU_MIB (a leak per request grows with every pass), and
 * the final RSS is within FINAL_BOUND_MIB of the baseline taken after the warm-up.
 */
const PLATEAU_MIB = 48;
const FINAL_BOUND_MIB = 256;
const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------
// Where n8n answers differently from the matrix, and why

const N8N_PARSES_JSON =
  'n8n parses an application/json body itself before any trigger runs (n8n/dist/middlewares/body-parser.js, parseBody → ' +
  'jsonParse, called from webhook-helpers parseRequestBody) and answers 422 "Failed to parse request body" when it cannot: ' +
  'the trigger is never called, so the core\u2019s 400 invalid_json cannot be given. Still refused, still no execution.';

interface N8nExpectation {
  /** What n8n answers instead of the matrix's statuses. Empty: no answer within the client's patience. */
  statuses: number[];
  reason: string;
}

/** Cases whose answer in n8n differs from the matrix, with the reason (everything else: the matrix as it is). */
const N8N_EXPECT: Readonly<Record<string, N8nExpectation>> = {
  'json-truncated': { statuses: [422], reason: N8N_PARSES_JSON },
  'json-truncated-python-form': { statuses: [422], reason: N8N_PARSES_JSON },
  'json-trailing-garbage': { statuses: [422], reason: N8N_PARSES_JSON },
  'json-single-quotes': { statuses: [422], reason: N8N_PARSES_JSON },
  'json-trailing-comma': { statuses: [422], reason: N8N_PARSES_JSON },
  'json-nan': { statuses: [422], reason: N8N_PARSES_JSON },
  'body-whitespace': { statuses: [422], reason: `${N8N_PARSES_JSON} (A body of whitespace is not empty to n8n, so it is parsed.)` },
  'nesting-10000-unclosed': { statuses: [422], reason: N8N_PARSES_JSON },
  'utf8-invalid-structure': { statuses: [422], reason: `${N8N_PARSES_JSON} (n8n decodes the bytes as UTF-8 first; the stray FF becomes U+FFFD after the object.)` },
  'utf16-body': { statuses: [422], reason: `${N8N_PARSES_JSON} (UTF-16LE bytes decoded as UTF-8 are not JSON.)` },
  'body-10mb': {
    statuses: [422],
    reason:
      'The 10 MiB are under n8n\u2019s own limit (N8N_PAYLOAD_SIZE_MAX, 16 MiB by default), so n8n reads all of them and parses them ' +
      'as JSON before the trigger runs; 10 MiB of spaces are not JSON → 422. The trigger\u2019s 1 MiB limit (413) applies to bodies ' +
      'n8n can parse (body-10mb-chunked, body-limit-plus-one); above 16 MiB n8n itself answers 413 (n8n-payload-size-max below).',
  },
};

/**
 * Where n8n does not hold a case, found by this suite. Deterministic ones are asserted to be still open (so
 * fixing one turns the test red until its entry goes); racy ones (`racy`) are recorded as observed, since a
 * run may happen to miss the race. DEVICEHOOK_STRICT_HARDENING=1 treats them all as plain failures.
 */
interface N8nGap {
  finding: string;
  /** Depends on timing: recorded, not asserted to be still open. */
  racy?: boolean;
}

// Replays are no longer here: the trigger lets n8n answer only after saving the replay list, and remembers
// accepted ids in the process too, so copies sent after the answer or at the same moment are answered 200 "duplicate".
const N8N_GAPS: Readonly<Record<string, N8nGap>> = {
  'n8n-payload-size-max': {
    finding:
      'n8n refuses a body over N8N_PAYLOAD_SIZE_MAX before the trigger runs, but with 500 "There was a problem executing the ' +
      'workflow" (raw-body\u2019s PayloadTooLargeError thrown from parseRequestBody, outside the trigger, and turned into a 500 by ' +
      'webhook-helpers), not 413. No execution starts, but vendors retry 5xx (InHand 3\u00d7, Standard Webhooks senders for days). ' +
      'Not fixable in nodes/: n8n reads the body before calling the trigger. Mitigation: a body-size limit in a reverse proxy ' +
      'in front of n8n (answering 413), below N8N_PAYLOAD_SIZE_MAX.',
  },
  'slow-loris-body': {
    finding:
      'n8n sets no request timeout on its HTTP server (no requestTimeout/headersTimeout in n8n/dist), so Node\u2019s defaults ' +
      'apply: requestTimeout 300 s. A body dripping at 1 byte a second is read for up to 300 s (this 239-byte one would even ' +
      'complete after 239 s and be accepted, its signature being valid); the client gave up after 75 s without an answer. ' +
      'Nothing in nodes/ can change it: n8n reads the whole body before the trigger is called. Mitigation: a reverse proxy in ' +
      'front of n8n with a body timeout (nginx client_body_timeout).',
  },
};

function n8nGap(caseId: string): N8nGap | undefined {
  if (process.env.DEVICEHOOK_STRICT_HARDENING === '1') return undefined;
  return N8N_GAPS[caseId];
}

/** The core's known gap or n8n's, as text, for a case. */
function gapOf(caseId: string): { finding: string; racy: boolean } | undefined {
  const core = knownGap(caseId, 'n8n');
  if (core) return { finding: core, racy: false };
  const gap = n8nGap(caseId);
  return gap ? { finding: gap.finding, racy: gap.racy === true } : undefined;
}

/** The statuses a case must get in n8n. */
function expectedStatuses(c: BadInputCase): number[] {
  return N8N_EXPECT[c.id]?.statuses ?? c.expect.statuses;
}

/** An n8n-only case: a body over N8N_PAYLOAD_SIZE_MAX, correctly signed, is refused by n8n before the trigger. */
const PAYLOAD_MAX_CASE: BadInputCase = {
  id: 'n8n-payload-size-max',
  title: 'a 17 MiB body (over N8N_PAYLOAD_SIZE_MAX, 16 MiB), signed correctly, with its Content-Length',
  group: 'size',
  vendor: 'scalefusion',
  endpoint: 'scalefusion',
  layer: 'http',
  build: (secrets = DEFAULT_SECRETS, nowMs = Date.now()): RawRequest => {
    const text = JSON.stringify(ENDPOINTS.scalefusion.sample);
    const body = Buffer.from(`${text.slice(0, -1)},"pad":"${'x'.repeat(17 * MiB)}"}`);
    return { method: 'POST', headers: rawSigned('scalefusion', body, secrets.scalefusion, nowMs), body };
  },
  expect: { statuses: [413] },
};

const SLOW_CASES = BAD_INPUT_CASES.filter((c) => c.group === 'slow-loris');
const FAST_CASES = [...BAD_INPUT_CASES.filter((c) => c.group !== 'slow-loris'), PAYLOAD_MAX_CASE];
const SLOW_ENDPOINTS = [...new Set(SLOW_CASES.map((c) => c.endpoint))];

// ---------------------------------------------------------------------------------------------------------
// Workflows: one per endpoint (and one more per slow-loris endpoint), trigger → No Operation

interface TriggerSpec {
  nodeName: string;
  credentialType: string;
  credentialData: Record<string, unknown>;
  parameters?: Record<string, unknown>;
}

function triggerSpec(endpoint: EndpointId): TriggerSpec {
  const secret = DEFAULT_SECRETS[endpoint];
  const scheme = ENDPOINTS[endpoint].scheme;
  switch (endpoint) {
    case 'inhand-dm':
      return { nodeName: 'inHandDeviceManagerTrigger', credentialType: 'inHandWebhookApi', credentialData: { secret, previousSecret: '' } };
    case 'scalefusion':
      return { nodeName: 'scalefusionTrigger', credentialType: 'scalefusionWebhookApi', credentialData: { secret } };
    case 'standard-webhooks':
      return { nodeName: 'standardWebhooksTrigger', credentialType: 'standardWebhooksApi', credentialData: { secret } };
    case 'edgesense':
      // Registration off: the vendor API is not part of this test (the e2e suite covers it).
      return {
        nodeName: 'edgeSenseTrigger',
        credentialType: 'edgeSenseApi',
        credentialData: { baseUrl: 'http://127.0.0.1:9', headerName: 'X-API-Key', apiKey: 'unused', secret },
        parameters: { registerWebhook: false },
      };
    case '1nce':
      return {
        nodeName: 'oneNceTrigger',
        credentialType: 'oneNceApi',
        credentialData: { baseUrl: 'http://127.0.0.1:9', username: 'unused', password: 'unused', authHeaderName: 'x-api-key', secret },
        parameters: { registerWebhook: false },
      };
    case 'generic-prefixed':
    case 'generic-timestamped':
      return {
        nodeName: 'hmacWebhookTrigger',
        credentialType: 'genericHmacApi',
        credentialData: {
          secret,
          header: scheme.header,
          algorithm: scheme.algorithm,
          encoding: scheme.encoding,
          prefix: scheme.prefix ?? '',
          signedContent: scheme.signedContent ?? 'body',
          timestampHeader: scheme.timestampHeader ?? 'X-Timestamp',
        },
      };
  }
}

const keyOf = (endpoint: EndpointId, slow = false) => `${slow ? 'slow' : ''}${endpoint.replace(/[^a-z0-9]/g, '')}`;
const workflowIdOf = (endpoint: EndpointId, slow = false) => `hb${keyOf(endpoint, slow)}`.padEnd(16, '0').slice(0, 16);
const credentialIdOf = (endpoint: EndpointId) => `hc${keyOf(endpoint)}`.padEnd(16, '0').slice(0, 16);
const webhookIdOf = (endpoint: EndpointId, slow = false) =>
  `b4d1b4d1-0000-4000-8000-${String(ENDPOINT_IDS.indexOf(endpoint) + (slow ? 100 : 1)).padStart(12, '0')}`;

function credentials(): N8nCredential[] {
  return ENDPOINT_IDS.map((endpoint) => {
    const spec = triggerSpec(endpoint);
    return { id: credentialIdOf(endpoint), name: `hardening ${endpoint}`, type: spec.credentialType, data: spec.credentialData };
  });
}

function workflow(endpoint: EndpointId, slow = false): N8nWorkflow {
  const spec = triggerSpec(endpoint);
  const trigger: N8nNode = {
    id: `${keyOf(endpoint, slow)}-trigger`,
    name: 'Trigger',
    type: `${NODE_TYPE_PREFIX}${spec.nodeName}`,
    typeVersion: 1,
    position: [0, 0],
    webhookId: webhookIdOf(endpoint, slow),
    parameters: { eventTypes: ENDPOINTS[endpoint].vendor === 'generic-hmac' || endpoint === 'standard-webhooks' ? '' : [], routeByType: false, output: 'event', allowUnsigned: false, options: {}, ...spec.parameters },
    credentials: { [spec.credentialType]: { id: credentialIdOf(endpoint), name: `hardening ${endpoint}` } },
  };
  return {
    id: workflowIdOf(endpoint, slow),
    name: `hardening ${slow ? 'slow ' : ''}${endpoint}`,
    nodes: [trigger, { id: `${keyOf(endpoint, slow)}-noop`, name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [300, 0], parameters: {} }],
    connections: { Trigger: { main: [[{ node: 'Done', type: 'main', index: 0 }]] } },
  };
}

// ---------------------------------------------------------------------------------------------------------

interface Row {
  section: 'bad-inputs' | 'runtime-health';
  runtime: string;
  case: string;
  tried: string;
  held: boolean | null;
  figures: string;
  note?: string;
}
const rows: Row[] = [];

afterAll(async () => {
  await stopAllN8n();
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
});

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (mib: number) => `${mib.toFixed(1)} MiB`;

interface Outcome {
  statuses: Array<number | undefined>;
  codes: string[];
  executions: number;
  primeStatuses: Array<number | undefined>;
  ms: number[];
  errors: string[];
}

function codeOf(response: RawResponse): string | undefined {
  const json = response.json as { code?: unknown; duplicate?: unknown; message?: unknown } | undefined;
  // Our trigger answers {code: <string>, message}, or 200 {received, duplicate: true, message}; n8n's own errors are {code: <number>, message}.
  if (typeof json?.code === 'string') return json.code;
  if (json?.duplicate === true) return 'duplicate';
  if (typeof json?.message === 'string' && /Failed to parse request body|request entity too large|not registered/i.test(json.message)) return `n8n: ${json.message.slice(0, 60)}`;
  return undefined;
}

function describeOutcome(o: Outcome): string {
  const statuses = [...new Set(o.statuses.map((s) => s ?? 'no answer'))].join('/');
  const codes = [...new Set(o.codes)].join('/');
  const ms = o.ms.length > 0 ? `, ${Math.round(Math.max(...o.ms))} ms max` : '';
  const executions = o.executions === 0 ? 'no execution' : `${o.executions} execution${o.executions > 1 ? 's' : ''}`;
  return `${statuses}${codes ? ` ${codes}` : ''} ×${o.statuses.length}, ${executions}${ms}${o.errors.length ? `; ${[...new Set(o.errors)].join('; ')}` : ''}`;
}

function heldBy(c: BadInputCase, o: Outcome): boolean {
  const expected = expectedStatuses(c);
  const statusOk = expected.length === 0 ? o.statuses.every((s) => s === undefined) : o.statuses.every((s) => s !== undefined && expected.includes(s));
  return o.statuses.length > 0 && statusOk && o.executions === 0 && o.primeStatuses.every((s) => s === 200);
}

function noteFor(c: BadInputCase, held: boolean): string | undefined {
  const gap = gapOf(c.id);
  if (gap && !held) return gap.finding;
  const differs = N8N_EXPECT[c.id];
  if (differs) return `n8n answers ${differs.statuses.join('/')} instead of ${c.expect.statuses.join('/')}: ${differs.reason}`;
  return undefined;
}

describe(`n8n ${VERSION}, default settings: bad inputs`, () => {
  let runtime: N8nRuntime;
  let label = `n8n ${VERSION}`;
  let pid: number;
  let baselineMiB = 0;
  const rssAfterPass: number[] = [];
  const outcomes = new Map<string, Outcome>(FAST_CASES.map((c) => [c.id, { statuses: [], codes: [], executions: 0, primeStatuses: [], ms: [], errors: [] }]));
  const slowRuns = new Map<string, Promise<RawResponse[]>>();
  let slowStartedAt = 0;
  let startMs = 0;

  const urlOf = (endpoint: EndpointId, slow = false) => runtime.webhookUrl(webhookIdOf(endpoint, slow));
  const countOf = (all: Record<string, number>, endpoint: EndpointId, slow = false) => all[workflowIdOf(endpoint, slow)] ?? 0;
  /** Executions of the matrix's own workflows (not the slow-loris ones, which run alongside). */
  const total = (all: Record<string, number>) => ENDPOINT_IDS.reduce((sum, endpoint) => sum + countOf(all, endpoint), 0);

  /** Waits (up to `ms`) until the endpoint's workflow has `expected` executions; returns the counts then. */
  const settle = async (endpoint: EndpointId, expected: number, ms = 5000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const counts = await countsIn(runtime.userFolder);
      if (countOf(counts, endpoint) >= expected || Date.now() > deadline) return counts;
      await sleep(50);
    }
  };

  /** A valid event to every endpoint: 200 and exactly one execution each. */
  const validRound = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const endpoint of ENDPOINT_IDS) {
      const before = countOf(await countsIn(runtime.userFolder), endpoint);
      const signed = signedEvent(endpoint, DEFAULT_SECRETS);
      const response = await sendRaw(urlOf(endpoint), { method: 'POST', headers: signed.headers, body: signed.body });
      await settle(endpoint, before + 1);
      await sleep(100);
      const delta = countOf(await countsIn(runtime.userFolder), endpoint) - before;
      if (response.status !== 200 || delta !== 1) problems.push(`${endpoint}: ${response.status ?? response.error} with ${delta} executions`);
    }
    return problems;
  };

  beforeAll(async () => {
    const started = Date.now();
    runtime = await startN8n({
      version: VERSION,
      credentials: credentials(),
      workflows: [...ENDPOINT_IDS.map((endpoint) => workflow(endpoint)), ...SLOW_ENDPOINTS.map((endpoint) => workflow(endpoint, true))],
      // The defaults, said out loud: what this suite's expectations (N8N_EXPECT) rest on.
      env: { N8N_PAYLOAD_SIZE_MAX: '16', EXECUTIONS_MODE: 'regular' },
    });
    startMs = Date.now() - started;
    pid = runtime.pid as number;
    label = `n8n ${runtime.install.version} (Node ${runtime.install.nodeVersion.replace(/^v/, '')})`;
    // Warm up (JIT, lazy loading of node types), check the valid path works, then take the baseline.
    for (let i = 0; i < 3; i++) expect(await validRound()).toEqual([]);
    await sleep(2000);
    baselineMiB = rssMiB(pid);
    // Slow-loris uploads start now and stay open while the matrix runs on the other workflows.
    slowStartedAt = Date.now();
    for (const c of SLOW_CASES) {
      slowRuns.set(c.id, Promise.all(Array.from({ length: SLOW_CONNECTIONS }, () => sendRaw(urlOf(c.endpoint, true), c))));
    }
  }, 900_000);

  it.each(Array.from({ length: PASSES }, (_, i) => i + 1))(`pass %i over the ${FAST_CASES.length} cases: expected 4xx, no execution`, async (pass) => {
    const before = await countsIn(runtime.userFolder);
    let seenInWindows = 0;
    const failures: string[] = [];
    let from = before;
    for (const c of FAST_CASES) {
      const run = await runCase(urlOf(c.endpoint), c);
      // A refused request starts nothing; an accepted one (a replay's first copy, a known gap) has its
      // execution saved just after the answer: wait for it so it is counted in this case's window.
      const expectedHere = (run.prime ? 1 : 0) + (run.response.status === 200 ? 1 : 0);
      // A refused one is given 100 ms for an execution to show up (n8n saves a failed one after answering 500).
      if (expectedHere === 0) await sleep(100);
      const to = await settle(c.endpoint, countOf(from, c.endpoint) + expectedHere);
      const outcome = outcomes.get(c.id)!;
      const delta = countOf(to, c.endpoint) - countOf(from, c.endpoint);
      outcome.statuses.push(run.response.status);
      outcome.ms.push(run.response.totalMs);
      const code = codeOf(run.response);
      if (code) outcome.codes.push(code);
      if (run.response.error && run.response.status === undefined) outcome.errors.push(run.response.error);
      if (run.prime) outcome.primeStatuses.push(run.prime.status);
      outcome.executions += delta - (run.prime ? 1 : 0);
      seenInWindows += total(to) - total(from);
      from = to;
      const expected = expectedStatuses(c);
      const wrongStatus = run.response.status === undefined || !expected.includes(run.response.status);
      if ((wrongStatus || delta !== (run.prime ? 1 : 0)) && !gapOf(c.id)) {
        failures.push(
          `${c.id}: ${run.response.status ?? run.response.error} ${code ?? ''} (expected ${expected.join('/')}), ${delta} execution(s)${run.prime ? ` (1 expected from the first copy, answered ${run.prime.status})` : ''}`,
        );
      }
    }
    await sleep(1000); // an execution started after its case's window would show now
    const late = total(await countsIn(runtime.userFolder)) - total(before) - seenInWindows;
    if (late !== 0) failures.push(`${late} execution(s) appeared after their case had been answered`);
    rssAfterPass.push(rssMiB(pid));
    expect(isAlive(pid), 'the n8n process is still running').toBe(true);
    expect(failures, `pass ${pass}`).toEqual([]);
  });

  it('per case: every pass held (known gaps are asserted to be still open)', () => {
    const problems: string[] = [];
    for (const c of FAST_CASES) {
      const outcome = outcomes.get(c.id)!;
      const held = heldBy(c, outcome);
      const gap = gapOf(c.id);
      const note = noteFor(c, held);
      rows.push({ section: 'bad-inputs', runtime: label, case: c.id, tried: c.title, held, figures: describeOutcome(outcome), ...(note ? { note } : {}) });
      if (gap && held && !gap.racy) problems.push(`${c.id}: now holds — remove it from the known gaps (${gap.finding.slice(0, 60)}…)`);
      if (!gap && !held) problems.push(`${c.id}: ${describeOutcome(outcome)} (expected ${expectedStatuses(c).join('/')}, no execution)`);
    }
    expect(problems).toEqual([]);
  });

  it.each(SLOW_CASES.map((c) => [c.id, c] as const))(`%s: ${SLOW_CONNECTIONS} connections at once, no execution`, async (_id, c) => {
    const responses = await slowRuns.get(c.id)!;
    await sleep(500);
    const executions = countOf(await countsIn(runtime.userFolder), c.endpoint, true);
    const outcome: Outcome = {
      statuses: responses.map((r) => r.status),
      codes: responses.map(codeOf).filter((x): x is string => x !== undefined),
      executions,
      primeStatuses: [],
      ms: responses.map((r) => r.totalMs),
      errors: responses.filter((r) => r.status === undefined).map((r) => r.error ?? 'no answer'),
    };
    const held = heldBy(c, outcome);
    const sentBytes = Math.max(...responses.map((r) => r.bytesSent));
    const note = noteFor(c, held);
    rows.push({
      section: 'bad-inputs',
      runtime: label,
      case: c.id,
      tried: `${c.title} (${SLOW_CONNECTIONS} connections at once)`,
      held,
      figures: `${describeOutcome(outcome)}, ended after ${Math.round(Math.min(...outcome.ms) / 1000)}–${Math.round(Math.max(...outcome.ms) / 1000)} s, ≤ ${sentBytes} bytes sent`,
      ...(note ? { note } : {}),
    });
    expect(executions, 'no execution from a slow-loris upload').toBe(0);
    const gap = gapOf(c.id);
    if (gap) return void expect(held, `known gap still open: ${gap.finding}`).toBe(false);
    expect(outcome.errors).toEqual([]);
    for (const status of outcome.statuses) expect(expectedStatuses(c)).toContain(status);
  }, 300_000);

  it('replays of one Standard Webhooks message: after its first copy was saved, right after its 200, and two copies at once', async () => {
    const endpoint: EndpointId = 'standard-webhooks';
    const url = urlOf(endpoint);
    const fresh = (): RawRequest => {
      const { body, headers } = signedEvent(endpoint, DEFAULT_SECRETS);
      return { method: 'POST', headers, body };
    };
    const idOf = (request: RawRequest) => request.headers.find(([name]) => name.toLowerCase() === 'webhook-id')![1];
    const staticDataHas = async (messageId: string) => {
      const [[data] = []] = await queryRows(runtime.userFolder, 'select staticData from workflow_entity where id = ?', [workflowIdOf(endpoint)]);
      // Ids are kept as fixed-size hashes (the core's hostReplayStore), not as sent.
      return typeof data === 'string' && data.includes(hashReplayKey(duplicateKey('standard-webhooks', messageId)));
    };
    const executions = async () => countOf(await countsIn(runtime.userFolder), endpoint);
    const tally = (values: Array<number | undefined | string>) => {
      const counts = new Map<string, number>();
      for (const value of values) counts.set(String(value ?? 'no answer'), (counts.get(String(value ?? 'no answer')) ?? 0) + 1);
      return [...counts].map(([key, n]) => `${key} ×${n}`).join(', ');
    };
    /** A status, or "duplicate" for a 200 that says so (a duplicate and an accepted copy are both 200). */
    const answerOf = (response: RawResponse): number | string | undefined => ((response.json as { duplicate?: unknown } | undefined)?.duplicate === true ? 'duplicate' : response.status);
    const measure = async (id: string, tried: string, rounds: number, round: () => Promise<Array<number | string | undefined>>, expected: (statuses: Array<number | string | undefined>) => boolean) => {
      const before = await executions();
      const results: Array<Array<number | string | undefined>> = [];
      for (let i = 0; i < rounds; i++) results.push(await round());
      await sleep(1500);
      const started = (await executions()) - before;
      const roundsHeld = results.filter(expected).length;
      const held = roundsHeld === rounds && started === rounds;
      const gap = gapOf(id);
      rows.push({
        section: 'bad-inputs',
        runtime: label,
        case: id,
        tried,
        held,
        figures: `${roundsHeld}/${rounds} rounds answered 200 then 200 duplicate; answers ${tally(results.map((r) => r.join('+')))}; ${started} executions for ${rounds} messages`,
        ...(gap && !held ? { note: gap.finding } : {}),
      });
      return { held, gap, figures: `${id}: ${roundsHeld}/${rounds} held, ${started} executions` };
    };

    // The replay arrives after the first copy's id is in the saved static data: must always be refused.
    const settled = await measure(
      'replay-standard-webhooks-after-save',
      '20 messages, each sent again once its id shows in the workflow\u2019s saved static data (same webhook-id, within the window)',
      20,
      async () => {
        const request = fresh();
        const first = await sendRaw(url, request);
        const deadline = Date.now() + 5000;
        while (!(await staticDataHas(idOf(request))) && Date.now() < deadline) await sleep(20);
        const second = await sendRaw(url, request);
        return [answerOf(first), answerOf(second)];
      },
      ([a, b]) => a === 200 && b === 'duplicate',
    );
    // Sent again the moment the 200 arrives (what the matrix's replay case does).
    const immediate = await measure(
      'replay-standard-webhooks-immediate',
      '50 messages, each sent again the moment its first copy was answered 200',
      50,
      async () => {
        const request = fresh();
        const first = await sendRaw(url, request);
        const second = await sendRaw(url, request);
        return [answerOf(first), answerOf(second)];
      },
      ([a, b]) => a === 200 && b === 'duplicate',
    );
    // Two copies at once (a sender retrying on a timeout while the first is still in flight).
    const concurrent = await measure(
      'replay-standard-webhooks-concurrent',
      '20 messages, each sent twice at the same moment on two connections',
      20,
      async () => {
        const request = fresh();
        const answers = await Promise.all([sendRaw(url, request), sendRaw(url, request)]);
        return answers.map(answerOf).sort((x, y) => String(x).localeCompare(String(y)));
      },
      ([a, b]) => a === 200 && b === 'duplicate',
    );
    console.log(`[hardening] ${label} replays: ${settled.figures}; ${immediate.figures}; ${concurrent.figures}`);
    expect(settled.held, settled.figures).toBe(true);
    for (const m of [immediate, concurrent]) if (!m.gap) expect(m.held, m.figures).toBe(true);
  }, 300_000);

  it(`afterwards: same process, a valid request per endpoint gives 200 and one execution, RSS levelled off`, async () => {
    const alive = isAlive(pid) && runtime.pid === pid;
    const problems = await validRound();
    await sleep(5000);
    const finalMiB = rssMiB(pid);
    const slowSeconds = Math.round((Date.now() - slowStartedAt) / 1000);
    rows.push({
      section: 'runtime-health',
      runtime: label,
      case: 'process stays up',
      tried: `${PASSES} passes over ${FAST_CASES.length} cases (${PASSES * FAST_CASES.length} requests) while ${SLOW_CASES.length * SLOW_CONNECTIONS} slow-loris connections were open (${slowSeconds} s); n8n set up and started in ${(startMs / 1000).toFixed(0)} s`,
      held: alive && problems.length === 0,
      figures: `pid ${pid} unchanged: ${alive}; valid request per endpoint afterwards: ${problems.length === 0 ? `all ${ENDPOINT_IDS.length} answered 200 with exactly one execution` : problems.join('; ')}`,
    });
    const half = Math.ceil(rssAfterPass.length / 2);
    const firstHalfMax = Math.max(...rssAfterPass.slice(0, half));
    const secondHalfMax = rssAfterPass.length >= 4 ? Math.max(...rssAfterPass.slice(half)) : firstHalfMax;
    const plateauOk = secondHalfMax - firstHalfMax <= PLATEAU_MIB;
    const finalOk = finalMiB <= baselineMiB + FINAL_BOUND_MIB;
    rows.push({
      section: 'runtime-health',
      runtime: label,
      case: 'memory levels off',
      tried:
        `RSS of the n8n main process (/proc/<pid>/status VmRSS) after warm-up, after each pass, and 5 s after the replay rounds and a last valid round; ` +
        `bounds: passes ${half + 1}–${rssAfterPass.length} at most ${PLATEAU_MIB} MiB above the highest of passes 1–${half}, final at most baseline + ${FINAL_BOUND_MIB} MiB`,
      held: plateauOk && finalOk,
      figures: `baseline ${fmt(baselineMiB)}; after passes ${rssAfterPass.map(fmt).join(', ')}; second half ${secondHalfMax >= firstHalfMax ? '+' : ''}${fmt(secondHalfMax - firstHalfMax)} over the first; final ${fmt(finalMiB)} (${finalMiB >= baselineMiB ? '+' : ''}${fmt(finalMiB - baselineMiB)})`,
    });
    console.log(`[hardening] ${label}: RSS baseline ${fmt(baselineMiB)}, after passes ${rssAfterPass.map(fmt).join(', ')}, final ${fmt(finalMiB)}`);
    expect(alive, 'the same n8n process is still running').toBe(true);
    expect(problems).toEqual([]);
    expect(secondHalfMax - firstHalfMax, 'RSS growth over the second half of the passes (MiB)').toBeLessThanOrEqual(PLATEAU_MIB);
    expect(finalMiB).toBeLessThanOrEqual(baselineMiB + FINAL_BOUND_MIB);
  });

  afterAll(async () => {
    await runtime?.stop();
  });
});
