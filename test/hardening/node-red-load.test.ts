/**
 * Load on `devicehook in` in a real Node-RED (4 on Node 20, then 5 on Node 24) with default settings: 20 000 signed requests at
 * concurrency 100, each with its own event id and its own signature (autocannon, test/helpers/load.ts).
 * A function node records the event id of every message it receives into flow context; an `http in`
 * GET endpoint hands the list back. Held when: every id answered 2xx produced exactly one message, and
 * every message's id was answered 2xx. A shorter run mixes in tampered requests: each must get 401 and
 * produce no message, while the rest still arrive exactly once.
 *
 * Scalefusion is the vendor: HMAC over the raw body, no timestamp and no replay list, so 20 000
 * different bodies are 20 000 independent events and nothing but the signature decides the answer.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendors } from '../../shared/src/index';
import { runLoad, sampleRss, signedRequests, type LoadResult } from '../helpers/load';
import { startNodeRed, stopAll, type FlowNode, type NodeRedRuntime } from '../helpers/node-red-runtime';

const MODULE = join(__dirname, '..', '..', 'node-red');
const RESULTS = join(__dirname, 'results', 'node-red-load.json');
const SECRET = 'hardening-load-secret';
const HOOK = '/load/scalefusion';
const AMOUNT = Number(process.env.DEVICEHOOK_LOAD_AMOUNT ?? 20_000);
const CONNECTIONS = 100;
const MIXED_AMOUNT = 2_000;
const TAMPER_EVERY = 5; // every 5th request of the mixed run is tampered with
/** Node-RED majors to load (4 on Node 20, 5 on Node 24); DEVICEHOOK_HARDENING_MAJORS=4 for one. */
const MAJORS = (process.env.DEVICEHOOK_HARDENING_MAJORS ?? '4,5').split(',').map((m) => m.trim()) as Array<'4' | '5'>;

interface ResultRow {
  section: 'load';
  runtime: string;
  case: string;
  tried: string;
  held: boolean;
  figures: string;
}
const rows: ResultRow[] = [];

function flows(): FlowNode[] {
  const sample = vendors.scalefusion.samples['device.locked'];
  expect(sample).toBeDefined();
  // Ids are long on purpose: Node-RED takes any property whose value equals a node id for a reference to
  // that node, so an `http in` with id 'get' (and method 'get') fails with "circular config node dependency".
  return [
    { id: 'loadtab', type: 'tab', label: 'load' },
    { id: 'loadcfg', type: 'devicehook-vendor', vendor: 'scalefusion', credentials: { secret: SECRET } },
    { id: 'loadin', type: 'devicehook in', z: 'loadtab', url: HOOK, vendor: 'loadcfg', types: [], outputs: 1, wires: [['loadrecord']] },
    {
      id: 'loadrecord',
      type: 'function',
      z: 'loadtab',
      name: 'record event id',
      // The memory context store hands back the array itself, so this is one push per message.
      func: "let ids = flow.get('ids');\nif (!ids) { ids = []; flow.set('ids', ids); }\nids.push(String(msg.payload && msg.payload.id));\nreturn null;",
      outputs: 1,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      wires: [[]],
    },
    { id: 'loadidsin', type: 'http in', z: 'loadtab', url: '/load-ids', method: 'get', upload: false, swaggerDoc: '', wires: [['loadidsread']] },
    {
      id: 'loadidsread',
      type: 'function',
      z: 'loadtab',
      name: 'hand back the ids',
      func: "msg.payload = { ids: flow.get('ids') || [] };\nreturn msg;",
      outputs: 1,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      wires: [['loadidsout']],
    },
    { id: 'loadidsout', type: 'http response', z: 'loadtab', statusCode: '', headers: {}, wires: [] },
  ];
}

async function messageIds(runtime: NodeRedRuntime): Promise<string[]> {
  const res = await fetch(`${runtime.url}/load-ids`, { signal: AbortSignal.timeout(30_000) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { ids: string[] }).ids;
}

/** Polls the recorded ids until there are at least `expected` and the count stayed put for `quietMs`. */
async function settledMessageIds(runtime: NodeRedRuntime, expected: number, quietMs = 750, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let ids = await messageIds(runtime);
  let stableSince = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    const next = await messageIds(runtime);
    if (next.length !== ids.length) stableSince = Date.now();
    ids = next;
    if (ids.length >= expected && Date.now() - stableSince >= quietMs) return ids;
    if (Date.now() > deadline) return ids;
  }
}

interface Accounting {
  duplicates: string[];
  /** Answered 2xx, no message. */
  lost: string[];
  /** A message whose id was never answered 2xx. */
  unexplained: string[];
}

function account(result: LoadResult, messages: string[], prefix: string): Accounting {
  const counts = new Map<string, number>();
  for (const id of messages) if (id.startsWith(prefix)) counts.set(id, (counts.get(id) ?? 0) + 1);
  const ok = new Set(result.idsOk);
  return {
    duplicates: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    lost: result.idsOk.filter((id) => !counts.has(id)),
    unexplained: [...counts.keys()].filter((id) => !ok.has(id)),
  };
}

function figures(result: LoadResult, extra: string[] = []): string {
  const l = result.latency;
  return [
    `${result.sent} sent, ${result.ok2xx} × 2xx, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    `${result.rps} req/s over ${(result.durationMs / 1000).toFixed(1)} s`,
    `latency p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms`,
    ...extra,
  ].join('; ');
}

afterAll(async () => {
  await stopAll();
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
});

describe.each(MAJORS)('devicehook in under load: Node-RED %s, default settings', (major) => {
  let runtime: NodeRedRuntime;
  let label = `Node-RED ${major}`;

  beforeAll(async () => {
    runtime = await startNodeRed({ major, modules: [MODULE] });
    await runtime.deploy(flows());
    label = `Node-RED ${runtime.install.version} (Node ${execFileSync(runtime.install.nodeBin, ['--version'], { encoding: 'utf8' }).trim().slice(1)})`;
    // A few requests first, so the first of the 20 000 do not pay for JIT and lazy route setup.
    const warm = signedRequests({ vendor: 'scalefusion', secret: SECRET, prefix: 'warm', body: (id) => ({ ...vendors.scalefusion.samples['device.locked'], id }) });
    await runLoad({ url: `${runtime.url}${HOOK}`, amount: 200, connections: 10, request: warm });
  });
  afterAll(() => runtime?.stop());

  it(`${AMOUNT} signed requests at concurrency ${CONNECTIONS}: every 2xx is exactly one message, every message had a 2xx`, async () => {
    const prefix = 'evt';
    const before = (await messageIds(runtime)).length;
    const rss = sampleRss(runtime.pid);
    const result = await runLoad({
      url: `${runtime.url}${HOOK}`,
      amount: AMOUNT,
      connections: CONNECTIONS,
      request: signedRequests({
        vendor: 'scalefusion',
        secret: SECRET,
        prefix,
        body: (id, seq) => ({ ...vendors.scalefusion.samples['device.locked'], id, created_at: new Date(1_760_000_000_000 + seq * 1000).toISOString() }),
      }),
    });
    const all = await settledMessageIds(runtime, before + result.ok2xx);
    const memory = await rss.stop();
    const books = account(result, all.slice(before), prefix);
    const held = result.ok2xx === AMOUNT && books.duplicates.length === 0 && books.lost.length === 0 && books.unexplained.length === 0;
    const rssText = `Node-RED RSS peak ${memory.peakMiB ?? '?'} MiB, after ${memory.lastMiB ?? '?'} MiB`;
    rows.push({
      section: 'load',
      runtime: label,
      case: 'devicehook in (Scalefusion): every 2xx is exactly one message, every message had a 2xx',
      tried: `${AMOUNT.toLocaleString('en')} requests, each with its own event id and signature, concurrency ${CONNECTIONS} (autocannon)`,
      held,
      figures: figures(result, [
        `${all.length - before} messages: ${books.duplicates.length} duplicated, ${books.lost.length} lost, ${books.unexplained.length} without a 2xx`,
        rssText,
      ]),
    });
    console.log(`[load] ${label}: ${figures(result, [rssText])}`);

    expect(result.sent).toBe(AMOUNT);
    expect(result.statuses).toEqual({ 200: AMOUNT });
    expect(result.errors + result.timeouts).toBe(0);
    expect(books.duplicates).toEqual([]);
    expect(books.lost).toEqual([]);
    expect(books.unexplained).toEqual([]);
    expect(all.length - before).toBe(AMOUNT);
  });

  it(`${MIXED_AMOUNT} requests, every ${TAMPER_EVERY}th tampered with: tampered ones get 401 and no message, the others exactly one`, async () => {
    const prefix = 'mix';
    const before = (await messageIds(runtime)).length;
    const isTampered = (seq: number) => seq % TAMPER_EVERY === TAMPER_EVERY - 1;
    const factory = signedRequests({
      vendor: 'scalefusion',
      secret: SECRET,
      prefix,
      tamper: isTampered,
      body: (id) => ({ ...vendors.scalefusion.samples['device.unlocked'], id }),
    });
    const tampered = new Set<string>();
    const result = await runLoad({
      url: `${runtime.url}${HOOK}`,
      amount: MIXED_AMOUNT,
      connections: CONNECTIONS,
      request: (seq) => {
        const request = factory(seq);
        if (request.tampered) tampered.add(request.id);
        return request;
      },
    });
    const expectedGood = MIXED_AMOUNT - tampered.size;
    const all = await settledMessageIds(runtime, before + expectedGood);
    const messages = all.slice(before);
    const books = account(result, messages, prefix);
    const tamperedAnswers = [...tampered].map((id) => result.idsNot2xx.get(id));
    const tamperedNot401 = [...tampered].filter((id) => result.idsNot2xx.get(id) !== 401);
    // A tampered body carries `<id>x`: such an id among the messages means a forged event got through.
    const forged = messages.filter((id) => id.endsWith('x') || tampered.has(id));
    const goodNot2xx = result.idsNot2xx.size - tamperedAnswers.filter((s) => s !== undefined).length;
    const held =
      tamperedNot401.length === 0 &&
      forged.length === 0 &&
      goodNot2xx === 0 &&
      result.idsOk.length === expectedGood &&
      books.duplicates.length === 0 &&
      books.lost.length === 0 &&
      books.unexplained.length === 0;
    rows.push({
      section: 'load',
      runtime: label,
      case: 'devicehook in: tampered requests mixed into the load get 401 and produce no message',
      tried: `${MIXED_AMOUNT.toLocaleString('en')} requests at concurrency ${CONNECTIONS}, ${tampered.size} of them (every ${TAMPER_EVERY}th) with the body changed after signing`,
      held,
      figures: figures(result, [
        `${tampered.size - tamperedNot401.length}/${tampered.size} tampered answered 401, ${forged.length} reached the flow`,
        `${messages.length} messages for ${result.idsOk.length} × 2xx: ${books.duplicates.length} duplicated, ${books.lost.length} lost`,
      ]),
    });

    expect(tampered.size).toBe(MIXED_AMOUNT / TAMPER_EVERY);
    expect(result.errors + result.timeouts).toBe(0);
    expect(result.statuses).toEqual({ 200: expectedGood, 401: tampered.size });
    expect(tamperedNot401).toEqual([]);
    expect(forged).toEqual([]);
    expect(new Set(result.idsOk)).toEqual(new Set(Array.from({ length: MIXED_AMOUNT }, (_, seq) => `${prefix}-${seq}`).filter((id) => !tampered.has(id))));
    expect(books.duplicates).toEqual([]);
    expect(books.lost).toEqual([]);
    expect(books.unexplained).toEqual([]);
    expect(messages).toHaveLength(expectedGood);
  });
});
