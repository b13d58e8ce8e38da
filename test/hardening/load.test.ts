/**
 * Load on our receiving node in every REAL runtime, written once (test/helpers/runtime.ts): Node-RED 4 on
 * Node 20 and 5 on Node 24 (`devicehook in`, default settings) and n8n 2.8.4 on Node 20 (a trigger in a
 * published workflow "trigger → No Operation", default settings, regular mode, sqlite; n8n keeps every
 * execution: EXECUTIONS_DATA_SAVE_ON_SUCCESS=all and pruning off, its default prunes beyond 10 000).
 *
 * 20 000 signed requests at concurrency 100 (autocannon, test/helpers/load.ts), each event with its own id
 * and its own signature. Held when every id answered 2xx started exactly one run (Node-RED message, n8n
 * execution) and every run carries an id that was answered 2xx (Node-RED: recorded by a function node; n8n:
 * the trigger's output item of each execution, read from its database), and every n8n execution finished
 * successfully. A shorter run mixes in tampered requests: each must get 401 and start nothing, the rest
 * exactly one each.
 *
 * The vendor is one whose events are independent (HMAC, no timestamp, no replay list), so nothing but the
 * signature decides the answer: Scalefusion (HMAC over the raw body) in Node-RED, InHand (HMAC over the
 * Python-style body) in n8n — the vendors these suites have always loaded, kept so their figures compare.
 *
 * Results: test/hardening/results/<kind>-load.json (n8n-load.json, node-red-load.json; section load).
 * Run alone: npm run build && npx vitest run --config vitest.hardening.config.ts test/hardening/load.test.ts
 * Every runtime runs by default; DEVICEHOOK_RUNTIMES=n8n (or node-red, node-red-4, …) picks some,
 * DEVICEHOOK_HARDENING_MAJORS=4 the Node-RED majors; DEVICEHOOK_LOAD_AMOUNT (Node-RED), DEVICEHOOK_N8N_LOAD_AMOUNT
 * and DEVICEHOOK_N8N_LOAD_CONNECTIONS (n8n) the size of the main run; DEVICEHOOK_TIMEOUT_SCALE (default 1)
 * multiplies every time limit on a slow machine (limits only: no timing is asserted).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendors } from '../../shared/src/index';
import { runLoad, sampleRss, signedRequests, type LoadResult } from '../helpers/load';
import { n8nRuntime, nodeRedRuntime, type Run, type Runtime, type RuntimeKind } from '../helpers/runtime';

const MIXED_AMOUNT = 2_000;
const TAMPER_EVERY = 5; // every 5th request of the mixed run is tampered with
const KEY = 'load';
const TIMEOUT_SCALE = Number(process.env.DEVICEHOOK_TIMEOUT_SCALE ?? 1);
const scaled = (ms: number) => Math.round(ms * TIMEOUT_SCALE);

const sampleOf = (vendor: 'inhand-dm' | 'scalefusion', type: string): Record<string, unknown> => {
  const body = (vendors[vendor].samples as Record<string, Record<string, unknown>>)[type];
  if (!body) throw new Error(`no ${vendor} sample for ${type}`);
  return body;
};

interface Profile {
  vendor: 'inhand-dm' | 'scalefusion';
  secret: string;
  /** The event of the main run, the mixed run, and the single requests (warm-up, afterwards). */
  mainEvent: (id: string, seq: number) => Record<string, unknown>;
  mixedEvent: (id: string) => Record<string, unknown>;
  singleEvent: (id: string) => Record<string, unknown>;
  amount: number;
  connections: number;
  /** Per-request timeout of the load client (undefined: load.ts's default). */
  timeoutSeconds?: number;
  /** Label suffix for the results. */
  setting: string;
  /** Waiting for the runs after a load: poll interval, quiet time, limits for the main and the mixed run. */
  pollMs: number;
  quietMs: number;
  mainTimeoutMs: number;
  mixedTimeoutMs: number;
  rssEveryMs: number;
  /** Time limits of the set-up (install, start, warm-up), the main run and the mixed run (scaled). */
  setupMs: number;
  mainTestMs: number;
  mixedTestMs: number;
  /** The words of the results rows. */
  node: string;
}

const TYPES = ['offline', 'online', 'link_change'];

const PROFILES: Readonly<Record<RuntimeKind, Profile>> = {
  'node-red': {
    vendor: 'scalefusion',
    secret: 'hardening-load-secret',
    mainEvent: (id, seq) => ({ ...sampleOf('scalefusion', 'device.locked'), id, created_at: new Date(1_760_000_000_000 + seq * 1000).toISOString() }),
    mixedEvent: (id) => ({ ...sampleOf('scalefusion', 'device.unlocked'), id }),
    singleEvent: (id) => ({ ...sampleOf('scalefusion', 'device.locked'), id }),
    amount: Number(process.env.DEVICEHOOK_LOAD_AMOUNT ?? 20_000),
    connections: 100,
    setting: '',
    pollMs: 150,
    quietMs: 750,
    mainTimeoutMs: 30_000,
    mixedTimeoutMs: 30_000,
    rssEveryMs: 250,
    setupMs: 900_000,
    mainTestMs: 60 * 60_000,
    mixedTestMs: 30 * 60_000,
    node: 'devicehook in (Scalefusion)',
  },
  n8n: {
    vendor: 'inhand-dm',
    secret: 'hardening-n8n-load-secret',
    mainEvent: (id, seq) => ({ ...sampleOf('inhand-dm', TYPES[seq % TYPES.length]!), _id: id, alertAt: new Date(1_760_000_000_000 + seq * 1000).toISOString().replace(/\.\d+Z$/, 'Z') }),
    mixedEvent: (id) => ({ ...sampleOf('inhand-dm', 'online'), _id: id }),
    singleEvent: (id) => ({ ...sampleOf('inhand-dm', 'offline'), _id: id }),
    amount: Number(process.env.DEVICEHOOK_N8N_LOAD_AMOUNT ?? 20_000),
    connections: Number(process.env.DEVICEHOOK_N8N_LOAD_CONNECTIONS ?? 100),
    timeoutSeconds: 60,
    setting: ', regular mode, sqlite',
    pollMs: 500,
    quietMs: 3000,
    mainTimeoutMs: 30 * 60_000,
    mixedTimeoutMs: 10 * 60_000,
    rssEveryMs: 500,
    // The first run installs n8n (npm, up to 30 minutes) before starting it.
    setupMs: 45 * 60_000,
    mainTestMs: 60 * 60_000,
    mixedTestMs: 30 * 60_000,
    node: 'InHand Device Manager trigger',
  },
};

const MAJORS = (process.env.DEVICEHOOK_HARDENING_MAJORS ?? '4,5').split(',').map((m) => m.trim()) as Array<'4' | '5'>;
const ONLY = process.env.DEVICEHOOK_RUNTIMES?.split(',').map((r) => r.trim().toLowerCase());
const RUNTIMES: Array<{ name: string; make: () => Runtime }> = [
  ...MAJORS.map((major) => ({ name: `Node-RED ${major}`, make: () => nodeRedRuntime(major) })),
  /*
   * 2.8.4, not 2.41.1: with its default expression engine ("vm", a pool of one isolate, which n8n takes for the
   * webhook phase of every trigger but its own Webhook node) 2.41.1 takes about 5 requests a second through a
   * community trigger on this 2-core machine (bench/n8n.mjs), so 20 000 would take over an hour; 2.8.4 takes
   * about 45. The bad-input and queue-mode suites run on 2.41.1.
   */
  {
    name: 'n8n 2.8.4',
    make: () =>
      n8nRuntime('2.8.4', {
        // Keep every execution (with its data) for the books: pruning would start above 10 000.
        env: { EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all', EXECUTIONS_DATA_SAVE_ON_ERROR: 'all', EXECUTIONS_DATA_PRUNE: 'false' },
      }),
  },
].filter(({ name }) => !ONLY || ONLY.some((only) => name.toLowerCase().replace(' ', '-').startsWith(only)));

interface ResultRow {
  section: 'load';
  runtime: string;
  case: string;
  tried: string;
  held: boolean;
  figures: string;
}
const rows: Record<RuntimeKind, ResultRow[]> = { n8n: [], 'node-red': [] };
const ran = new Set<RuntimeKind>();

afterAll(() => {
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  for (const kind of ran) writeFileSync(join(__dirname, 'results', `${kind}-load.json`), `${JSON.stringify(rows[kind], null, 2)}\n`);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Accounting {
  runs: number;
  /** Runs without an event id. */
  withoutId: number;
  /** Ids (answered 2xx or not) with more than one run. */
  duplicates: string[];
  /** Answered 2xx, no run. */
  lost: string[];
  /** A run whose id was never answered 2xx. */
  unexplained: string[];
  /** Runs not finished with success (n8n's execution status). */
  notSuccess: Record<string, number>;
}

/** Checks the runs of a load against its answers. */
function account(result: LoadResult, runs: Run[], prefix: string): Accounting {
  const counts = new Map<string, number>();
  let withoutId = 0;
  const notSuccess: Record<string, number> = {};
  for (const run of runs) {
    if (run.status !== 'success') notSuccess[run.status] = (notSuccess[run.status] ?? 0) + 1;
    if (run.id === undefined) {
      withoutId++;
      continue;
    }
    if (run.id.startsWith(prefix)) counts.set(run.id, (counts.get(run.id) ?? 0) + 1);
  }
  const ok = new Set(result.idsOk);
  return {
    runs: runs.length,
    withoutId,
    duplicates: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    lost: result.idsOk.filter((id) => !counts.has(id)),
    unexplained: [...counts.keys()].filter((id) => !ok.has(id)),
    notSuccess,
  };
}

function figures(result: LoadResult, extra: string[] = []): string {
  const l = result.latency;
  return [
    `${result.sent} sent, ${result.ok2xx} × 2xx, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts, statuses ${JSON.stringify(result.statuses)}`,
    `${result.rps} req/s over ${(result.durationMs / 1000).toFixed(1)} s`,
    `latency p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms`,
    ...extra,
  ].join('; ');
}

describe.each(RUNTIMES.map(({ name, make }) => [name, make] as const))('our receiver under load: %s, default settings', (_name, make) => {
  const runtime = make();
  const profile = PROFILES[runtime.kind];
  const unit = runtime.unit;
  const { amount: AMOUNT, connections: CONNECTIONS } = profile;
  const out = rows[runtime.kind];
  ran.add(runtime.kind);
  let url = '';
  let label = '';
  /** Runs of earlier loads (warm-up…), left out of each load's books. */
  let earlier = 0;
  const remember = async () => {
    earlier = (await runtime.counts())[KEY] ?? 0;
  };
  const booksText = (books: Accounting): string => {
    const failed = Object.entries(books.notSuccess).map(([status, n]) => `${n} ${status}`);
    return `${books.runs} ${unit}s: ${books.duplicates.length} duplicated, ${books.lost.length} lost, ${books.unexplained.length} without a 2xx, ${books.withoutId} without an id${runtime.kind === 'n8n' ? `, ${failed.length ? failed.join(', ') : 'all success'}` : ''}`;
  };

  /**
   * Waits until the receiver has at least `expected` runs, none unfinished, and the count has stayed put for
   * `quietMs`; returns the count.
   */
  const settled = async (expected: number, timeoutMs: number, quietMs = profile.quietMs): Promise<number> => {
    const deadline = Date.now() + timeoutMs;
    let last = -1;
    let stableSince = Date.now();
    for (;;) {
      const total = (await runtime.counts())[KEY] ?? 0;
      const pending = await runtime.pending(KEY);
      if (total !== last) {
        last = total;
        stableSince = Date.now();
      }
      if (total >= expected && pending === 0 && Date.now() - stableSince >= quietMs) return total;
      if (Date.now() > deadline) return total;
      await sleep(profile.pollMs);
    }
  };
  const newRuns = async () => (await runtime.received(KEY)).slice(earlier);

  beforeAll(async () => {
    await runtime.start();
    url = (await runtime.deploy([{ key: KEY, vendor: profile.vendor, secret: profile.secret }]))[KEY]!;
    label = `${runtime.label}${profile.setting}`;
    // A few requests first, so the first of the 20 000 do not pay for JIT and lazy loading.
    const warm = signedRequests({ vendor: profile.vendor, secret: profile.secret, prefix: 'warm', body: (id) => profile.singleEvent(id) });
    const result = await runLoad({ url, amount: 200, connections: 10, request: warm });
    expect(result.statuses).toEqual({ 200: 200 });
    await settled(200, 60_000, Math.min(1000, profile.quietMs));
    await remember();
  }, scaled(profile.setupMs));

  afterAll(async () => {
    await runtime.stop();
  });

  it(`${AMOUNT} signed requests at concurrency ${CONNECTIONS}: every 2xx started exactly one ${unit}, every ${unit} had a 2xx`, async () => {
    const prefix = 'evt';
    const rss = sampleRss(runtime.pid, profile.rssEveryMs);
    const result = await runLoad({
      url,
      amount: AMOUNT,
      connections: CONNECTIONS,
      ...(profile.timeoutSeconds ? { timeoutSeconds: profile.timeoutSeconds } : {}),
      request: signedRequests({ vendor: profile.vendor, secret: profile.secret, prefix, body: (id, seq) => profile.mainEvent(id, seq) }),
    });
    const answeredAt = Date.now();
    const total = await settled(earlier + result.ok2xx, profile.mainTimeoutMs);
    const drainSeconds = (Date.now() - answeredAt) / 1000;
    const memory = await rss.stop();
    const readStarted = Date.now();
    const books = account(result, await newRuns(), prefix);
    const readSeconds = (Date.now() - readStarted) / 1000;
    const held =
      result.ok2xx === AMOUNT &&
      books.duplicates.length === 0 &&
      books.lost.length === 0 &&
      books.unexplained.length === 0 &&
      books.withoutId === 0 &&
      Object.keys(books.notSuccess).length === 0;
    const rssText = `${runtime.kind} RSS peak ${memory.peakMiB ?? '?'} MiB, at the end ${memory.lastMiB ?? '?'} MiB`;
    const extra = [booksText(books), `the last ${unit} arrived ${drainSeconds.toFixed(1)} s after the last answer (${total} in all)`, rssText];
    out.push({
      section: 'load',
      runtime: label,
      case: `${profile.node}: every 2xx is exactly one ${unit}, every ${unit} had a 2xx`,
      tried: `${AMOUNT.toLocaleString('en')} requests, each event with its own id and signature, concurrency ${CONNECTIONS} (autocannon); ${unit}s read back (${readSeconds.toFixed(0)} s)`,
      held,
      figures: figures(result, extra),
    });
    console.log(`[load] ${label}: ${figures(result, extra)}`);
    await remember();

    expect(result.sent).toBe(AMOUNT);
    expect(result.errors + result.timeouts, 'connection errors and timeouts').toBe(0);
    expect(result.statuses).toEqual({ 200: AMOUNT });
    expect(books.duplicates).toEqual([]);
    expect(books.lost).toEqual([]);
    expect(books.unexplained).toEqual([]);
    expect(books.withoutId).toBe(0);
    expect(books.notSuccess).toEqual({});
    expect(books.runs).toBe(AMOUNT);
  }, scaled(profile.mainTestMs));

  it(`${MIXED_AMOUNT} requests, every ${TAMPER_EVERY}th tampered with: tampered ones get 401 and start nothing, the others exactly one ${unit}`, async () => {
    const prefix = 'mix';
    const isTampered = (seq: number) => seq % TAMPER_EVERY === TAMPER_EVERY - 1;
    const factory = signedRequests({ vendor: profile.vendor, secret: profile.secret, prefix, tamper: isTampered, body: (id) => profile.mixedEvent(id) });
    const tampered = new Set<string>();
    const result = await runLoad({
      url,
      amount: MIXED_AMOUNT,
      connections: CONNECTIONS,
      ...(profile.timeoutSeconds ? { timeoutSeconds: profile.timeoutSeconds } : {}),
      request: (seq) => {
        const request = factory(seq);
        if (request.tampered) tampered.add(request.id);
        return request;
      },
    });
    const expectedGood = MIXED_AMOUNT - tampered.size;
    await settled(earlier + expectedGood, profile.mixedTimeoutMs);
    const runs = await newRuns();
    const books = account(result, runs, prefix);
    const tamperedNot401 = [...tampered].filter((id) => result.idsNot2xx.get(id) !== 401);
    // A tampered body carries `<id>x`: a run with such an id (or a tampered id) means a forged event got through.
    const forged = runs.map((r) => r.id).filter((id): id is string => id !== undefined && (id.endsWith('x') || tampered.has(id)));
    const goodNot2xx = [...result.idsNot2xx.keys()].filter((id) => !tampered.has(id));
    const held =
      tamperedNot401.length === 0 &&
      forged.length === 0 &&
      goodNot2xx.length === 0 &&
      result.idsOk.length === expectedGood &&
      books.duplicates.length === 0 &&
      books.lost.length === 0 &&
      books.unexplained.length === 0;
    out.push({
      section: 'load',
      runtime: label,
      case: `${profile.node}: tampered requests mixed into the load get 401 and start no ${unit}`,
      tried: `${MIXED_AMOUNT.toLocaleString('en')} requests at concurrency ${CONNECTIONS}, ${tampered.size} of them (every ${TAMPER_EVERY}th) with the body changed after signing`,
      held,
      figures: figures(result, [`${tampered.size - tamperedNot401.length}/${tampered.size} tampered answered 401, ${forged.length} started a ${unit}`, booksText(books)]),
    });
    await remember();

    expect(tampered.size).toBe(MIXED_AMOUNT / TAMPER_EVERY);
    expect(result.errors + result.timeouts).toBe(0);
    expect(result.statuses).toEqual({ 200: expectedGood, 401: tampered.size });
    expect(tamperedNot401).toEqual([]);
    expect(forged).toEqual([]);
    expect(new Set(result.idsOk)).toEqual(new Set(Array.from({ length: MIXED_AMOUNT }, (_, seq) => `${prefix}-${seq}`).filter((id) => !tampered.has(id))));
    expect(books.duplicates).toEqual([]);
    expect(books.lost).toEqual([]);
    expect(books.unexplained).toEqual([]);
    expect(books.runs).toBe(expectedGood);
  }, scaled(profile.mixedTestMs));

  it(`the runtime is the same process afterwards and still answers`, async () => {
    const pid = runtime.pid;
    const single = signedRequests({ vendor: profile.vendor, secret: profile.secret, prefix: 'after', body: (id) => profile.singleEvent(id) });
    const result = await runLoad({ url, amount: 1, connections: 1, request: single });
    expect(result.statuses).toEqual({ 200: 1 });
    expect(await settled(earlier + 1, 30_000, 500)).toBeGreaterThanOrEqual(earlier + 1);
    expect(runtime.pid).toBe(pid);
  });
});
