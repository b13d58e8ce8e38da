#!/usr/bin/env node
/**
 * Outbox benchmark: what one put + update + remove costs with 5,000 messages pending, against a baseline
 * doing the same disk work for one message in the same run (serialize it, write a temporary file, rename
 * it into place twice, unlink it), with fs/promises directly. Also measured: the previous version's cost
 * per operation (the whole outbox serialized and rewritten synchronously), bytes written per operation,
 * and the longest event-loop stall during the outbox operations.
 *
 *   npm run build && node bench/outbox.mjs
 *
 * Env knobs (optional): BENCH_PENDING (5000), BENCH_OPS (1000), BENCH_ROUNDS (3).
 * Writes bench/results/outbox.json. Exit code 0 (also when the goal is missed — it is a report), 1 when
 * the outbox loses or keeps an entry it should not.
 */
import { randomUUID } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { openOutbox, outboxFolder } = require(join(here, '..', 'shared', 'dist', 'node', 'index.js'));

const int = (name, fallback) => {
  const n = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};
const PENDING = int('BENCH_PENDING', 5000);
const OPS = int('BENCH_OPS', 1000);
const ROUNDS = int('BENCH_ROUNDS', 3);
const GOAL_RATIO = 2; // the outbox may cost at most twice the bare disk work of one message

/** A typical pending delivery: an InHand-sized alert, its message, its progress after one retry. */
const message = (n) => ({
  id: randomUUID(),
  createdAt: Date.now(),
  body: { _id: `64f0c2a1b3${String(n).padStart(14, '0')}`, type: 'offline', level: 3, oid: 'a1b2c3d4e5f6', sn: 'RF3151342000003', ts: 1715000000, desc: 'Gateway offline' },
  placeholders: { iccid: '89882280000012345678', imsi: '901405100012345', ip: '10.0.0.1' },
  progress: { attempts: [{ attempt: 1, requestId: randomUUID(), startedAt: new Date().toISOString(), durationMs: 12, statusCode: 503, errorClass: 'http', error: 'HTTP 503', verdict: 'retry', nextRetryInMs: 10000 }], nextAttemptAt: Date.now() + 10000, messageId: `msg_${randomUUID().replace(/-/g, '')}` },
  target: 'https://hooks.example.com/in',
  extra: { topic: 'inhand/offline', _msgid: 'abc123' },
});

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function outboxRound(root, ops = OPS) {
  let bytesWritten = 0;
  const fs = {
    mkdir: fsp.mkdir, chmod: fsp.chmod, lstat: fsp.lstat, readdir: fsp.readdir, readFile: fsp.readFile, rename: fsp.rename, unlink: fsp.unlink, rmdir: fsp.rmdir,
    writeFile: (p, d, o) => ((bytesWritten += Buffer.byteLength(d)), fsp.writeFile(p, d, o)),
  };
  const outbox = await openOutbox(outboxFolder(join(root, 'outbox'), 'bench-node'), { fs });
  for (let i = 0; i < PENDING; i++) await outbox.put(message(i));
  const probes = Array.from({ length: ops }, (_, i) => message(PENDING + i));
  bytesWritten = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const entry of probes) {
    await outbox.put(entry);
    await outbox.update({ ...entry, progress: { ...entry.progress, nextAttemptAt: Date.now() } });
    await outbox.remove(entry.id);
  }
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  loop.disable();
  const pendingAfter = outbox.pending().count;
  const filesAfter = readdirSync(outbox.folder).length;
  await outbox.removeAll();
  return { msPerOp: ms / ops, cpuMsPerOp: (used.user + used.system) / 1000 / ops, bytesPerOp: bytesWritten / ops, maxStallMs: loop.max / 1e6, intact: pendingAfter === PENDING && filesAfter === PENDING };
}

/** The same disk work for one message, with nothing else: serialize, write + rename (twice), unlink. */
async function baselineRound(root, ops = OPS) {
  const dir = join(root, `baseline-${randomUUID()}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let i = 0; i < PENDING; i++) writeFileSync(join(dir, `p${i}.json`), JSON.stringify(message(i)), { mode: 0o600 }); // same directory size
  const probes = Array.from({ length: ops }, (_, i) => message(PENDING + i));
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const entry of probes) {
    const file = join(dir, `${entry.id}.json`);
    for (const version of [entry, { ...entry, progress: { ...entry.progress, nextAttemptAt: Date.now() } }]) {
      const temporary = `${file}.tmp`;
      await fsp.writeFile(temporary, JSON.stringify(version), { mode: 0o600, flag: 'wx' });
      await fsp.rename(temporary, file);
    }
    await fsp.unlink(file);
  }
  const used = process.cpuUsage(cpu);
  return { msPerOp: (performance.now() - start) / ops, cpuMsPerOp: (used.user + used.system) / 1000 / ops };
}

/** The previous version: every put, retry and remove serialized the whole outbox and rewrote it, synchronously. */
function previousVersionRound(root) {
  const file = join(root, 'outbox-old.json');
  const entries = new Map();
  for (let i = 0; i < PENDING; i++) {
    const entry = message(i);
    entries.set(entry.id, entry);
  }
  const flush = () => {
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, JSON.stringify([...entries.values()]));
    renameSync(temporary, file);
  };
  const ops = Math.max(5, Math.floor(OPS / 100)); // slow: fewer operations suffice
  const start = performance.now();
  for (let i = 0; i < ops; i++) {
    const entry = message(PENDING + i);
    entries.set(entry.id, entry);
    flush(); // put
    flush(); // retry
    entries.delete(entry.id);
    flush(); // remove
  }
  return { msPerOp: (performance.now() - start) / ops, bytesPerOp: 3 * Buffer.byteLength(JSON.stringify([...entries.values()])) };
}

const rows = [];
let broken = false;
{
  // Warm-up (JIT, file-system caches), not counted.
  const root = mkdtempSync(join(tmpdir(), 'devicehook-bench-outbox-'));
  await baselineRound(root, 100);
  await outboxRound(root, 100);
  rmSync(root, { recursive: true, force: true });
}
for (let round = 1; round <= ROUNDS; round++) {
  const root = mkdtempSync(join(tmpdir(), 'devicehook-bench-outbox-'));
  try {
    // The baseline runs before and after the outbox; its mean is the round's baseline (disk state drifts).
    const before = await baselineRound(root);
    const outbox = await outboxRound(root);
    const after = await baselineRound(root);
    const baseline = { msPerOp: (before.msPerOp + after.msPerOp) / 2, cpuMsPerOp: (before.cpuMsPerOp + after.cpuMsPerOp) / 2, before: before.msPerOp, after: after.msPerOp };
    if (!outbox.intact) broken = true;
    rows.push({ round, outbox, baseline });
    console.log(
      `round ${round}: outbox ${outbox.msPerOp.toFixed(3)} ms per put+update+remove at ${PENDING} pending (${Math.round(outbox.bytesPerOp)} B written, longest event-loop stall ${outbox.maxStallMs.toFixed(1)} ms); ` +
        `baseline ${baseline.msPerOp.toFixed(3)} ms; CPU ${outbox.cpuMsPerOp.toFixed(3)} vs ${baseline.cpuMsPerOp.toFixed(3)} ms`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
// Last, so its garbage does not land in a measured round.
const previousRoot = mkdtempSync(join(tmpdir(), 'devicehook-bench-outbox-'));
const previous = previousVersionRound(previousRoot);
rmSync(previousRoot, { recursive: true, force: true });
console.log(`previous version: ${previous.msPerOp.toFixed(1)} ms per operation, synchronous (${Math.round(previous.bytesPerOp / 1024)} KiB written per put+retry+remove)`);

const outboxMs = median(rows.map((r) => r.outbox.msPerOp));
const baselineMs = median(rows.map((r) => r.baseline.msPerOp));
const previousMs = previous.msPerOp;
// Per round, outbox vs the baseline around it; the median of those ratios (the machine's load drifts between rounds).
const ratio = median(rows.map((r) => r.outbox.msPerOp / r.baseline.msPerOp));
// CPU time per operation: less disturbed than wall time when other processes share the cores.
const cpuRatio = median(rows.map((r) => r.outbox.cpuMsPerOp / r.baseline.cpuMsPerOp));
const summary = {
  pending: PENDING,
  operations: OPS,
  rounds: ROUNDS,
  outboxMsPerOperation: Number(outboxMs.toFixed(4)),
  baselineMsPerOperation: Number(baselineMs.toFixed(4)),
  ratioToBaseline: Number(ratio.toFixed(2)),
  cpuRatioToBaseline: Number(cpuRatio.toFixed(2)),
  goalRatio: GOAL_RATIO,
  goalMet: ratio <= GOAL_RATIO,
  bytesWrittenPerOperation: Math.round(median(rows.map((r) => r.outbox.bytesPerOp))),
  longestEventLoopStallMs: Number(Math.max(...rows.map((r) => r.outbox.maxStallMs)).toFixed(1)),
  previousVersionMsPerOperation: Number(previousMs.toFixed(2)),
  previousVersionBytesPerOperation: previous.bytesPerOp,
  speedupOverPreviousVersion: Number((previousMs / outboxMs).toFixed(1)),
  node: process.version,
  rows,
};
console.log(
  `outbox at ${PENDING} pending: ${outboxMs.toFixed(3)} ms per put+update+remove (median) = ${ratio.toFixed(2)}× the bare disk work of one message (median ratio per round) ` +
    `(goal ≤ ${GOAL_RATIO}×: ${summary.goalMet ? 'met' : 'MISSED'}); CPU time ${cpuRatio.toFixed(2)}×; previous version ${previousMs.toFixed(1)} ms (${summary.speedupOverPreviousVersion}× slower, and synchronous)`,
);
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'outbox.json'), `${JSON.stringify(summary, null, 2)}\n`);
if (broken) console.error('the outbox lost or kept an entry it should not have');
process.exitCode = broken ? 1 : 0;
