#!/usr/bin/env node
/**
 * Requests per second through `devicehook in` (verifying an InHand signature on every request) against the
 * same work done by hand — `http in` ("Do not parse", Node-RED 4.1+) → a `function` node that checks the
 * HMAC with `timingSafeEqual` and `JSON.parse`s the bytes → `http response` — on the same embedded Node-RED
 * (default settings), alternating rounds, medians. `http in` → `http response` without any check is
 * measured too, for information. The load comes from a child process with a keep-alive agent.
 *   npm run build && node bench/node-red.mjs
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const express = require('express');
const RED = require('node-red');
const core = require('../shared');

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GOAL = 0.9;

if (process.argv[2] === '--load') {
  // The load generator (child process): POSTs `count` requests at `concurrency`, reports req/s and latencies.
  process.on('message', async ({ url, body, headers, count, concurrency }) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const payload = Buffer.from(body, 'base64');
    const latencies = [];
    let statusOk = 0;
    let next = 0;
    const one = () =>
      new Promise((resolve) => {
        const started = process.hrtime.bigint();
        const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': payload.length } }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) statusOk++;
            latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
            resolve();
          });
        });
        req.on('error', () => resolve());
        req.end(payload);
      });
    const worker = async () => {
      while (next++ < count) await one();
    };
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    latencies.sort((a, b) => a - b);
    agent.destroy();
    process.send({ rps: count / seconds, ok: statusOk, p50: latencies[Math.floor(latencies.length * 0.5)], p99: latencies[Math.floor(latencies.length * 0.99)] });
  });
} else {
  const userDir = mkdtempSync(join(tmpdir(), 'devicehook-bench-nr-'));
  const app = express();
  const server = http.createServer(app);
  RED.init(server, { httpAdminRoot: '/', httpNodeRoot: '/', userDir, flowFile: join(userDir, 'flows.json'), credentialSecret: false, logging: { console: { level: process.env.BENCH_LOG ?? 'error' } }, editorTheme: { tours: false } });
  app.use('/', RED.httpAdmin);
  app.use('/', RED.httpNode);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  await RED.start();
  const base = `http://127.0.0.1:${server.address().port}`;
  const flows = [
    { id: 't', type: 'tab', label: 'bench' },
    { id: 'v', type: 'devicehook-vendor', vendor: 'inhand-dm', credentials: { secret: 'bench-secret' } },
    { id: 'dh', type: 'devicehook in', z: 't', url: '/bench/devicehook', vendor: 'v', types: ['offline'], outputs: 2, wires: [['sink'], ['sink']] },
    { id: 'core-in', type: 'http in', z: 't', url: '/bench/core', method: 'post', wires: [['core-out']] },
    // The same work by hand: raw bytes, HMAC-SHA256 base64 in X-Signature (InHand; the body is sent in its signed, Python form), parse.
    { id: 'hand-in', type: 'http in', z: 't', url: '/bench/hand', method: 'post', skipBodyParsing: true, wires: [['hand-fn']] },
    {
      id: 'hand-fn',
      type: 'function',
      z: 't',
      libs: [{ var: 'crypto', module: 'crypto' }],
      outputs: 1,
      func: `
const raw = Buffer.isBuffer(msg.payload) ? msg.payload : Buffer.from(String(msg.payload));
const given = Buffer.from(String(msg.req.headers['x-signature'] || ''), 'utf8');
const expected = Buffer.from(crypto.createHmac('sha256', 'bench-secret').update(raw).digest('base64'), 'utf8');
if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) { msg.statusCode = 401; msg.payload = 'bad signature'; return msg; }
let body;
try { body = JSON.parse(raw.toString('utf8')); } catch { msg.statusCode = 400; msg.payload = 'bad json'; return msg; }
msg.event = body; msg.statusCode = 200; msg.payload = { received: true, type: body.type };
return msg;`,
      wires: [['hand-out']],
    },
    { id: 'hand-out', type: 'http response', z: 't', wires: [] },
    { id: 'core-out', type: 'http response', z: 't', statusCode: '200', wires: [] },
    { id: 'sink', type: 'junction', z: 't', wires: [] },
  ];
  const deployed = await fetch(`${base}/flows`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify({ flows }) });
  if (!deployed.ok) throw new Error(`deploy failed: ${deployed.status}`);
  await new Promise((resolve) => setTimeout(resolve, 300));

  const signed = core.sign({ vendor: 'inhand-dm', body: core.vendors['inhand-dm'].samples.offline, secret: 'bench-secret' });
  const load = fork(fileURLToPath(import.meta.url), ['--load']);
  const run = (path, count = REQUESTS) =>
    new Promise((resolve) => {
      load.once('message', resolve);
      load.send({ url: `${base}${path}`, body: signed.body.toString('base64'), headers: signed.headers, count, concurrency: CONCURRENCY });
    });
  for (const path of ['/bench/devicehook', '/bench/hand', '/bench/core']) {
    const check = await run(path, 50);
    if (check.ok !== 50) throw new Error(`${path}: only ${check.ok} of 50 requests answered 200`);
  }
  const rounds = { devicehook: [], hand: [], core: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['hand', 'devicehook', 'core'] : ['core', 'devicehook', 'hand'];
    for (const which of order) {
      const result = await run(`/bench/${which}`);
      if (result.ok !== REQUESTS) throw new Error(`${which}: ${REQUESTS - result.ok} requests did not answer 200`);
      rounds[which].push(result);
      console.log(`  round ${r + 1} ${which.padEnd(10)} ${Math.round(result.rps)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms`);
    }
  }
  const median = (list) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)];
  const dh = median(rounds.devicehook);
  const hand = median(rounds.hand);
  const base_ = median(rounds.core);
  const ratio = dh.rps / hand.rps;
  const spread = rounds.devicehook.map((d, i) => d.rps / rounds.hand[i].rps);
  console.log(
    `${ratio >= GOAL ? 'PASS' : 'MISS'} node-red: devicehook in (verifying) ${Math.round(dh.rps)} req/s vs http in → function verifying by hand → http response ` +
      `${Math.round(hand.rps)} req/s = ${ratio.toFixed(2)}× (goal ≥ ${GOAL}×; rounds ${Math.min(...spread).toFixed(2)}–${Math.max(...spread).toFixed(2)}×); p99 ${dh.p99.toFixed(2)} vs ${hand.p99.toFixed(2)} ms`,
  );
  console.log(`info node-red: http in → http response without any check ${Math.round(base_.rps)} req/s (devicehook in = ${(dh.rps / base_.rps).toFixed(2)}× of it)`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'node-red.json'), JSON.stringify({ requests: REQUESTS, concurrency: CONCURRENCY, devicehook: dh, hand, unchecked: base_, ratio, spread, goal: GOAL }, null, 2));
  load.kill();
  await RED.stop();
  server.close();
  rmSync(userDir, { recursive: true, force: true });
  process.exit(0);
}
