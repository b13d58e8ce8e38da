/**
 * The bad-input matrix (./bad-inputs.ts) against a REAL Node-RED — 4.1 on Node 20 and 5 on Node 24,
 * default settings (admin app and its JSON parser at "/"), flows deployed through the admin API.
 *
 * One `devicehook in` per endpoint of the matrix (vendor and scheme settings as ENDPOINTS says, secrets
 * as credentials), each wired to a function node that counts its messages in global context — read back
 * through an `http in` GET /hardening-counts — and to a second node, as real flows often are (so
 * Node-RED clones the message, as it does for every wire after the first).
 *
 * Every case is sent byte for byte over node:net, the whole matrix several times; each time it must get
 * one of its statuses and produce no message. Meanwhile slow-loris uploads hold connections open on
 * their own endpoints. Afterwards the process must be the same one, answer a valid request per endpoint
 * with 200 and exactly one message, and its RSS must be back within a bound of its baseline.
 *
 * Results: test/hardening/results/node-red-bad-inputs.json (sections bad-inputs and runtime-health).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeRed, stopAll, type FlowNode, type NodeRedMajor, type NodeRedRuntime } from '../helpers/node-red-runtime';
import {
  BAD_INPUT_CASES,
  DEFAULT_SECRETS,
  ENDPOINT_IDS,
  ENDPOINTS,
  knownGap,
  runCase,
  sendRaw,
  signedEvent,
  type BadInputCase,
  type EndpointId,
  type RawResponse,
} from './bad-inputs';

const MODULE = join(__dirname, '..', '..', 'node-red');
const RESULTS = join(__dirname, 'results', 'node-red-bad-inputs.json');
const MAJORS = (process.env.DEVICEHOOK_NODE_RED_MAJORS ?? '4,5').split(',').map((m) => m.trim()) as NodeRedMajor[];
/** Passes over the whole matrix. */
const PASSES = Number(process.env.DEVICEHOOK_HARDENING_PASSES ?? 10);
/** Connections opened for each slow-loris case, all at once. */
const SLOW_CONNECTIONS = Number(process.env.DEVICEHOOK_SLOW_CONNECTIONS ?? 20);
/** RSS after the matrix may exceed the baseline by this much (no GC can be forced from outside). */
const MEMORY_BOUND_MIB = 64;
const COUNTS_PATH = '/hardening-counts';
/** Oversized uploads sent by a client that never pauses to listen (a measurement, not a check). */
const EAGER_TRIES = 20;
const EARLY_CLOSE =
  'The raw capture (node-red/src/lib/raw-capture.ts, refuseEarly) answers 413 with Connection: close and the socket is ' +
  'closed as soon as the answer is written, with the rest of the upload unread: the kernel then resets the connection, and a ' +
  'client still writing gets EPIPE/ECONNRESET and may never read the 413. Fix: a lingering close — drop the Connection: close, ' +
  'let req.resume() drain the upload, and destroy the socket only if it is still open after a few seconds.';

const SLOW_CASES = BAD_INPUT_CASES.filter((c) => c.group === 'slow-loris');
const FAST_CASES = BAD_INPUT_CASES.filter((c) => c.group !== 'slow-loris');
const SLOW_ENDPOINTS = [...new Set(SLOW_CASES.map((c) => c.endpoint))];

const keyOf = (endpoint: EndpointId) => endpoint.replace(/[^a-z0-9]/g, '');
const pathOf = (endpoint: EndpointId, slow = false) => `/hardening/${slow ? 'slow/' : ''}${endpoint}`;
const counterKey = (endpoint: EndpointId, slow = false) => `${slow ? 'slow:' : ''}${endpoint}`;

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
  await stopAll();
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
});

function counterFunction(id: string, key: string): FlowNode {
  return {
    id,
    type: 'function',
    z: 'tab',
    name: `count ${key}`,
    func: `const counts = global.get('hardeningCounts') || {};\ncounts[${JSON.stringify(key)}] = (counts[${JSON.stringify(key)}] || 0) + 1;\nglobal.set('hardeningCounts', counts);\nreturn null;`,
    outputs: 1,
    noerr: 0,
    initialize: '',
    finalize: '',
    libs: [],
    wires: [[]],
  };
}

function flows(): FlowNode[] {
  const nodes: FlowNode[] = [
    { id: 'tab', type: 'tab', label: 'hardening: bad inputs' },
    // The second wire of every endpoint: makes Node-RED clone each message, as any fan-out does.
    { id: 'sink', type: 'function', z: 'tab', name: 'second wire', func: 'return null;', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires: [[]] },
    { id: 'countsIn', type: 'http in', z: 'tab', url: COUNTS_PATH, method: 'get', upload: false, swaggerDoc: '', wires: [['countsRead']] },
    {
      id: 'countsRead',
      type: 'function',
      z: 'tab',
      func: "msg.payload = global.get('hardeningCounts') || {};\nreturn msg;",
      outputs: 1,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      wires: [['countsOut']],
    },
    { id: 'countsOut', type: 'http response', z: 'tab', statusCode: '', headers: {}, wires: [] },
  ];
  for (const endpoint of ENDPOINT_IDS) {
    const e = ENDPOINTS[endpoint];
    const key = keyOf(endpoint);
    nodes.push({
      id: `cfg${key}`,
      type: 'devicehook-vendor',
      name: endpoint,
      vendor: e.vendor,
      header: e.scheme.header ?? '',
      algorithm: e.scheme.algorithm ?? '',
      encoding: e.scheme.encoding ?? '',
      prefix: e.scheme.prefix ?? '',
      signedContent: e.scheme.signedContent ?? '',
      timestampHeader: e.scheme.timestampHeader ?? '',
      credentials: { secret: DEFAULT_SECRETS[endpoint] },
    });
    nodes.push({ id: `in${key}`, type: 'devicehook in', z: 'tab', url: pathOf(endpoint), vendor: `cfg${key}`, types: [], outputs: 1, wires: [[`count${key}`, 'sink']] });
    nodes.push(counterFunction(`count${key}`, counterKey(endpoint)));
    if (SLOW_ENDPOINTS.includes(endpoint)) {
      nodes.push({ id: `slowin${key}`, type: 'devicehook in', z: 'tab', url: pathOf(endpoint, true), vendor: `cfg${key}`, types: [], outputs: 1, wires: [[`slowcount${key}`, 'sink']] });
      nodes.push(counterFunction(`slowcount${key}`, counterKey(endpoint, true)));
    }
  }
  return nodes;
}

/** VmRSS of a process, in MiB (Linux /proc). */
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
  messages: number;
  primeStatuses: Array<number | undefined>;
  ms: number[];
  errors: string[];
}

function codeOf(response: RawResponse): string | undefined {
  const json = response.json as { code?: unknown; duplicate?: unknown } | undefined;
  if (json?.duplicate === true) return 'duplicate'; // 200 {received, duplicate: true, message}
  return typeof json?.code === 'string' ? json.code : undefined;
}

function describeOutcome(o: Outcome): string {
  const statuses = [...new Set(o.statuses.map((s) => s ?? 'no answer'))].join('/');
  const codes = [...new Set(o.codes)].join('/');
  const ms = o.ms.length > 0 ? `, ${Math.round(Math.max(...o.ms))} ms max` : '';
  const messages = o.messages === 0 ? 'no message' : `${o.messages} message${o.messages > 1 ? 's' : ''}`;
  return `${statuses}${codes ? ` ${codes}` : ''} ×${o.statuses.length}, ${messages}${ms}${o.errors.length ? `; ${[...new Set(o.errors)].join('; ')}` : ''}`;
}

function heldBy(c: BadInputCase, o: Outcome): boolean {
  return (
    o.statuses.length > 0 &&
    o.statuses.every((s) => s !== undefined && c.expect.statuses.includes(s)) &&
    o.messages === 0 &&
    o.primeStatuses.every((s) => s === 200)
  );
}

describe.each(MAJORS)('Node-RED %s, default settings: bad inputs', (major) => {
  let runtime: NodeRedRuntime;
  let label = `Node-RED ${major}`;
  let pid: number;
  let baselineMiB = 0;
  const rssAfterPass: number[] = [];
  const outcomes = new Map<string, Outcome>(FAST_CASES.map((c) => [c.id, { statuses: [], codes: [], messages: 0, primeStatuses: [], ms: [], errors: [] }]));
  const slowRuns = new Map<string, Promise<RawResponse[]>>();
  let slowStartedAt = 0;

  const counts = async (): Promise<Record<string, number>> => {
    const res = await fetch(`${runtime.url}${COUNTS_PATH}`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, number>;
  };
  /** Messages of the matrix's own endpoints (not the slow-loris ones, which run alongside). */
  const total = (all: Record<string, number>) => ENDPOINT_IDS.reduce((sum, endpoint) => sum + (all[counterKey(endpoint)] ?? 0), 0);
  const urlOf = (endpoint: EndpointId, slow = false) => `${runtime.url}${pathOf(endpoint, slow)}`;

  /** A valid event to every endpoint: 200 and exactly one message each. */
  const validRound = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const endpoint of ENDPOINT_IDS) {
      const before = await counts();
      const signed = signedEvent(endpoint, DEFAULT_SECRETS);
      const response = await sendRaw(urlOf(endpoint), { method: 'POST', headers: signed.headers, body: signed.body });
      await sleep(20);
      const delta = ((await counts())[counterKey(endpoint)] ?? 0) - (before[counterKey(endpoint)] ?? 0);
      if (response.status !== 200 || delta !== 1) problems.push(`${endpoint}: ${response.status ?? response.error} with ${delta} messages`);
    }
    return problems;
  };

  beforeAll(async () => {
    runtime = await startNodeRed({ major, modules: [MODULE] });
    await runtime.deploy(flows());
    pid = runtime.pid as number;
    const nodeVersion = execFileSync(runtime.install.nodeBin, ['--version']).toString().trim().replace(/^v/, '');
    label = `Node-RED ${runtime.install.version} (Node ${nodeVersion})`;
    // Warm up (JIT, lazy routes), check the valid path works, then take the baseline.
    for (let i = 0; i < 5; i++) expect(await validRound()).toEqual([]);
    await sleep(1000);
    baselineMiB = rssMiB(pid);
    // Slow-loris uploads start now and stay open while the matrix runs on the other endpoints.
    slowStartedAt = Date.now();
    for (const c of SLOW_CASES) {
      slowRuns.set(c.id, Promise.all(Array.from({ length: SLOW_CONNECTIONS }, () => sendRaw(urlOf(c.endpoint, true), c))));
    }
  }, 900_000);

  it.each(Array.from({ length: PASSES }, (_, i) => i + 1))(`pass %i over the ${FAST_CASES.length} cases: expected 4xx, no message`, async (pass) => {
    const before = await counts();
    let seenInWindows = 0;
    const failures: string[] = [];
    for (const c of FAST_CASES) {
      const from = await counts();
      const run = await runCase(urlOf(c.endpoint), c);
      const to = await counts();
      const outcome = outcomes.get(c.id)!;
      const delta = (to[counterKey(c.endpoint)] ?? 0) - (from[counterKey(c.endpoint)] ?? 0);
      outcome.statuses.push(run.response.status);
      outcome.ms.push(run.response.totalMs);
      const code = codeOf(run.response);
      if (code) outcome.codes.push(code);
      if (run.response.error && run.response.status === undefined) outcome.errors.push(run.response.error);
      if (run.prime) outcome.primeStatuses.push(run.prime.status);
      outcome.messages += delta - (run.prime ? 1 : 0);
      seenInWindows += total(to) - total(from);
      const wrongStatus = run.response.status === undefined || !c.expect.statuses.includes(run.response.status);
      if ((wrongStatus || delta !== (run.prime ? 1 : 0)) && !knownGap(c.id, 'node-red')) {
        failures.push(`${c.id}: ${run.response.status ?? run.response.error} ${code ?? ''} (expected ${c.expect.statuses.join('/')}), ${delta} message(s)${run.prime ? ` (1 expected from the first copy, answered ${run.prime.status})` : ''}`);
      }
    }
    await sleep(500); // a message produced after its case's window would show now
    const late = total(await counts()) - total(before) - seenInWindows;
    if (late !== 0) failures.push(`${late} message(s) arrived after their case had been answered`);
    rssAfterPass.push(rssMiB(pid));
    expect(isAlive(pid), 'the Node-RED process is still running').toBe(true);
    expect(failures, `pass ${pass}`).toEqual([]);
  });

  it('per case: every pass held (known gaps are asserted to be still open)', () => {
    const problems: string[] = [];
    for (const c of FAST_CASES) {
      const outcome = outcomes.get(c.id)!;
      const held = heldBy(c, outcome);
      const gap = knownGap(c.id, 'node-red');
      rows.push({ section: 'bad-inputs', runtime: label, case: c.id, tried: c.title, held, figures: describeOutcome(outcome), ...(gap && !held ? { note: gap } : {}) });
      if (gap && held) problems.push(`${c.id}: now holds — remove it from KNOWN_GAPS (${gap.slice(0, 60)}…)`);
      if (!gap && !held) problems.push(`${c.id}: ${describeOutcome(outcome)} (expected ${c.expect.statuses.join('/')}, no message)`);
    }
    expect(problems).toEqual([]);
  });

  it.each(SLOW_CASES.map((c) => [c.id, c] as const))(`%s: ${SLOW_CONNECTIONS} connections at once, each answered 408, no message`, async (_id, c) => {
    const responses = await slowRuns.get(c.id)!;
    await sleep(200);
    const messages = (await counts())[counterKey(c.endpoint, true)] ?? 0;
    const outcome: Outcome = {
      statuses: responses.map((r) => r.status),
      codes: responses.map(codeOf).filter((x): x is string => x !== undefined),
      messages,
      primeStatuses: [],
      ms: responses.map((r) => r.totalMs),
      errors: responses.filter((r) => r.status === undefined).map((r) => r.error ?? 'no answer'),
    };
    const held = heldBy(c, outcome);
    const sentBytes = Math.max(...responses.map((r) => r.bytesSent));
    rows.push({
      section: 'bad-inputs',
      runtime: label,
      case: c.id,
      tried: `${c.title} (${SLOW_CONNECTIONS} connections at once)`,
      held,
      figures: `${describeOutcome(outcome)}, answered after ${Math.round(Math.min(...outcome.ms) / 1000)}–${Math.round(Math.max(...outcome.ms) / 1000)} s, ≤ ${sentBytes} bytes sent`,
    });
    const gap = knownGap(c.id, 'node-red');
    if (gap) return void expect(held, `known gap still open: ${gap}`).toBe(false);
    expect(outcome.errors).toEqual([]);
    for (const status of outcome.statuses) expect(c.expect.statuses).toContain(status);
    expect(messages).toBe(0);
  }, 300_000);

  // Not a pass/fail check (a client choice), a measurement: a client that streams a refused upload without
  // listening may see the reset that follows the early close instead of the 413 (see the report).
  it('oversized uploads from a client that never pauses to listen: how many hear the 413', async () => {
    for (const id of ['body-10mb', 'body-10mb-chunked']) {
      const c = BAD_INPUT_CASES.find((x) => x.id === id)!;
      const tally = new Map<string, number>();
      for (let i = 0; i < EAGER_TRIES; i++) {
        const r = await sendRaw(urlOf(c.endpoint), c, { eager: true });
        const key = r.status !== undefined ? String(r.status) : (r.error ?? 'no answer').split(' ')[0]!;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      }
      const heard = tally.get('413') ?? 0;
      rows.push({
        section: 'runtime-health',
        runtime: label,
        case: `${id}, eager client`,
        tried: `${EAGER_TRIES} × ${c.title}, written as fast as the socket takes it, never pausing to read`,
        held: heard === EAGER_TRIES,
        figures: [...tally].map(([k, n]) => `${k} ×${n}`).join(', '),
        ...(heard === EAGER_TRIES ? {} : { note: EARLY_CLOSE }),
      });
      expect(isAlive(pid)).toBe(true);
    }
  });

  it(`afterwards: same process, a valid request per endpoint gives 200 and one message, RSS within baseline + ${MEMORY_BOUND_MIB} MiB`, async () => {
    const alive = isAlive(pid) && runtime.pid === pid;
    const problems = await validRound();
    await sleep(2000);
    const finalMiB = rssMiB(pid);
    const slowSeconds = Math.round((Date.now() - slowStartedAt) / 1000);
    rows.push({
      section: 'runtime-health',
      runtime: label,
      case: 'process stays up',
      tried: `${PASSES} passes over ${FAST_CASES.length} cases (${PASSES * FAST_CASES.length} requests) while ${SLOW_CASES.length * SLOW_CONNECTIONS} slow-loris connections were open (${slowSeconds} s)`,
      held: alive && problems.length === 0,
      figures: `pid ${pid} unchanged: ${alive}; valid request per endpoint afterwards: ${problems.length === 0 ? `all ${ENDPOINT_IDS.length} answered 200 with exactly one message` : problems.join('; ')}`,
    });
    rows.push({
      section: 'runtime-health',
      runtime: label,
      case: 'memory returns to baseline',
      tried: `RSS (/proc/<pid>/status VmRSS) after warm-up, after each pass, and 2 s after the last; bound: baseline + ${MEMORY_BOUND_MIB} MiB`,
      held: finalMiB <= baselineMiB + MEMORY_BOUND_MIB,
      figures: `baseline ${fmt(baselineMiB)}; after passes ${rssAfterPass.map(fmt).join(', ')}; final ${fmt(finalMiB)} (${finalMiB >= baselineMiB ? '+' : ''}${fmt(finalMiB - baselineMiB)})`,
    });
    console.log(`[hardening] ${label}: RSS baseline ${fmt(baselineMiB)}, after passes ${rssAfterPass.map(fmt).join(', ')}, final ${fmt(finalMiB)}`);
    expect(alive, 'the same Node-RED process is still running').toBe(true);
    expect(problems).toEqual([]);
    expect(finalMiB).toBeLessThanOrEqual(baselineMiB + MEMORY_BOUND_MIB);
  });

  afterAll(async () => {
    await runtime?.stop();
  });
});
