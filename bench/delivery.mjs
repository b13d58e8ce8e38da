#!/usr/bin/env node
/**
 * Delivery throughput benchmark: `deliver()` through the core's Node transport vs. the same work done by
 * hand — a node:http loop with the same keep-alive Agent that, per request, serializes the body
 * (JSON.stringify), signs it in InHand's scheme (HMAC-SHA256, base64, `X-Signature`) and POSTs it — both
 * against a local receiver running in a child process, at the same concurrency, in alternating rounds.
 * `deliver()` does somewhat more per request than the hand loop: it sends the body in the vendor's own
 * form (Python json.dumps separators), adds an `X-Request-ID`, and keeps an attempt log.
 * Afterwards, the sender's heap: heapUsed after a full GC once 10,000 deliveries are done and again after
 * 100,000 (BENCH_HEAP_DELIVERIES); flat means the later reading is within 5 % (or 2 MB) of the first.
 *
 *   npm run build && node bench/delivery.mjs
 *
 * Env knobs (optional): BENCH_REQUESTS (2500), BENCH_CONCURRENCY (50), BENCH_ROUNDS (20), BENCH_WARMUP (500),
 * BENCH_HEAP_DELIVERIES (100000; 0 skips the heap phase).
 * Writes bench/results/delivery.json. Exit code: 0 (also when the goal is missed — it is a report),
 * 1 when any delivery failed or any baseline request did not get 200.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const int = (name, fallback) => {
  const n = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

// Many short alternating rounds rather than a few long ones: on a shared machine the load changes over
// seconds, and a round's two runs only see the same load when they are close together in time. The
// figure is the median of the per-round ratios, reported with its interquartile range and extremes.
const REQUESTS = int('BENCH_REQUESTS', 2_500);
const CONCURRENCY = int('BENCH_CONCURRENCY', 50);
const ROUNDS = int('BENCH_ROUNDS', 20);
const WARMUP = int('BENCH_WARMUP', 500);
const HEAP_DELIVERIES = process.env.BENCH_HEAP_DELIVERIES === '0' ? 0 : int('BENCH_HEAP_DELIVERIES', 100_000);
const GOAL_RATIO = 0.9;
const GOAL_CPU_RATIO = 1.2;
const RSS_FLAT_MB = 20;

// The receiver: reads each body in full, answers 200 'ok'; counts requests (and signed ones) for a sanity check.
const RECEIVER_SOURCE = `
const http = require('node:http');
let total = 0, signed = 0, bytes = 0;
const server = http.createServer((req, res) => {
  total++;
  if (req.headers['x-signature']) signed++;
  req.on('data', (c) => { bytes += c.length; });
  req.on('end', () => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 }); res.end('ok'); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'stats') process.send({ stats: { total, signed, bytes } });
  if (m === 'stop') { server.closeAllConnections?.(); server.close(() => process.exit(0)); }
});
process.on('disconnect', () => process.exit(0));
`;

function startReceiver() {
  const child = spawn(process.execPath, ['-e', RECEIVER_SOURCE], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`receiver exited early (code ${code})`)));
    child.on('message', function onMessage(m) {
      if (m && typeof m.port === 'number') {
        child.off('message', onMessage);
        resolve(m.port);
      }
    });
  });
  const stats = () =>
    new Promise((resolve) => {
      child.on('message', function onMessage(m) {
        if (m && m.stats) {
          child.off('message', onMessage);
          resolve(m.stats);
        }
      });
      child.send('stats');
    });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.removeAllListeners('exit'); // the start-up listener that rejects `ready`
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        child.send('stop');
      } catch {
        child.kill('SIGKILL');
      }
    });
  return { child, ready, stats, stop };
}

/** Runs `count` calls of `one(i)` with `concurrency` in flight; returns timing, CPU and latency figures. */
async function run(count, concurrency, one) {
  const latencies = new Float64Array(count);
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const s = performance.now();
      await one(i);
      latencies[i] = performance.now() - s;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort();
  const pct = (p) => latencies[Math.min(count - 1, Math.floor((p / 100) * count))];
  return {
    requests: count,
    ms: round(ms, 1),
    rps: Math.round((count / ms) * 1000),
    cpuUsPerReq: round((cpu.user + cpu.system) / count, 1),
    p50ms: round(pct(50), 2),
    p99ms: round(pct(99), 2),
  };
}

const round = (x, d) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs) => quantile(xs, 0.5);
/** Linear interpolation between the closest ranks. */
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo] + (s[lo + 1] - s[lo]) * (at - lo) : s[lo];
};
const mb = (bytes) => round(bytes / 1024 / 1024, 1);
const collect = () => {
  globalThis.gc?.();
  globalThis.gc?.();
};

/**
 * Heap over many deliveries: heapUsed after a full collection once 10 % of them (10,000 by default) are
 * done, and again at the end. Flat: the end reading within 5 % or 2 MB of the first.
 */
async function heapPhase(one) {
  const t0 = performance.now();
  const first = Math.max(1, Math.round(HEAP_DELIVERIES / 10));
  await run(first, CONCURRENCY, one);
  collect();
  const at10k = process.memoryUsage().heapUsed;
  await run(HEAP_DELIVERIES - first, CONCURRENCY, one);
  collect();
  const atEnd = process.memoryUsage().heapUsed;
  const ratio = round(atEnd / at10k, 3);
  return {
    deliveries: HEAP_DELIVERIES,
    first,
    at10kMb: mb(at10k),
    atEndMb: mb(atEnd),
    ratio,
    flat: ratio <= 1.05 || atEnd - at10k <= 2 * 1024 * 1024,
    seconds: round((performance.now() - t0) / 1000, 1),
  };
}

async function main() {
  let core;
  let nodePart;
  try {
    core = require('../shared');
    nodePart = require('../shared/dist/node/index.js');
  } catch (error) {
    console.error(`Cannot load the built core (${error.message}). Run \`npm run build\` first.`);
    process.exit(1);
  }
  const { deliver, prepareDelivery, vendors } = core;
  const { createNodeTransport, nodeSleep } = nodePart;

  const sample = vendors['inhand-dm'].samples.offline;
  const bodyBytes = Buffer.from(JSON.stringify(sample), 'utf8');

  const receiver = startReceiver();
  const port = await receiver.ready;
  const url = `http://127.0.0.1:${port}/hook`;

  // Baseline: the same work by hand — serialize, sign in InHand's scheme, POST with node:http over an Agent
  // with the same settings as createNodeTransport(), read the answer, check the status.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64, scheduling: 'lifo' });
  const secret = 'bench-secret';
  const baselineFailures = [];
  const baselineOne = () =>
    new Promise((resolve) => {
      const payload = Buffer.from(JSON.stringify(sample), 'utf8');
      const headers = {
        'Content-Type': 'application/json',
        'X-Signature': createHmac('sha256', secret).update(payload).digest('base64'),
        'Content-Length': payload.length,
      };
      const req = http.request({ host: '127.0.0.1', port, path: '/hook', method: 'POST', headers, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          Buffer.concat(chunks);
          if (res.statusCode !== 200) baselineFailures.push(`HTTP ${res.statusCode}`);
          resolve();
        });
        res.on('error', (e) => {
          baselineFailures.push(e.message);
          resolve();
        });
      });
      req.on('error', (e) => {
        baselineFailures.push(e.message);
        resolve();
      });
      req.end(payload);
    });

  // Subject: deliver() with the core's transport, a prepared config, one signed attempt each.
  const transport = createNodeTransport();
  const config = prepareDelivery({ url, vendor: 'inhand-dm', secrets: secret, retryPolicy: 'none', timeoutMs: 10_000 });
  const io = { transport, sleep: nodeSleep };
  const subjectFailures = [];
  let subjectCalls = 0;
  const subjectOne = async () => {
    subjectCalls++;
    try {
      const result = await deliver({ config, body: sample }, io);
      if (!result.delivered || result.attempts.length !== 1) {
        subjectFailures.push({ outcome: result.outcome, attempts: result.attempts.length, statusCode: result.statusCode, error: result.error });
      }
    } catch (error) {
      subjectFailures.push({ outcome: 'threw', error: error?.message ?? String(error) });
    }
  };

  const rssStart = process.memoryUsage().rss;
  const started = performance.now();
  console.log(
    `delivery bench: ${REQUESTS} requests x ${ROUNDS} rounds each, concurrency ${CONCURRENCY}, warm-up ${WARMUP}, ` +
      `receiver pid ${receiver.child.pid} on 127.0.0.1:${port}, body ${bodyBytes.length} B (JSON.stringify of inhand-dm offline sample), ` +
      `node ${process.version}, gc ${typeof globalThis.gc === 'function' ? 'exposed' : 'not exposed'}`,
  );

  let exitCode = 0;
  const results = { baseline: [], subject: [], ratios: [], cpuRatios: [] };
  let heap = null;
  let rssBefore = 0;
  let rssAfter = 0;
  let heapBefore = 0;
  let heapAfter = 0;
  let heapTotalBefore = 0;
  let heapTotalAfter = 0;
  let receiverStats;
  try {
    await run(WARMUP, CONCURRENCY, baselineOne);
    await run(WARMUP, CONCURRENCY, subjectOne);
    collect();
    rssBefore = process.memoryUsage().rss;
    heapBefore = process.memoryUsage().heapUsed;
    heapTotalBefore = process.memoryUsage().heapTotal;
    // Untimed re-warm after the gc() above, so round 1 does not pay for the collection.
    await run(WARMUP, CONCURRENCY, baselineOne);
    await run(WARMUP, CONCURRENCY, subjectOne);

    for (let r = 1; r <= ROUNDS; r++) {
      // Alternating order (baseline first in odd rounds, subject first in even ones), so neither side
      // always runs right after the other's garbage. No gc() between timed runs: a full collection right
      // before a run slows that run down noticeably, which would bias whichever side runs next.
      const order = r % 2 === 1 ? ['baseline', 'subject'] : ['subject', 'baseline'];
      const round_ = {};
      for (const side of order) {
        const x = await run(REQUESTS, CONCURRENCY, side === 'baseline' ? baselineOne : subjectOne);
        results[side].push(x);
        round_[side] = x;
        console.log(`  round ${r} ${side.padEnd(8)}: ${String(x.rps).padStart(6)} req/s  ${x.ms} ms  cpu ${x.cpuUsPerReq} µs/req  p50 ${x.p50ms} ms  p99 ${x.p99ms} ms`);
      }
      results.ratios.push(round(round_.subject.rps / round_.baseline.rps, 3));
      results.cpuRatios.push(round(round_.subject.cpuUsPerReq / round_.baseline.cpuUsPerReq, 3));
    }

    collect();
    rssAfter = process.memoryUsage().rss;
    heapAfter = process.memoryUsage().heapUsed;
    heapTotalAfter = process.memoryUsage().heapTotal;
    if (HEAP_DELIVERIES > 0) heap = await heapPhase(subjectOne);
    receiverStats = await receiver.stats();
  } finally {
    transport.close();
    agent.destroy();
    await receiver.stop();
  }

  const baselineRps = Math.round(median(results.baseline.map((x) => x.rps)));
  const subjectRps = Math.round(median(results.subject.map((x) => x.rps)));
  const baselineCpu = round(median(results.baseline.map((x) => x.cpuUsPerReq)), 1);
  const subjectCpu = round(median(results.subject.map((x) => x.cpuUsPerReq)), 1);
  // The ratio is the median of the per-round ratios (each round's two runs are neighbours in time).
  const ratio = round(median(results.ratios), 3);
  const cpuRatio = round(median(results.cpuRatios), 3);
  const iqr = (xs) => `${round(quantile(xs, 0.25), 3)}–${round(quantile(xs, 0.75), 3)}`;
  const spread = `IQR ${iqr(results.ratios)}, all ${Math.min(...results.ratios)}–${Math.max(...results.ratios)}`;
  const cpuSpread = `IQR ${iqr(results.cpuRatios)}, all ${Math.min(...results.cpuRatios)}–${Math.max(...results.cpuRatios)}`;
  const pass = ratio >= GOAL_RATIO;
  const cpuPass = cpuRatio <= GOAL_CPU_RATIO;
  const rssGrowthMb = mb(rssAfter - rssBefore);
  const rssFlat = rssGrowthMb <= RSS_FLAT_MB;
  const totalSubject = subjectCalls;
  const totalBaseline = 2 * WARMUP + REQUESTS * ROUNDS;
  const expectedSigned = totalSubject + totalBaseline; // both sides sign every request

  console.log(`  baseline median: ${baselineRps} req/s (cpu ${baselineCpu} µs/req)`);
  console.log(`  subject  median: ${subjectRps} req/s (cpu ${subjectCpu} µs/req)`);
  console.log(`  per-round throughput ratios ${results.ratios.join(', ')}; cpu-per-request ratios ${results.cpuRatios.join(', ')}`);
  if (heap) {
    console.log(
      `  heap over ${heap.deliveries} deliveries: heapUsed after gc ${heap.at10kMb} MB at ${heap.first}, ${heap.atEndMb} MB at ${heap.deliveries} ` +
        `(ratio ${heap.ratio}, ${heap.flat ? 'flat' : 'NOT flat'}), ${heap.seconds} s`,
    );
  }
  console.log(
    `  sender memory: rss ${mb(rssStart)} MB at start, ${mb(rssBefore)} MB before subject runs, ${mb(rssAfter)} MB after ` +
      `(${rssGrowthMb >= 0 ? '+' : ''}${rssGrowthMb} MB, ${rssFlat ? 'flat' : 'NOT flat'}: limit +${RSS_FLAT_MB} MB); ` +
      `heapUsed ${mb(heapBefore)} → ${mb(heapAfter)} MB, heapTotal ${mb(heapTotalBefore)} → ${mb(heapTotalAfter)} MB`,
  );
  if (mb(heapAfter - heapBefore) <= 5 && mb(heapTotalAfter - heapTotalBefore) > 5) {
    console.log('  (heapUsed is flat: the rss growth is V8 reserving a larger young generation for the allocation rate, not retained objects)');
  }
  if (receiverStats) {
    console.log(`  receiver saw ${receiverStats.total} requests (${receiverStats.signed} signed; expected ${totalBaseline + totalSubject} and ${expectedSigned})`);
  }

  if (subjectFailures.length > 0) {
    exitCode = 1;
    console.log(`  FAILED deliveries: ${subjectFailures.length} of ${totalSubject}; first ones:`);
    for (const f of subjectFailures.slice(0, 10)) console.log(`    ${JSON.stringify(f)}`);
  } else {
    console.log(`  deliveries: all ${totalSubject} delivered in one attempt`);
  }
  if (baselineFailures.length > 0) {
    exitCode = 1;
    console.log(`  FAILED baseline requests: ${baselineFailures.length} of ${totalBaseline}; first ones: ${baselineFailures.slice(0, 10).join('; ')}`);
  } else {
    console.log(`  baseline: all ${totalBaseline} requests answered 200`);
  }

  const summary =
    `delivery: subject ${subjectRps} req/s vs baseline ${baselineRps} req/s = ${ratio}x (rounds ${spread}; goal >= ${GOAL_RATIO}x) ${pass ? 'PASS' : 'MISS'}; ` +
    `cpu/req ${subjectCpu} vs ${baselineCpu} µs = ${cpuRatio}x (rounds ${cpuSpread}; goal <= ${GOAL_CPU_RATIO}x) ${cpuPass ? 'PASS' : 'MISS'}; ` +
    (heap ? `heap ${heap.at10kMb} → ${heap.atEndMb} MB over ${heap.deliveries} deliveries (${heap.ratio}x) ${heap.flat ? 'flat' : 'NOT flat'}; ` : '') +
    `rss ${rssGrowthMb >= 0 ? '+' : ''}${rssGrowthMb} MB ${rssFlat ? 'flat' : 'NOT flat'}; failures ${subjectFailures.length + baselineFailures.length}; ` +
    `${round((performance.now() - started) / 1000, 1)} s`;
  console.log(summary);

  const out = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    settings: { requests: REQUESTS, concurrency: CONCURRENCY, rounds: ROUNDS, warmup: WARMUP, bodyBytes: bodyBytes.length, receiver: 'child process' },
    baseline: { medianRps: baselineRps, medianCpuUsPerReq: baselineCpu, rounds: results.baseline, failures: baselineFailures.length, work: 'JSON.stringify + HMAC-SHA256 base64 X-Signature + POST, same keep-alive agent settings' },
    subject: { medianRps: subjectRps, medianCpuUsPerReq: subjectCpu, rounds: results.subject, failures: subjectFailures.length, failureSamples: subjectFailures.slice(0, 10), calls: totalSubject },
    ratio,
    ratioIqr: [round(quantile(results.ratios, 0.25), 3), round(quantile(results.ratios, 0.75), 3)],
    ratios: results.ratios,
    goal: GOAL_RATIO,
    pass,
    cpuRatio,
    cpuRatioIqr: [round(quantile(results.cpuRatios, 0.25), 3), round(quantile(results.cpuRatios, 0.75), 3)],
    cpuRatios: results.cpuRatios,
    cpuGoal: GOAL_CPU_RATIO,
    cpuPass,
    heap,
    memory: { rssStartMb: mb(rssStart), rssBeforeMb: mb(rssBefore), rssAfterMb: mb(rssAfter), rssGrowthMb, flat: rssFlat, limitMb: RSS_FLAT_MB, heapBeforeMb: mb(heapBefore), heapAfterMb: mb(heapAfter), heapTotalBeforeMb: mb(heapTotalBefore), heapTotalAfterMb: mb(heapTotalAfter), gcExposed: typeof globalThis.gc === 'function' },
    receiver: receiverStats ?? null,
    summary,
  };
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'delivery.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`  wrote ${join('bench', 'results', 'delivery.json')}`);
  process.exitCode = exitCode;
}

// Re-run with --expose-gc so the memory readings are taken after a full collection.
if (typeof globalThis.gc !== 'function' && !process.env.DEVICEHOOK_BENCH_CHILD) {
  const child = spawn(process.execPath, ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, DEVICEHOOK_BENCH_CHILD: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
