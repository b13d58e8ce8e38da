/**
 * Benchmark-only preload for the n8n processes bench/n8n.mjs starts (NODE_OPTIONS=--require <this>; never
 * part of the product): counts how often n8n touches its expression engine, so the benchmark can report
 * per request, per target:
 *   - acquireIsolate: calls of n8n-workflow's Expression.prototype.acquireIsolate (the webhook phase, each
 *     credential read through credentials-helper.js applyDefaultsAndOverwrites, the execution, …);
 *   - acquired: ExpressionEvaluator.prototype.acquire calls that took a bridge (or, with
 *     N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE, opened a scope) — `false` means the caller already held one;
 *   - built: isolates built (IsolatedVmBridge initialize / initializeSync), and their main-thread time.
 * The pool replaces each isolate it hands out by building a new one, so `built` is the real cost.
 * Totals go to $BENCH_N8N_COUNTER_DIR/<pid>.json (role = the n8n command) every 200 ms when they changed.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_N8N_COUNTER_DIR;
const command = process.argv.slice(2).find((a) => !a.startsWith('-') && !a.includes('/')) ?? '';
if (dir && /n8n$/.test(process.argv[1] ?? '') && ['start', 'webhook', 'worker'].includes(command)) {
  try {
    const counts = { role: command, pid: process.pid, acquireIsolate: 0, acquired: 0, built: 0, buildMs: 0 };
    let dirty = true;
    const from = (id) => require(require.resolve(id, { paths: [path.dirname(fs.realpathSync(process.argv[1]))] }));
    const { Expression } = from('n8n-workflow');
    const runtime = from('@n8n/expression-runtime');
    const acquireIsolate = Expression.prototype.acquireIsolate;
    Expression.prototype.acquireIsolate = function (...args) {
      counts.acquireIsolate++;
      dirty = true;
      return acquireIsolate.apply(this, args);
    };
    const acquire = runtime.ExpressionEvaluator.prototype.acquire;
    runtime.ExpressionEvaluator.prototype.acquire = async function (...args) {
      const fresh = await acquire.apply(this, args);
      if (fresh) counts.acquired++;
      dirty = true;
      return fresh;
    };
    for (const Bridge of [runtime.IsolatedVmBridge, runtime.QuickJsBridge].filter(Boolean)) {
      const init = Bridge.prototype.initialize;
      if (init) {
        Bridge.prototype.initialize = async function (...args) {
          const t0 = performance.now();
          try {
            return await init.apply(this, args);
          } finally {
            counts.built++;
            counts.buildMs += performance.now() - t0;
            dirty = true;
          }
        };
      }
      const initSync = Bridge.prototype.initializeSync;
      if (initSync) {
        Bridge.prototype.initializeSync = function (...args) {
          const t0 = performance.now();
          try {
            return initSync.apply(this, args);
          } finally {
            counts.built++;
            counts.buildMs += performance.now() - t0;
            dirty = true;
          }
        };
      }
    }
    const file = path.join(dir, `${process.pid}.json`);
    const flush = () => {
      if (!dirty) return;
      dirty = false;
      try {
        fs.writeFileSync(file, JSON.stringify(counts));
      } catch {
        // the benchmark removed the folder
      }
    };
    setInterval(flush, 200).unref();
    process.on('exit', flush);
  } catch (error) {
    console.error('[bench isolate counter] not installed:', error);
  }
}
