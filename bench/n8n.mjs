#!/usr/bin/env node
/**
 * Requests per second and latency through our InHand Device Manager trigger (verifying a valid
 * signature on every request) vs n8n's own Webhook node (POST, respond immediately), in the same real
 * n8n (2.41.1 on Node 24 by default), with the same workflow shape (trigger → one No Operation node) and
 * the same body. Every request starts and saves an execution in every workflow, as in production. The
 * load comes from a child process with a keep-alive agent; after a warm-up the targets run in
 * alternating rounds, and the medians are compared.
 *
 * Two rates per target: "answered" (requests over the time the sender waited for its answers) and "with
 * executions saved" (over the time until the last of their executions was saved; each run waits for that
 * before the next starts). Both targets answer once n8n has registered the execution (onReceived), so the
 * two agree unless executions pile up behind the answers.
 *
 * A second reference is the Webhook node with Header Auth (a credential read per request, as our trigger
 * reads its secret): n8n 2.40 resolves every credential read in a webhook through its expression isolate
 * (pool of 1 by default), and skips the isolate altogether for the plain Webhook node only.
 *   npm run build && node bench/n8n.mjs
 * Environment: BENCH_REQUESTS (per round, default 300), BENCH_CONCURRENCY (default 32), BENCH_ROUNDS
 * (default 3), BENCH_WARMUP (default 50), BENCH_N8N_VERSION (2.41.1 or 2.8.4), BENCH_N8N_ENV (JSON of
 * extra n8n environment, e.g. '{"N8N_EXPRESSION_ENGINE":"legacy"}'), BENCH_PACKAGE_DIR (the built package to
 * install, default this repository: package.json + dist/), BENCH_N8N_QUEUE=1 (queue mode: n8n's main process,
 * two webhook processors and one worker on PostgreSQL and Redis, from test/helpers/n8n-queue.ts; requests
 * alternate between the two webhook processors), BENCH_N8N_COUNT_ISOLATES=0 (skip the isolate counter).
 * The first run installs n8n (see test/helpers/n8n-runtime.ts).
 *
 * Isolate counter: every n8n process gets bench/n8n-isolate-counter.cjs preloaded (NODE_OPTIONS, this
 * benchmark only), which counts Expression.prototype.acquireIsolate calls, scopes/bridges acquired and
 * isolates built; the warm-up of each target reports them per request (results: `isolates`).
 */
import { fork } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const require = createRequire(import.meta.url);

// n8n 2.41.1 takes about 5 requests a second through a community trigger here (see the README), so the
// default rounds are small enough for the whole run to take about ten minutes.
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 50);
const EXTRA_ENV = JSON.parse(process.env.BENCH_N8N_ENV ?? '{}');
const VERSION = process.env.BENCH_N8N_VERSION ?? '2.41.1';
const GOAL = 0.9;
const GOAL_DIY = 1.0;
// The trigger's version in the workflow: 1.1 (what a new node gets) or 1 (older workflows; n8n then
// evaluates an expression of its own on every request).
const TRIGGER_VERSION = Number(process.env.BENCH_TRIGGER_VERSION ?? 1.1);
const QUEUE = process.env.BENCH_N8N_QUEUE === '1';
const COUNT_ISOLATES = process.env.BENCH_N8N_COUNT_ISOLATES !== '0';

if (process.argv[2] === '--load') {
  // The load generator (child process): POSTs `count` requests at `concurrency`, reports req/s and latencies.
  process.on('message', async ({ url, body, headers, count, concurrency }) => {
    // One URL, or several (queue mode: the webhook processors) taken in turn, request by request.
    const urls = Array.isArray(url) ? url : [url];
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const payload = Buffer.from(body, 'base64');
    const latencies = [];
    const statuses = {};
    let next = 0;
    const one = (i) =>
      new Promise((resolve) => {
        const started = process.hrtime.bigint();
        const req = http.request(urls[i % urls.length], { method: 'POST', agent, headers: { ...headers, 'Content-Length': payload.length } }, (res) => {
          res.resume();
          res.on('end', () => {
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            resolve();
          });
        });
        req.on('error', (err) => {
          statuses[err.code ?? 'error'] = (statuses[err.code ?? 'error'] ?? 0) + 1;
          resolve();
        });
        req.end(payload);
      });
    const worker = async () => {
      while (next < count) await one(next++);
    };
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    latencies.sort((a, b) => a - b);
    agent.destroy();
    const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? NaN;
    process.send({ rps: count / seconds, ok: statuses[200] ?? 0, statuses, p50: at(0.5), p99: at(0.99) });
  });
} else {
  // The harness is TypeScript (it is shared with the e2e suite): bundle it for plain Node.
  const { build } = require('esbuild');
  // Queue mode: n8n-queue.ts's exported API only (startQueueStack, stopAllQueueStacks), plus process-kit
  // for the second webhook processor.
  const harnessFile = join(tmpdir(), `devicehook-bench-n8n-harness-${process.pid}.mjs`);
  const harnessEntry = join(tmpdir(), `devicehook-bench-n8n-entry-${process.pid}.ts`);
  writeFileSync(
    harnessEntry,
    [
      `export { startN8n, stopAllN8n, NODE_TYPE_PREFIX, ensureN8n } from ${JSON.stringify(join(root, 'test/helpers/n8n-runtime.ts'))};`,
      `export { startQueueStack, stopAllQueueStacks, QUEUE_ENCRYPTION_KEY } from ${JSON.stringify(join(root, 'test/helpers/n8n-queue.ts'))};`,
      `export { spawnServer, terminateGroup, freePort, childEnv, N8N_VARIABLES } from ${JSON.stringify(join(root, 'test/helpers/process-kit.ts'))};`,
    ].join('\n'),
  );
  await build({ entryPoints: [harnessEntry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: harnessFile, logLevel: 'warning' });
  const harness = await import(pathToFileURL(harnessFile).href);
  const { startN8n, stopAllN8n, NODE_TYPE_PREFIX } = harness;
  rmSync(harnessFile, { force: true });
  rmSync(harnessEntry, { force: true });
  const core = require('../shared');

  const SECRET = 'bench-secret';
  const TRIGGER_HOOK = 'b3bcb3bc-0000-4000-8000-000000000001';
  const WEBHOOK_HOOK = 'b3bcb3bc-0000-4000-8000-000000000002';
  const WEBHOOK_PATH = 'bench-n8n-webhook';
  const AUTH_HOOK = 'b3bcb3bc-0000-4000-8000-000000000003';
  const AUTH_PATH = 'bench-n8n-webhook-auth';
  const DIY_HOOK = 'b3bcb3bc-0000-4000-8000-000000000004';
  const DIY_PATH = 'bench-n8n-diy';
  const noop = { id: 'noop', name: 'No Operation', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [250, 0], parameters: {} };
  const connections = (from) => ({ [from]: { main: [[{ node: 'No Operation', type: 'main', index: 0 }]] } });
  const workflows = [
    {
      id: 'benchDeviceHook1',
      name: 'bench devicehook trigger',
      nodes: [
        {
          id: 'trigger',
          name: 'InHand',
          type: `${NODE_TYPE_PREFIX}inHandDeviceManagerTrigger`,
          typeVersion: TRIGGER_VERSION,
          position: [0, 0],
          webhookId: TRIGGER_HOOK,
          parameters: { eventTypes: [], routeByType: false, output: 'event', allowUnsigned: false, options: {} },
          credentials: { inHandWebhookApi: { id: 'benchInHandCred1', name: 'bench InHand' } },
        },
        noop,
      ],
      connections: connections('InHand'),
    },
    {
      id: 'benchN8nWebhook1',
      name: 'bench n8n webhook',
      nodes: [
        {
          id: 'webhook',
          name: 'Webhook',
          type: 'n8n-nodes-base.webhook',
          typeVersion: 2,
          position: [0, 0],
          webhookId: WEBHOOK_HOOK,
          parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'onReceived', options: {} },
        },
        noop,
      ],
      connections: connections('Webhook'),
    },
    {
      id: 'benchN8nHookAuth',
      name: 'bench n8n webhook with header auth',
      nodes: [
        {
          id: 'webhook',
          name: 'Webhook',
          type: 'n8n-nodes-base.webhook',
          typeVersion: 2,
          position: [0, 0],
          webhookId: AUTH_HOOK,
          parameters: { httpMethod: 'POST', path: AUTH_PATH, authentication: 'headerAuth', responseMode: 'onReceived', options: {} },
          credentials: { httpHeaderAuth: { id: 'benchHeaderAuth1', name: 'bench header auth' } },
        },
        noop,
      ],
      connections: connections('Webhook'),
    },
    {
      // The same check done by hand with n8n's own nodes: Webhook (Raw Body) → Crypto (HMAC-SHA256 of the
      // raw bytes, base64, secret from a Crypto credential) → IF (equal to the X-Signature header) → No
      // Operation on the true branch. Answers at once like the others (a refusal would need Respond to
      // Webhook, which only makes it slower).
      id: 'benchN8nDiy0001',
      name: 'bench n8n do-it-yourself verification',
      nodes: [
        {
          id: 'webhook',
          name: 'Webhook',
          type: 'n8n-nodes-base.webhook',
          typeVersion: 2,
          position: [0, 0],
          webhookId: DIY_HOOK,
          parameters: { httpMethod: 'POST', path: DIY_PATH, responseMode: 'onReceived', options: { rawBody: true } },
        },
        {
          id: 'crypto',
          name: 'Crypto',
          type: 'n8n-nodes-base.crypto',
          typeVersion: 2,
          position: [250, 0],
          parameters: { action: 'hmac', binaryData: true, binaryPropertyName: 'data', type: 'SHA256', encoding: 'base64', dataPropertyName: 'computed' },
          credentials: { crypto: { id: 'benchCryptoCred1', name: 'bench crypto' } },
        },
        {
          id: 'if',
          name: 'If',
          type: 'n8n-nodes-base.if',
          typeVersion: 2.2,
          position: [500, 0],
          parameters: {
            conditions: {
              options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
              conditions: [
                { id: 'c1', leftValue: '={{ $json.computed }}', rightValue: "={{ $json.headers['x-signature'] }}", operator: { type: 'string', operation: 'equals' } },
              ],
              combinator: 'and',
            },
            options: {},
          },
        },
        { ...noop, position: [750, 0] },
      ],
      connections: {
        Webhook: { main: [[{ node: 'Crypto', type: 'main', index: 0 }]] },
        Crypto: { main: [[{ node: 'If', type: 'main', index: 0 }]] },
        If: { main: [[{ node: 'No Operation', type: 'main', index: 0 }], []] },
      },
    },
  ];

  // One body and one set of headers for all: the InHand signature is also the header the Header Auth checks.
  const signed = core.sign({ vendor: 'inhand-dm', body: core.vendors['inhand-dm'].samples.offline, secret: SECRET });
  const headers = signed.headers; // with Content-Type
  const credentials = [
    { id: 'benchInHandCred1', name: 'bench InHand', type: 'inHandWebhookApi', data: { secret: SECRET } },
    { id: 'benchHeaderAuth1', name: 'bench header auth', type: 'httpHeaderAuth', data: { name: 'X-Signature', value: signed.headers['X-Signature'] } },
    { id: 'benchCryptoCred1', name: 'bench crypto', type: 'crypto', data: { hmacSecret: SECRET } },
  ];
  // The isolate counter (benchmark only): preloaded into every n8n process, totals per process in counterDir.
  const counterDir = COUNT_ISOLATES ? mkdtempSync(join(tmpdir(), 'devicehook-bench-isolates-')) : undefined;
  const counterEnv = counterDir ? { NODE_OPTIONS: `--require ${join(here, 'n8n-isolate-counter.cjs')}`, BENCH_N8N_COUNTER_DIR: counterDir } : {};
  const readCounters = () => {
    const total = { acquireIsolate: 0, acquired: 0, built: 0, buildMs: 0 };
    const byRole = {};
    if (!counterDir) return { total, byRole };
    for (const f of readdirSync(counterDir)) {
      let c;
      try {
        c = JSON.parse(readFileSync(join(counterDir, f), 'utf8'));
      } catch {
        continue; // being written
      }
      const role = (byRole[c.role] ??= { acquireIsolate: 0, acquired: 0, built: 0, buildMs: 0 });
      for (const k of Object.keys(total)) {
        total[k] += c[k];
        role[k] += c[k];
      }
    }
    return { total, byRole };
  };

  let targets;
  let executionCounts;
  let logs;
  let nodeVersion;
  let baseUrl;
  let stopServers;
  const queueInfo = QUEUE ? { webhookProcessors: 2, workers: 1, workerConcurrency: 10 } : undefined;
  if (!QUEUE) {
    const runtime = await startN8n({ version: VERSION, packageDir: process.env.BENCH_PACKAGE_DIR ?? root, credentials, workflows, env: { ...EXTRA_ENV, ...counterEnv } });
    targets = {
      devicehook: runtime.webhookUrl(TRIGGER_HOOK),
      webhook: `${runtime.url}/webhook/${WEBHOOK_PATH}`,
      'webhook+auth': `${runtime.url}/webhook/${AUTH_PATH}`,
      diy: `${runtime.url}/webhook/${DIY_PATH}`,
    };
    executionCounts = (id) => runtime.executionCounts(id);
    logs = () => runtime.logs();
    nodeVersion = runtime.install.nodeVersion;
    baseUrl = runtime.url;
    stopServers = () => stopAllN8n();
  } else {
    // Queue mode (n8n's docs: main + webhook processors + workers on PostgreSQL and Redis). The harness
    // starts main, one webhook processor and one worker; the second webhook processor is started here
    // with the first one's environment (read from /proc), on its own port and in a copy of its user folder.
    const packDir = mkdtempSync(join(tmpdir(), 'devicehook-bench-pack-'));
    const { execFileSync } = await import('node:child_process');
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir, resolvePath(process.env.BENCH_PACKAGE_DIR ?? root)], { cwd: packDir, encoding: 'utf8', env: harness.childEnv() }));
    const tarball = join(packDir, packed[0].filename);
    let stack;
    let second;
    let secondFolder;
    stopServers = async () => {
      if (second) await harness.terminateGroup(second, 20_000).catch(() => undefined);
      if (secondFolder) rmSync(secondFolder, { recursive: true, force: true });
      await harness.stopAllQueueStacks();
      rmSync(packDir, { recursive: true, force: true });
    };
    try {
      stack = await harness.startQueueStack({ version: VERSION, credentials, workflows, env: { ...EXTRA_ENV, ...counterEnv }, workerConcurrency: queueInfo.workerConcurrency, tarball });
      const env = Object.fromEntries(
        readFileSync(`/proc/${stack.webhook.pid}/environ`, 'utf8')
          .split('\0')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      const avoid = new Set([5678, 5679, 1880, 5432, 6379, stack.main.port, stack.webhook.port, stack.worker.port, stack.redis.port, stack.postgres.port, Number(env.N8N_RUNNERS_BROKER_PORT)]);
      const port = await harness.freePort(avoid);
      avoid.add(port);
      const brokerPort = await harness.freePort(avoid);
      secondFolder = mkdtempSync(join(tmpdir(), 'devicehook-bench-webhook2-'));
      cpSync(stack.webhook.userFolder, secondFolder, { recursive: true });
      let log = '';
      second = harness.spawnServer(stack.install.nodeBin, [stack.install.n8nBin, 'webhook'], {
        cwd: secondFolder,
        env: { ...env, N8N_PORT: String(port), N8N_RUNNERS_BROKER_PORT: String(brokerPort), N8N_USER_FOLDER: secondFolder },
        graceMs: 20_000,
        cleanup: [secondFolder],
      });
      second.stdout?.on('data', (c) => (log = (log + c).slice(-1_000_000)));
      second.stderr?.on('data', (c) => (log = (log + c).slice(-1_000_000)));
      const url2 = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 300_000;
      for (;;) {
        if (second.exitCode !== null || second.signalCode !== null) throw new Error(`second webhook processor ended while starting:\n${log.slice(-4000)}`);
        const ok = await fetch(`${url2}/healthz/readiness`, { signal: AbortSignal.timeout(2000) })
          .then(async (res) => (await res.arrayBuffer(), res.status === 200))
          .catch(() => false);
        if (ok && log.includes('Webhook listener waiting for requests')) break;
        if (Date.now() > deadline) throw new Error(`second webhook processor not ready in 300 s:\n${log.slice(-4000)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      console.log(`[bench] second webhook processor on ${url2}`);
      const both = (u) => [u, u.replace(stack.webhook.url, url2)];
      targets = {
        devicehook: both(stack.webhookUrl(TRIGGER_HOOK)),
        webhook: both(`${stack.webhook.url}/webhook/${WEBHOOK_PATH}`),
        'webhook+auth': both(`${stack.webhook.url}/webhook/${AUTH_PATH}`),
        diy: both(`${stack.webhook.url}/webhook/${DIY_PATH}`),
      };
      executionCounts = async (id) =>
        Object.fromEntries((await stack.query(`select status, count(*)::int as n from execution_entity where "workflowId" = '${id}' group by status`)).map((r) => [r.status, r.n]));
      logs = () => [stack.main.logs().slice(-3000), stack.webhook.logs().slice(-3000), log.slice(-3000), stack.worker.logs().slice(-5000)].join('\n-----\n');
      nodeVersion = stack.install.nodeVersion;
      baseUrl = `${stack.webhook.url} and ${url2} (webhook processors; main ${stack.main.url})`;
    } catch (error) {
      await stopServers();
      throw error;
    }
  }
  const names = Object.keys(targets);

  const load = fork(fileURLToPath(import.meta.url), ['--load']);
  const run = (which, count = REQUESTS, concurrency = CONCURRENCY) =>
    new Promise((resolve) => {
      load.once('message', resolve);
      load.send({ url: targets[which], body: signed.body.toString('base64'), headers, count, concurrency });
    });

  let failed = false;
  try {
    console.log(
      `n8n ${VERSION} (${nodeVersion}) on ${baseUrl}${QUEUE ? ', queue mode' : ''}, trigger version ${TRIGGER_VERSION}${Object.keys(EXTRA_ENV).length ? ` with ${JSON.stringify(EXTRA_ENV)}` : ''}; ${REQUESTS} requests per round, concurrency ${CONCURRENCY}, ${ROUNDS} rounds`,
    );
    // Answers come before the executions run (respond immediately): a run is over when its executions
    // are saved, else the next target would share the server with the previous one's backlog.
    const workflowOf = { devicehook: 'benchDeviceHook1', webhook: 'benchN8nWebhook1', 'webhook+auth': 'benchN8nHookAuth', diy: 'benchN8nDiy0001' };
    const sent = Object.fromEntries(names.map((name) => [name, 0]));
    const drain = async (which) => {
      const started = Date.now();
      for (;;) {
        const counts = await executionCounts(workflowOf[which]);
        const done = (counts.success ?? 0) + (counts.error ?? 0) + (counts.crashed ?? 0) + (counts.canceled ?? 0);
        if (done >= sent[which]) {
          if (done !== (counts.success ?? 0)) throw new Error(`${which}: executions did not all succeed: ${JSON.stringify(counts)}`);
          return Date.now() - started;
        }
        if (Date.now() - started > 600_000) throw new Error(`${which}: ${done} of ${sent[which]} executions finished after 10 minutes: ${JSON.stringify(counts)}`);
        await new Promise((resolve) => setTimeout(resolve, QUEUE ? 250 : 50));
      }
    };
    const measure = async (which, count, concurrency) => {
      const t0 = Date.now();
      const result = await run(which, count, concurrency);
      sent[which] += count;
      const drainMs = await drain(which);
      // Sustained: requests over the time until the last of their executions was saved.
      return { ...result, drainMs, sustainedRps: count / ((Date.now() - t0) / 1000) };
    };
    // The warm-up also reads the isolate counters: per request, per target (and per n8n process role) —
    // once at the benchmark's concurrency (the warm-up itself), once one request at a time (PROBE requests:
    // what a request costs when none overlaps another, e.g. with the trigger's credential cache warm).
    const PROBE = 6;
    const isolates = {};
    const isolatesOneAtATime = {};
    const settle = () => new Promise((resolve) => setTimeout(resolve, 600)); // the counter writes every 200 ms
    const counted = async (which, count, concurrency, into, label) => {
      await settle();
      const before = readCounters();
      const check = await measure(which, count, concurrency);
      if (check.ok !== count) throw new Error(`${which}: only ${check.ok} of ${count} ${label} requests answered 200 (${JSON.stringify(check.statuses)})`);
      if (!counterDir) return;
      await settle();
      const after = readCounters();
      const per = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, Number(((a[k] - (b?.[k] ?? 0)) / count).toFixed(k === 'buildMs' ? 1 : 2))]));
      into[which] = { ...per(after.total, before.total), byRole: Object.fromEntries(Object.keys(after.byRole).map((r) => [r, per(after.byRole[r], before.byRole[r])])) };
      const x = into[which];
      console.log(
        `  isolates per request, ${label.padEnd(18)} ${which.padEnd(12)}: acquireIsolate ${x.acquireIsolate}, acquired ${x.acquired}, built ${x.built} (${x.buildMs} ms wall each request spent building)${QUEUE ? ` ${JSON.stringify(x.byRole)}` : ''}`,
      );
    };
    for (const which of names) {
      await counted(which, WARMUP, CONCURRENCY, isolates, `warm-up (conc. ${CONCURRENCY})`);
      await counted(which, PROBE, 1, isolatesOneAtATime, 'one at a time');
    }
    const rounds = Object.fromEntries(names.map((name) => [name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order so that no target always runs first (or right after another one's executions).
      const order = names.map((_, i) => names[(i + r) % names.length]);
      if (r % 2 === 1) order.reverse();
      for (const which of order) {
        const result = await measure(which, REQUESTS);
        if (result.ok !== REQUESTS) throw new Error(`${which}: ${REQUESTS - result.ok} requests did not answer 200 (${JSON.stringify(result.statuses)})`);
        rounds[which].push(result);
        console.log(
          `  round ${r + 1} ${which.padEnd(12)} ${Math.round(result.rps)} req/s answered, ${Math.round(result.sustainedRps)} req/s with executions saved  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms`,
        );
      }
    }
    const medianOf = (list, key) => [...list].map((x) => x[key]).sort((a, b) => a - b)[Math.floor(list.length / 2)];
    const summary = Object.fromEntries(
      names.map((name) => [name, { rps: medianOf(rounds[name], 'rps'), sustainedRps: medianOf(rounds[name], 'sustainedRps'), p50: medianOf(rounds[name], 'p50'), p99: medianOf(rounds[name], 'p99') }]),
    );
    const dh = summary.devicehook;
    const ratio = dh.rps / summary.webhook.rps;
    const ratioAuth = dh.rps / summary['webhook+auth'].rps;
    const sustainedRatio = dh.sustainedRps / summary.webhook.sustainedRps;
    const verdict = (r) => (r >= GOAL ? 'PASS' : 'MISS');
    console.log(
      `${verdict(ratio)} n8n ${VERSION} answered: InHand Device Manager Trigger (verifying) ${Math.round(dh.rps)} req/s vs n8n Webhook node ${Math.round(summary.webhook.rps)} req/s = ${ratio.toFixed(2)}× (goal ≥ ${GOAL}×); median p99 ${dh.p99.toFixed(1)} vs ${summary.webhook.p99.toFixed(1)} ms (${(dh.p99 / summary.webhook.p99).toFixed(2)}×)`,
    );
    console.log(
      `${verdict(sustainedRatio)} n8n ${VERSION} with executions saved: ${Math.round(dh.sustainedRps)} vs ${Math.round(summary.webhook.sustainedRps)} req/s = ${sustainedRatio.toFixed(2)}× (goal ≥ ${GOAL}×)`,
    );
    console.log(
      `     reference, Webhook node with Header Auth: ${Math.round(summary['webhook+auth'].rps)} req/s answered (ours ${ratioAuth.toFixed(2)}×), ${Math.round(summary['webhook+auth'].sustainedRps)} req/s with executions saved (ours ${(dh.sustainedRps / summary['webhook+auth'].sustainedRps).toFixed(2)}×), median p99 ${summary['webhook+auth'].p99.toFixed(1)} ms`,
    );
    const ratioDiy = dh.rps / summary.diy.rps;
    const sustainedDiy = dh.sustainedRps / summary.diy.sustainedRps;
    console.log(
      `${ratioDiy >= GOAL_DIY ? 'PASS' : 'MISS'} n8n ${VERSION} vs the same check by hand (Webhook raw body → Crypto HMAC → IF → No Operation): ${Math.round(summary.diy.rps)} req/s answered (ours ${ratioDiy.toFixed(2)}×, goal ≥ ${GOAL_DIY}×), ${Math.round(summary.diy.sustainedRps)} req/s with executions saved (ours ${sustainedDiy.toFixed(2)}×), median p99 ${summary.diy.p99.toFixed(1)} ms`,
    );
    // Per-round ratios: round k of each target ran in the same rotation, so their ratio is one sample.
    const perRound = (other, key) => rounds.devicehook.map((x, k) => Number((x[key] / rounds[other][k][key]).toFixed(3)));
    const spreads = Object.fromEntries(
      ['webhook', 'webhook+auth', 'diy'].map((other) => [other, { answered: perRound(other, 'rps'), sustained: perRound(other, 'sustainedRps') }]),
    );
    for (const [other, x] of Object.entries(spreads)) console.log(`     per-round ratios vs ${other}: answered ${x.answered.join(', ')}; with executions saved ${x.sustained.join(', ')}`);
    mkdirSync(join(here, 'results'), { recursive: true });
    const label = process.env.BENCH_N8N_LABEL;
    const suffix = label ? `-${label}` : VERSION === '2.41.1' && Object.keys(EXTRA_ENV).length === 0 ? '' : `-${VERSION}${Object.keys(EXTRA_ENV).length ? '-custom' : ''}`;
    writeFileSync(
      join(here, 'results', `n8n${suffix}.json`),
      `${JSON.stringify({ n8n: VERSION, node: nodeVersion, env: EXTRA_ENV, queue: queueInfo, isolates: counterDir ? isolates : undefined, isolatesOneAtATime: counterDir ? isolatesOneAtATime : undefined, date: new Date().toISOString(), triggerVersion: TRIGGER_VERSION, requests: REQUESTS, concurrency: CONCURRENCY, summary, ratio, sustainedRatio, ratioVsHeaderAuth: ratioAuth, ratioVsDiy: ratioDiy, sustainedRatioVsDiy: sustainedDiy, goal: GOAL, goalVsDiy: GOAL_DIY, spreads, rounds }, null, 2)}\n`,
    );
  } catch (error) {
    failed = true;
    console.error(error);
    console.error(logs().slice(-12000));
  } finally {
    load.kill();
    await stopServers();
    if (counterDir) rmSync(counterDir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}
