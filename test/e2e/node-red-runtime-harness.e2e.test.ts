/**
 * Proves the real-runtime harness (test/helpers/node-red-runtime.ts) on Node-RED 4.1.x (Node 20) and 5.x
 * (Node 24) with core nodes only: http in → function → http response under default settings, where the
 * admin app at "/" parses JSON bodies before any httpNode route sees them.
 *
 * Run: npx vitest run test/e2e/node-red-runtime-harness.e2e.test.ts --testTimeout 600000
 * The first run installs Node-RED and Node 24 into ~/.cache/devicehook (or $DEVICEHOOK_CACHE).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureNodeRed, startNodeRed, stopAll, type FlowNode, type NodeRedMajor, type NodeRedRuntime } from '../helpers/node-red-runtime';

// Whitespace and a non-ASCII character: a body that was parsed and re-serialised would not keep these bytes.
const BODY = Buffer.from('{"device":  "gw-01", "note": "température",\n "n": 1.50}', 'utf8');

/** http in (POST url) → function (Buffer → hex, else typeof) → http response. */
function echoFlow(tab: string, url: string, skipBodyParsing: boolean): FlowNode[] {
  const id = (suffix: string) => `${tab}-${url.replace(/\W/g, '')}-${suffix}`;
  return [
    { id: id('in'), type: 'http in', z: tab, name: '', url, method: 'post', upload: false, skipBodyParsing, swaggerDoc: '', x: 120, y: 80, wires: [[id('fn')]] },
    {
      id: id('fn'),
      type: 'function',
      z: tab,
      name: 'describe payload',
      func: "msg.payload = Buffer.isBuffer(msg.payload) ? msg.payload.toString('hex') : typeof msg.payload;\nreturn msg;",
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      x: 320,
      y: 80,
      wires: [[id('res')]],
    },
    { id: id('res'), type: 'http response', z: tab, name: '', statusCode: '', headers: {}, x: 520, y: 80, wires: [] },
  ];
}

async function post(url: string, body: Buffer): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: new Uint8Array(body), signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

/**
 * A throwaway Node-RED module, packed with `npm pack` into a tarball as a release would be. Its node
 * reports where it was loaded from and whether `@devicehook/core` resolves from there (it must not: the
 * module declares no such dependency, and nothing of this repository may be reachable from the userDir).
 */
function makeProbeTarball(): { root: string; tarball: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'devicehook-probe-'));
  const pkgDir = path.join(root, 'probe');
  fs.mkdirSync(pkgDir);
  fs.writeFileSync(
    path.join(pkgDir, 'package.json'),
    JSON.stringify({ name: '@devicehook-test/node-red-probe', version: '0.0.0', 'node-red': { version: '>=4.0.0', nodes: { probe: 'probe.js' } } }),
  );
  fs.writeFileSync(
    path.join(pkgDir, 'probe.js'),
    `module.exports = function (RED) {
  function Probe(config) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg, send, done) => {
      let core;
      try { core = require.resolve('@devicehook/core/package.json'); } catch (err) { core = 'ERROR ' + err.code; }
      msg.payload = { filename: __filename, core, node: process.version, red: RED.version() };
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('devicehook-harness-probe', Probe);
};
`,
  );
  fs.writeFileSync(
    path.join(pkgDir, 'probe.html'),
    `<script type="text/javascript">RED.nodes.registerType('devicehook-harness-probe', { category: 'function', color: '#a6bbcf', defaults: { name: { value: '' } }, inputs: 1, outputs: 1, label: function () { return this.name || 'probe'; } });</script>
<script type="text/html" data-template-name="devicehook-harness-probe"><div class="form-row"><label for="node-input-name">Name</label><input type="text" id="node-input-name"></div></script>
`,
  );
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', root, pkgDir], { cwd: root, encoding: 'utf8' })) as Array<{ filename: string }>;
  return { root, tarball: path.join(root, packed[0]!.filename) };
}

const tempDirs: string[] = [];

afterAll(async () => {
  await stopAll();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe.each(['4', '5'] as NodeRedMajor[])('real Node-RED %s runtime', (major) => {
  let red: NodeRedRuntime;
  let skipSupported = false;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let t = Date.now();
    const install = await ensureNodeRed(major);
    timings.install = Date.now() - t;
    // "Do not parse request body" arrived in 4.1.0; check the installed node rather than trusting a version.
    const httpIn = path.join(path.dirname(install.redJs), '..', '@node-red', 'nodes', 'core', 'network', '21-httpin.js');
    skipSupported = fs.readFileSync(httpIn, 'utf8').includes('skipBodyParsing');
    t = Date.now();
    red = await startNodeRed({ major });
    timings.start = Date.now() - t;
    console.log(`[harness e2e] Node-RED ${install.version} on ${install.nodeBin} (install/check ${timings.install} ms, start ${timings.start} ms) at ${red.url}`);
  }, 600_000);

  afterAll(async () => {
    await red?.stop();
  }, 30_000);

  it('runs the requested major on a suitable Node', async () => {
    expect(red.install.version.split('.')[0]).toBe(major);
    if (major === '4') expect(red.install.nodeBin).toBe(process.execPath);
    const res = await fetch(`${red.url}/settings`, { headers: { 'Node-RED-API-Version': 'v2' } });
    expect(res.status).toBe(200);
    const settings = (await res.json()) as { version: string; httpNodeRoot: string };
    expect(settings.version).toBe(red.install.version);
    // Both roots at "/" is the configuration under test.
    expect(settings.httpNodeRoot).toBe('/');
  }, 120_000);

  it('http in (skipBodyParsing) → function → http response returns the raw bytes; without it the admin parser wins', async () => {
    const rev = await red.deploy([{ id: 'tab1', type: 'tab', label: 'harness', disabled: false, info: '' }, ...echoFlow('tab1', '/echo', true), ...echoFlow('tab1', '/parsed', false)]);
    expect(rev).toMatch(/^[0-9a-f]+$/);

    const raw = await post(`${red.url}/echo`, BODY);
    expect(raw.status).toBe(200);
    expect(raw.text).toBe(skipSupported ? BODY.toString('hex') : 'object');

    const parsed = await post(`${red.url}/parsed`, BODY);
    expect(parsed.status).toBe(200);
    expect(parsed.text).toBe('object');
  }, 120_000);

  it('keeps the deployed flows across a restart', async () => {
    const pidBefore = red.pid;
    await red.restart();
    expect(red.pid).not.toBe(pidBefore);
    expect(JSON.parse(fs.readFileSync(red.flowFile, 'utf8'))).toHaveLength(7);

    const raw = await post(`${red.url}/echo`, BODY);
    expect(raw.status).toBe(200);
    expect(raw.text).toBe(skipSupported ? BODY.toString('hex') : 'object');
  }, 120_000);

  it('installs a module tarball as the palette manager does and loads it from userDir/node_modules', async () => {
    const probe = makeProbeTarball();
    tempDirs.push(probe.root);
    const probeRed = await startNodeRed({ major, packages: [probe.tarball] });
    try {
      const nodes = await fetch(`${probeRed.url}/nodes`, { headers: { Accept: 'application/json' } });
      const sets = (await nodes.json()) as { module: string; types: string[]; enabled: boolean; err?: string }[];
      const probeSet = sets.find((set) => set.module === '@devicehook-test/node-red-probe');
      expect(probeSet, probeRed.logs()).toMatchObject({ types: ['devicehook-harness-probe'], enabled: true });
      expect(probeSet?.err).toBeUndefined();

      await probeRed.deploy([
        { id: 'tab2', type: 'tab', label: 'probe', disabled: false, info: '' },
        { id: 'p-in', type: 'http in', z: 'tab2', url: '/probe', method: 'post', upload: false, swaggerDoc: '', wires: [['p-probe']] },
        { id: 'p-probe', type: 'devicehook-harness-probe', z: 'tab2', name: '', wires: [['p-res']] },
        { id: 'p-res', type: 'http response', z: 'tab2', statusCode: '', headers: {}, wires: [] },
      ]);
      const res = await fetch(`${probeRed.url}/probe`, { method: 'POST' });
      const info = (await res.json()) as { filename: string; core: string; node: string; red: string };
      console.log(`[harness e2e] NR ${major} probe:`, JSON.stringify(info));
      // The palette manager's npm command, with this Node-RED's own npm and arguments.
      expect(probeRed.installOutput).toMatch(/npm-cli\.js install --no-audit --no-update-notifier --no-fund --save --save-prefix=~ (--omit=dev|--production) --engine-strict -- \S+\.tgz/);
      expect(info.filename).toBe(path.join(fs.realpathSync(probeRed.userDir), 'node_modules', '@devicehook-test', 'node-red-probe', 'probe.js'));
      expect(info.core).toBe('ERROR MODULE_NOT_FOUND');
      expect(info.red).toBe(red.install.version);
    } finally {
      await probeRed.stop();
    }
  }, 120_000);
});
