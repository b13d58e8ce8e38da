// `npm start`: boots Node-RED (default settings: editor and admin at "/") with @devicehook/node-red,
// deploys a demo flow that receives every vendor's webhooks, prints the editor's URL, then plays each
// vendor — signed sample alerts sent by the core's sender — so they arrive, verified and routed by type,
// in the debug panel. A tampered and an unsigned alert show what gets refused.
//   --once   exit after sending (for tests);  PORT=1880 by default.
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const express = require('express');
const RED = require('node-red');
const { vendors, sign } = require('../shared');
const { deliverWithNode } = require('../shared/dist/node/index.js');
const { demoFlow, demoSecret } = require('../node-red/scripts/demo-flows.cjs');

const once = process.argv.includes('--once');
const userDir = join(root, '.node-red-user');
mkdirSync(userDir, { recursive: true });

async function listen(server, port) {
  for (let candidate = port; candidate < port + 20; candidate++) {
    const ok = await new Promise((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(candidate, '127.0.0.1', () => resolve(true));
    });
    if (ok) return candidate;
  }
  throw new Error(`no free port from ${port}`);
}

const app = express();
const server = http.createServer(app);
const settings = {
  httpAdminRoot: '/',
  httpNodeRoot: '/',
  userDir,
  flowFile: join(userDir, 'flows.json'),
  credentialSecret: 'devicehook-demo',
  editorTheme: { tours: false },
  logging: { console: { level: 'warn' } },
  functionGlobalContext: {},
};
RED.init(server, settings);
app.use(settings.httpAdminRoot, RED.httpAdmin);
app.use(settings.httpNodeRoot, RED.httpNode);
const port = await listen(server, Number(process.env.PORT ?? 1880));
await RED.start();
const base = `http://127.0.0.1:${port}`;

// Deploy as the editor does: the admin API, credentials included (Node-RED encrypts them on disk).
const deployed = await fetch(`${base}/flows`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
  body: JSON.stringify({ flows: demoFlow({ port }) }),
});
if (!deployed.ok) throw new Error(`deploying the demo flow failed: ${deployed.status} ${await deployed.text()}`);
await new Promise((resolve) => setTimeout(resolve, 500));

console.log(`\nNode-RED is running with @devicehook/node-red. Open the editor: ${base}/`);
console.log('Open the debug panel (the bug icon, top right) to see the alerts arrive.\n');

let failures = 0;
for (const [vendorId, profile] of Object.entries(vendors)) {
  const types = Object.keys(profile.samples).slice(0, 2);
  for (const type of types) {
    const result = await deliverWithNode({
      config: { url: `${base}/hooks/${vendorId}`, vendor: vendorId, secrets: demoSecret(vendorId), retryPolicy: 'none' },
      body: profile.samples[type],
    });
    if (!result.delivered) failures++;
    console.log(`${result.delivered ? '✓' : '✗'} ${profile.label.padEnd(24)} ${type.padEnd(22)} → ${result.statusCode ?? result.error}`);
  }
}
// What an attacker gets: a tampered body, and an unsigned one.
const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples.offline, secret: demoSecret('inhand-dm') });
const tampered = await fetch(`${base}/hooks/inhand-dm`, { method: 'POST', headers: signed.headers, body: signed.body.toString().replace('offline', 'online') });
console.log(`✗ tampered InHand alert                         → ${tampered.status} ${(await tampered.json()).code} (refused, no flow started)`);
const unsigned = await fetch(`${base}/hooks/scalefusion`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(vendors.scalefusion.samples['device.lost']) });
console.log(`✗ unsigned Scalefusion event                    → ${unsigned.status} ${(await unsigned.json()).code} (refused, no flow started)`);
if (tampered.status !== 401 || unsigned.status !== 401) failures++;

if (once) {
  await new Promise((resolve) => setTimeout(resolve, 1500)); // let the forwarder finish
  await RED.stop();
  server.close();
  process.exit(failures === 0 ? 0 : 1);
}
console.log(`\nSend your own: npm run devicehook -- send --vendor inhand-dm --type power_fault --secret ${demoSecret('inhand-dm')} ${base}/hooks/inhand-dm`);
console.log('Press Ctrl+C to stop.');
process.on('SIGINT', async () => {
  await RED.stop();
  process.exit(0);
});
