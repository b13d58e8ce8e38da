/**
 * Load on the InHand Device Manager trigger in a REAL n8n 2.8.4 on Node 20 (test/helpers/n8n-runtime.ts),
 * default settings, regular mode, sqlite: 20 000 signed requests at concurrency 100 (autocannon, test/helpers/load.ts), each
 * alert with its own `_id` (the normalized event's `id`) and its own signature, into a published workflow
 * InHand trigger → No Operation. Held when every id answered 2xx started exactly one execution and every
 * execution's trigger output carries an id that was answered 2xx (read from n8n's database: the trigger's
 * output item of each execution), and every execution finished successfully. n8n keeps them all:
 * EXECUTIONS_DATA_SAVE_ON_SUCCESS=all and pruning off (its default prunes beyond 10 000 executions).
 * A shorter run mixes in tampered requests: each must get 401 and start nothing, the rest exactly one each.
 *
 * InHand is the vendor: HMAC over the Python-style body, no timestamp and no replay list, so 20 000
 * different alerts are 20 000 independent events and nothing but the signature decides the answer.
 *
 * Results: test/hardening/results/n8n-load.json (section load).
 * Run alone: npm run build && npx vitest run --config vitest.hardening.config.ts test/hardening/n8n-load.test.ts
 * DEVICEHOOK_N8N_LOAD_AMOUNT / DEVICEHOOK_N8N_LOAD_CONNECTIONS change the size of the main run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendors } from '../../shared/src/index';
import { runLoad, sampleRss, signedRequests, type LoadResult } from '../helpers/load';
import { NODE_TYPE_PREFIX, startN8n, stopAllN8n, type N8nRuntime, type N8nWorkflow } from '../helpers/n8n-runtime';
import { executionCounts, executionStatuses } from '../helpers/n8n-sqlite';

const RESULTS = join(__dirname, 'results', 'n8n-load.json');
/**
 * 2.8.4, not 2.41.1: with its default expression engine ("vm", a pool of one isolate, which n8n takes for the
 * webhook phase of every trigger but its own Webhook node) 2.41.1 takes about 5 requests a second through a
 * community trigger on this 2-core machine (bench/n8n.mjs), so 20 000 would take over an hour; 2.8.4 takes
 * about 45. The bad-input and queue-mode suites run on 2.41.1.
 */
const VERSION = '2.8.4' as const;
const SECRET = 'hardening-n8n-load-secret';
const AMOUNT = Number(process.env.DEVICEHOOK_N8N_LOAD_AMOUNT ?? 20_000);
const CONNECTIONS = Number(process.env.DEVICEHOOK_N8N_LOAD_CONNECTIONS ?? 100);
const MIXED_AMOUNT = 2_000;
const TAMPER_EVERY = 5;
/** Per-request timeout of the load client. */
const TIMEOUT_SECONDS = 60;
const WORKFLOW_ID = 'hardeningLoad001';
const WEBHOOK_ID = 'b10ad000-0000-4000-8000-000000000001';

interface ResultRow {
  section: 'load';
  runtime: string;
  case: string;
  tried: string;
  held: boolean;
  figures: string;
  note?: string;
}
const rows: ResultRow[] = [];

function loadWorkflow(): N8nWorkflow {
  return {
    id: WORKFLOW_ID,
    name: 'hardening load: InHand',
    nodes: [
      {
        id: 'load-trigger',
        name: 'Trigger',
        type: `${NODE_TYPE_PREFIX}inHandDeviceManagerTrigger`,
        typeVersion: 1,
        position: [0, 0],
        webhookId: WEBHOOK_ID,
        parameters: { eventTypes: [], routeByType: false, output: 'event', allowUnsigned: false, options: {} },
        credentials: { inHandWebhookApi: { id: 'hardeningLoadCr1', name: 'hardening load inhand' } },
      },
      { id: 'load-noop', name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [300, 0], parameters: {} },
    ],
    connections: { Trigger: { main: [[{ node: 'Done', type: 'main', index: 0 }]] } },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the workflow has at least `expected` executions, none of them still new or running, and the
 * count has stayed put for `quietMs`; returns the counts by status.
 */
async function settledStatuses(runtime: N8nRuntime, expected: number, timeoutMs: number, quietMs = 3000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const statuses = await executionStatuses(runtime.userFolder, WORKFLOW_ID);
    const total = Object.values(statuses).reduce((a, b) => a + b, 0);
    const pending = (statuses.new ?? 0) + (statuses.running ?? 0) + (statuses.waiting ?? 0);
    if (total !== last) {
      last = total;
      stableSince = Date.now();
    }
    if (total >= expected && pending === 0 && Date.now() - stableSince >= quietMs) return statuses;
    if (Date.now() > deadline) return statuses;
    await sleep(500);
  }
}

interface Accounting {
  executions: number;
  /** Executions whose trigger output has no id. */
  withoutId: number;
  /** Ids (answered 2xx or not) with more than one execution. */
  duplicates: string[];
  /** Answered 2xx, no execution. */
  lost: string[];
  /** An execution whose id was never answered 2xx. */
  unexplained: string[];
  /** Executions not finished with success. */
  notSuccess: Record<string, number>;
}

/** Reads every execution of the workflow (its trigger output) and checks it against the answers. */
async function account(runtime: N8nRuntime, result: LoadResult, prefix: string, skipIds: ReadonlySet<number>): Promise<Accounting> {
  const all = (await runtime.executions(WORKFLOW_ID)).filter((e) => !skipIds.has(e.id));
  const counts = new Map<string, number>();
  let withoutId = 0;
  const notSuccess: Record<string, number> = {};
  for (const execution of all) {
    if (execution.status !== 'success') notSuccess[execution.status] = (notSuccess[execution.status] ?? 0) + 1;
    const id = execution.outputs.Trigger?.[0]?.[0]?.id;
    if (typeof id !== 'string') {
      withoutId++;
      continue;
    }
    if (id.startsWith(prefix)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const ok = new Set(result.idsOk);
  return {
    executions: all.length,
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

function booksText(books: Accounting): string {
  const failed = Object.entries(books.notSuccess).map(([status, n]) => `${n} ${status}`);
  return `${books.executions} executions: ${books.duplicates.length} duplicated, ${books.lost.length} lost, ${books.unexplained.length} without a 2xx, ${books.withoutId} without an id, ${failed.length ? failed.join(', ') : 'all success'}`;
}

const sample = (type: string) => {
  const body = (vendors['inhand-dm'].samples as Record<string, Record<string, unknown>>)[type];
  if (!body) throw new Error(`no InHand sample for ${type}`);
  return body;
};

afterAll(async () => {
  await stopAllN8n();
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
});

describe(`InHand trigger under load: n8n ${VERSION}, regular mode`, () => {
  let runtime: N8nRuntime;
  let label = `n8n ${VERSION}`;
  let url = '';
  /** Executions of earlier runs (warm-up…), left out of each run's books. */
  let earlier = new Set<number>();
  const remember = async () => {
    earlier = new Set((await runtime.executions(WORKFLOW_ID)).map((e) => e.id));
  };

  beforeAll(async () => {
    runtime = await startN8n({
      version: VERSION,
      credentials: [{ id: 'hardeningLoadCr1', name: 'hardening load inhand', type: 'inHandWebhookApi', data: { secret: SECRET, previousSecret: '' } }],
      workflows: [loadWorkflow()],
      env: {
        // Keep every execution (with its data) for the books: pruning would start above 10 000.
        EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
        EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
        EXECUTIONS_DATA_PRUNE: 'false',
      },
    });
    url = runtime.webhookUrl(WEBHOOK_ID);
    label = `n8n ${runtime.install.version} (Node ${runtime.install.nodeVersion.replace(/^v/, '')}), regular mode, sqlite`;
    // A few requests first, so the first of the 20 000 do not pay for JIT and lazy loading.
    const warm = signedRequests({ vendor: 'inhand-dm', secret: SECRET, prefix: 'warm', body: (id) => ({ ...sample('offline'), _id: id }) });
    const result = await runLoad({ url, amount: 200, connections: 10, request: warm });
    expect(result.statuses).toEqual({ 200: 200 });
    await settledStatuses(runtime, 200, 60_000, 1000);
    await remember();
  }, 900_000);

  it(`${AMOUNT} signed requests at concurrency ${CONNECTIONS}: every 2xx started exactly one execution, every execution had a 2xx`, async () => {
    const prefix = 'evt';
    const rss = sampleRss(runtime.pid, 500);
    const types = ['offline', 'online', 'link_change'];
    const result = await runLoad({
      url,
      amount: AMOUNT,
      connections: CONNECTIONS,
      timeoutSeconds: TIMEOUT_SECONDS,
      request: signedRequests({
        vendor: 'inhand-dm',
        secret: SECRET,
        prefix,
        body: (id, seq) => ({ ...sample(types[seq % types.length]!), _id: id, alertAt: new Date(1_760_000_000_000 + seq * 1000).toISOString().replace(/\.\d+Z$/, 'Z') }),
      }),
    });
    const answeredAt = Date.now();
    const statuses = await settledStatuses(runtime, earlier.size + result.ok2xx, 30 * 60_000);
    const drainSeconds = (Date.now() - answeredAt) / 1000;
    const memory = await rss.stop();
    const readStarted = Date.now();
    const books = await account(runtime, result, prefix, earlier);
    const readSeconds = (Date.now() - readStarted) / 1000;
    const held =
      result.ok2xx === AMOUNT &&
      books.duplicates.length === 0 &&
      books.lost.length === 0 &&
      books.unexplained.length === 0 &&
      books.withoutId === 0 &&
      Object.keys(books.notSuccess).length === 0;
    const rssText = `n8n RSS peak ${memory.peakMiB ?? '?'} MiB, at the end ${memory.lastMiB ?? '?'} MiB`;
    const extra = [
      booksText(books),
      `last execution finished ${drainSeconds.toFixed(1)} s after the last answer; statuses in the database ${JSON.stringify(statuses)}`,
      rssText,
    ];
    rows.push({
      section: 'load',
      runtime: label,
      case: 'InHand Device Manager trigger: every 2xx is exactly one execution, every execution had a 2xx',
      tried: `${AMOUNT.toLocaleString('en')} requests, each alert with its own _id and signature, concurrency ${CONNECTIONS} (autocannon), into InHand trigger → No Operation; executions read back from the database (${readSeconds.toFixed(0)} s)`,
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
    expect(books.executions).toBe(AMOUNT);
  }, 60 * 60_000);

  it(`${MIXED_AMOUNT} requests, every ${TAMPER_EVERY}th tampered with: tampered ones get 401 and start nothing, the others exactly one execution`, async () => {
    const prefix = 'mix';
    const isTampered = (seq: number) => seq % TAMPER_EVERY === TAMPER_EVERY - 1;
    const factory = signedRequests({ vendor: 'inhand-dm', secret: SECRET, prefix, tamper: isTampered, body: (id) => ({ ...sample('online'), _id: id }) });
    const tampered = new Set<string>();
    const result = await runLoad({
      url,
      amount: MIXED_AMOUNT,
      connections: CONNECTIONS,
      timeoutSeconds: TIMEOUT_SECONDS,
      request: (seq) => {
        const request = factory(seq);
        if (request.tampered) tampered.add(request.id);
        return request;
      },
    });
    const expectedGood = MIXED_AMOUNT - tampered.size;
    await settledStatuses(runtime, earlier.size + expectedGood, 10 * 60_000);
    const books = await account(runtime, result, prefix, earlier);
    const tamperedNot401 = [...tampered].filter((id) => result.idsNot2xx.get(id) !== 401);
    // A tampered body carries `<id>x`: an execution with such an id (or a tampered id) means a forged alert got through.
    const all = (await runtime.executions(WORKFLOW_ID)).filter((e) => !earlier.has(e.id));
    const forged = all.map((e) => e.outputs.Trigger?.[0]?.[0]?.id).filter((id): id is string => typeof id === 'string' && (id.endsWith('x') || tampered.has(id)));
    const goodNot2xx = [...result.idsNot2xx.keys()].filter((id) => !tampered.has(id));
    const held =
      tamperedNot401.length === 0 &&
      forged.length === 0 &&
      goodNot2xx.length === 0 &&
      result.idsOk.length === expectedGood &&
      books.duplicates.length === 0 &&
      books.lost.length === 0 &&
      books.unexplained.length === 0;
    rows.push({
      section: 'load',
      runtime: label,
      case: 'InHand trigger: tampered requests mixed into the load get 401 and start no execution',
      tried: `${MIXED_AMOUNT.toLocaleString('en')} requests at concurrency ${CONNECTIONS}, ${tampered.size} of them (every ${TAMPER_EVERY}th) with the body changed after signing`,
      held,
      figures: figures(result, [`${tampered.size - tamperedNot401.length}/${tampered.size} tampered answered 401, ${forged.length} started an execution`, booksText(books)]),
    });
    await remember();

    expect(tampered.size).toBe(MIXED_AMOUNT / TAMPER_EVERY);
    expect(result.errors + result.timeouts).toBe(0);
    expect(result.statuses).toEqual({ 200: expectedGood, 401: tampered.size });
    expect(tamperedNot401).toEqual([]);
    expect(forged).toEqual([]);
    expect(books.duplicates).toEqual([]);
    expect(books.lost).toEqual([]);
    expect(books.unexplained).toEqual([]);
    expect(books.executions).toBe(expectedGood);
  }, 30 * 60_000);

  it('n8n is the same process afterwards and still answers', async () => {
    const pid = runtime.pid;
    const counts = await executionCounts(runtime.userFolder);
    const single = signedRequests({ vendor: 'inhand-dm', secret: SECRET, prefix: 'after', body: (id) => ({ ...sample('offline'), _id: id }) });
    const result = await runLoad({ url, amount: 1, connections: 1, request: single });
    expect(result.statuses).toEqual({ 200: 1 });
    await settledStatuses(runtime, (counts[WORKFLOW_ID] ?? 0) + 1, 30_000, 500);
    expect(runtime.pid).toBe(pid);
  });
});
