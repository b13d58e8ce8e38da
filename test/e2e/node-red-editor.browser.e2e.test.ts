/**
 * The devicehook nodes in the real Node-RED editor, driven by a headless Chromium: an embedded Node-RED 4
 * (default settings: editor, admin API and HTTP nodes all at "/") with @devicehook/node-red loaded from the
 * workspace, a deployed flow, then the editor's own UI — palette, edit dialogs, the event-type picker that
 * sets the number of outputs, the vendor config dialog, verify and out dialogs, Deploy — and finally signed
 * and unsigned webhooks against the node the editor deployed.
 *
 * Run: npm run build && npx vitest run --config vitest.e2e.config.ts test/e2e/node-red-editor.browser.e2e.test.ts
 * Needs Debian's chromium at /usr/bin/chromium. Leaves a screenshot in test/e2e/artifacts/node-red-editor.png.
 */
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const artifacts = path.join(repoRoot, 'test', 'e2e', 'artifacts');
const screenshotFile = path.join(artifacts, 'node-red-editor.png');
const CHROMIUM = '/usr/bin/chromium';

// Native require: Node-RED and the built core are CommonJS and must not go through Vite's transform.
const { chromium } = require('playwright-core') as typeof import('playwright-core');
const express = require('express');
const { sign, vendors } = require(path.join(repoRoot, 'shared'));

// The editor's globals, as seen from page.evaluate / waitForFunction.
declare const RED: any;
declare const $: any;

const TAB = 'tab1';
const flow = [
  { id: TAB, type: 'tab', label: 'devicehook editor e2e', disabled: false, info: '' },
  // As a hand-written or API-deployed flow has them: only the fields that matter, no optional ones.
  { id: 'v1', type: 'devicehook-vendor', vendor: 'inhand-dm', credentials: { secret: 's' } },
  { id: 'in1', type: 'devicehook in', url: '/hooks/inhand', vendor: 'v1', types: ['offline'], typeLabels: ['Gateway offline'], outputs: 2, x: 200, y: 100, z: TAB, wires: [['dbgoffline'], ['dbgother']] },
  { id: 'dbgoffline', type: 'debug', name: 'offline alerts', active: true, tosidebar: true, complete: 'payload', targetType: 'msg', x: 520, y: 80, z: TAB, wires: [] },
  { id: 'dbgother', type: 'debug', name: 'other alerts', active: true, tosidebar: true, complete: 'payload', targetType: 'msg', x: 520, y: 140, z: TAB, wires: [] },
];

let RED_RUNTIME: any;
let server: http.Server;
let userDir: string;
let base: string;
let browser: Browser;
let page: Page;
/** Everything the page reported as an error: console.error messages, uncaught exceptions, failed requests. */
const browserErrors: string[] = [];

async function listenOnFreePort(srv: http.Server): Promise<number> {
  // Port 0: the kernel's ephemeral range (32768+), well away from 5679 and the usual 1880.
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  return (srv.address() as { port: number }).port;
}

async function postHook(body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/hooks/inhand`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

/** Playwright's web-first assertions live in @playwright/test; vitest's expect.poll does the waiting here. */
const poll = <T>(fn: () => T | Promise<T>, timeout = 10_000) => expect.poll(fn, { timeout, interval: 50 });

/** For hooks, where expect.poll is not allowed. */
async function waitUntil(check: () => Promise<boolean>, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The edit tray that is on top, once its form has been built. */
async function waitForTray(p: Page, title?: string): Promise<void> {
  await p.locator('.red-ui-tray').last().waitFor({ state: 'visible' });
  if (title) await poll(() => p.locator('.red-ui-tray .red-ui-tray-titlebar').last().innerText()).toContain(title);
}

/** Number of trays in the page (0 once every dialog is closed; stacked trays below the top one are detached). */
const trayCount = (p: Page) => p.locator('.red-ui-tray').count();
/** Depth of the dialog stack, from the top tray's breadcrumbs (the in node's dialog + its config dialog = 2). */
const trayDepth = (p: Page) => p.locator('.red-ui-tray .red-ui-tray-breadcrumbs').last().locator('li').count();

const checkedValues = (p: Page, container: string) =>
  p.locator(`${container} input[type=checkbox]`).evaluateAll((els) => els.filter((el) => (el as HTMLInputElement).checked).map((el) => (el as HTMLInputElement).value));

describe('devicehook nodes in the Node-RED editor (Chromium)', () => {
  beforeAll(async () => {
    expect(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing`).toBe(true);
    expect(fs.existsSync(path.join(repoRoot, 'node-red', 'dist', 'nodes', 'devicehook-in.html')), 'run `npm run build` first').toBe(true);

    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devicehook-editor-e2e-'));
    RED_RUNTIME = require('node-red');
    const app = express();
    server = http.createServer(app);
    const settings = {
      httpAdminRoot: '/',
      httpNodeRoot: '/',
      userDir,
      flowFile: path.join(userDir, 'flows.json'),
      credentialSecret: 'devicehook-editor-e2e',
      editorTheme: { tours: false },
      // No consent prompt for update checks over the canvas, and no calls out to the internet.
      telemetry: { enabled: false },
      logging: { console: { level: 'warn' } },
      functionGlobalContext: {},
    };
    RED_RUNTIME.init(server, settings);
    app.use(settings.httpAdminRoot, RED_RUNTIME.httpAdmin);
    app.use(settings.httpNodeRoot, RED_RUNTIME.httpNode);
    const port = await listenOnFreePort(server);
    base = `http://127.0.0.1:${port}`;
    await RED_RUNTIME.start();

    const nodes = (await (await fetch(`${base}/nodes`, { headers: { Accept: 'application/json' } })).json()) as { module: string; types: string[]; err?: string }[];
    const ours = nodes.filter((set) => set.module === '@devicehook/node-red');
    expect(ours.flatMap((set) => set.types).sort()).toEqual(['devicehook in', 'devicehook out', 'devicehook verify', 'devicehook-vendor']);
    expect(ours.map((set) => set.err).filter(Boolean)).toEqual([]);

    const deployed = await fetch(`${base}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify({ flows: flow }),
    });
    expect(deployed.status, await deployed.clone().text()).toBe(200);
    // The flow starts asynchronously after the deploy answers: wait until the endpoint refuses an unsigned call.
    await waitUntil(async () => (await postHook('{}', { 'Content-Type': 'application/json' })).status === 401, 'the deployed devicehook in to answer');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on('console', (msg) => {
      if (msg.type() === 'error') browserErrors.push(`console.error: ${msg.text()} (${msg.location().url}:${msg.location().lineNumber})`);
    });
    page.on('pageerror', (err) => browserErrors.push(`pageerror: ${err.stack ?? err.message}`));
    page.on('requestfailed', (req) => browserErrors.push(`requestfailed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ''}`));
    page.on('response', (res) => {
      if (res.status() >= 400) browserErrors.push(`http ${res.status()}: ${res.request().method()} ${res.url()}`);
    });

    await page.goto(`${base}/`);
    await page.waitForFunction(() => (window as any).RED && RED.nodes && RED.nodes.node('in1'), undefined, { timeout: 30_000 });
    // The canvas has drawn the node once it is in the SVG.
    await page.locator('#in1').waitFor({ state: 'attached' });
  }, 90_000);

  afterAll(async () => {
    if (browserErrors.length) console.log(`[editor e2e] browser reported:\n  ${browserErrors.join('\n  ')}`);
    await browser?.close().catch(() => undefined);
    if (RED_RUNTIME) await RED_RUNTIME.stop().catch(() => undefined);
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  }, 30_000);

  // A failed step must not leave a dialog (and its shade over the canvas) for the next one.
  afterEach(async () => {
    for (let i = 0; i < 3 && page && (await trayCount(page)) > 0; i++) {
      const depth = await trayDepth(page);
      await page.locator('#node-config-dialog-cancel, #node-dialog-cancel').last().click({ timeout: 2_000 }).catch(() => undefined);
      await waitUntil(async () => (await trayCount(page)) === 0 || (await trayDepth(page)) < depth, 'the dialog to close', 3_000).catch(() => undefined);
    }
  });

  it('shows the devicehook category with its three nodes in the palette', async () => {
    await poll(() => page.locator('#red-ui-palette-container-devicehook').count()).toBe(1);
    for (const type of ['devicehook in', 'devicehook verify', 'devicehook out']) {
      const entry = page.locator(`#red-ui-palette-container-devicehook .red-ui-palette-node[data-palette-type="${type}"]`);
      await poll(() => entry.count()).toBe(1);
      // The palette wraps long labels over two lines: compare the words.
      await poll(async () => ((await entry.locator('.red-ui-palette-label').textContent()) ?? '').replace(/\s+/g, ' ').trim()).toBe(type);
    }
    // The config node is not a palette entry.
    await poll(() => page.locator('.red-ui-palette-node[data-palette-type="devicehook-vendor"]').count()).toBe(0);
  });

  it('devicehook in: the dialog shows the URL and the vendor’s types, and ticking types adds outputs', async () => {
    await page.locator('#in1').dblclick();
    await waitForTray(page, 'devicehook in');
    await poll(() => page.locator('#node-input-url').inputValue()).toBe('/hooks/inhand');
    await poll(() => page.locator('#node-input-vendor').inputValue()).toBe('v1');

    const boxes = page.locator('#devicehook-in-types input[type=checkbox]');
    await poll(() => boxes.count()).toBe(11);
    expect(await boxes.evaluateAll((els) => els.map((el) => (el as HTMLInputElement).value))).toEqual(Object.keys(vendors['inhand-dm'].samples));
    expect(await checkedValues(page, '#devicehook-in-types')).toEqual(['offline']);
    const count = page.locator('#devicehook-in-output-count');
    await poll(() => count.innerText()).toContain('2 outputs');

    await page.locator('#devicehook-in-types input[value="online"]').check();
    await poll(() => count.innerText()).toContain('3 outputs');
    await page.locator('#devicehook-in-types input[value="sim_switch"]').check();
    await poll(() => count.innerText()).toContain('4 outputs');
    // As the switch node does: an output map, so wires follow their types ({old port: new port, "_n": new}).
    await poll(async () => JSON.parse(await page.locator('#node-input-outputs').inputValue())).toEqual({ 0: 1, 1: 3, _0: 0, _2: 2 });

    await page.locator('#node-dialog-ok').click();
    await poll(() => trayCount(page)).toBe(0);

    const edited = await page.evaluate(() => {
      const n = RED.nodes.node('in1');
      return { outputs: n.outputs, types: n.types, typeLabels: n.typeLabels, changed: n.changed, dirty: RED.nodes.dirty() };
    });
    expect(edited).toMatchObject({ outputs: 4, types: ['online', 'offline', 'sim_switch'], changed: true, dirty: true });
    expect(edited.typeLabels).toHaveLength(3);
    expect(edited.typeLabels[1]).toBe('Gateway offline');
    // The canvas redraws the node with one port per output.
    await poll(() => page.locator('#in1 .red-ui-flow-port-output').count()).toBe(4);
    // The wire of "offline" moved with it to port 1, and "other" to the new last port.
    const links = await page.evaluate(() =>
      RED.nodes.filterLinks({ source: RED.nodes.node('in1') }).map((l: { sourcePort: number | string; target: { id: string } }) => [Number(l.sourcePort), l.target.id]).sort(),
    );
    expect(links).toEqual([[1, 'dbgoffline'], [3, 'dbgother']]);
  });

  it('devicehook-vendor: the config dialog (the in node’s pencil button) lists the 7 vendors', async () => {
    await page.locator('#in1').dblclick();
    await waitForTray(page, 'devicehook in');
    await poll(() => page.locator('#devicehook-in-types input[type=checkbox]').count()).toBe(11);
    await page.locator('#node-input-btn-vendor-edit').click();
    await poll(() => trayDepth(page)).toBe(2);
    await waitForTray(page, 'devicehook-vendor');

    const options = page.locator('#node-config-input-vendor option');
    await poll(() => options.count()).toBe(7);
    expect(await options.evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value))).toEqual(Object.keys(vendors));
    await poll(() => page.locator('#node-config-input-vendor').inputValue()).toBe('inhand-dm');
    // The secret is never sent to the editor, only whether there is one.
    expect(await page.locator('#node-config-input-secret').inputValue()).toBe('__PWRD__');
    // InHand signs with a fixed scheme: the generic HMAC rows stay hidden until generic-hmac is chosen.
    const genericRow = page.locator('.devicehook-generic-row').first();
    await poll(() => genericRow.isVisible()).toBe(false);
    await page.locator('#node-config-input-vendor').selectOption('generic-hmac');
    await poll(() => genericRow.isVisible()).toBe(true);
    await page.locator('#node-config-input-vendor').selectOption('inhand-dm');
    await poll(() => genericRow.isVisible()).toBe(false);

    await page.locator('#node-config-dialog-cancel').click();
    await poll(() => trayDepth(page)).toBe(1);
    await page.locator('#node-dialog-cancel').click();
    await poll(() => trayCount(page)).toBe(0);
    expect(await page.evaluate(() => ({ vendor: RED.nodes.node('v1').vendor, outputs: RED.nodes.node('in1').outputs }))).toEqual({ vendor: 'inhand-dm', outputs: 4 });
  });

  it('adds devicehook verify and devicehook out; their dialogs render', async () => {
    await page.evaluate((z) => {
      RED.view.importNodes(
        [
          { id: 'verify1', type: 'devicehook verify', z, name: '', vendor: '', types: [], typeLabels: [], outputs: 2, maxBytes: '', strict: false, x: 200, y: 220, wires: [[], []] },
          { id: 'out1', type: 'devicehook out', z, name: '', vendor: '', url: 'http://127.0.0.1:9/forward', method: 'POST', headers: [], retry: '', timeout: '', ssrfGuard: false, x: 480, y: 220, wires: [[], []] },
        ],
        { generateIds: false, touchImport: true, notify: false },
      );
    }, TAB);
    await page.locator('#verify1').waitFor({ state: 'attached' });
    await page.locator('#out1').waitFor({ state: 'attached' });

    // verify: without a vendor config a hint stands in for the types; choosing the config brings the checkboxes.
    await page.locator('#verify1').dblclick();
    await waitForTray(page, 'devicehook verify');
    const vendorSelect = page.locator('#node-input-vendor');
    const boxes = page.locator('#devicehook-verify-types input[type=checkbox]');
    await poll(() => vendorSelect.locator('option').count()).toBe(2); // v1 and "none"
    if ((await vendorSelect.inputValue()) !== '_ADD_') await vendorSelect.selectOption('_ADD_');
    await poll(() => page.locator('#devicehook-verify-types').innerText()).toContain('Choose a vendor configuration');
    expect(await boxes.count()).toBe(0);
    await vendorSelect.selectOption('v1');
    await poll(() => boxes.count()).toBe(11);
    await poll(() => page.locator('#devicehook-verify-output-count').innerText()).toContain('2 outputs');
    await page.locator('#devicehook-verify-types input[value="power_fault"]').check();
    await poll(() => page.locator('#devicehook-verify-output-count').innerText()).toContain('3 outputs');
    await page.locator('#node-dialog-ok').click();
    await poll(() => trayCount(page)).toBe(0);
    expect(await page.evaluate(() => {
      const n = RED.nodes.node('verify1');
      return { vendor: n.vendor, types: n.types, outputs: n.outputs };
    })).toEqual({ vendor: 'v1', types: ['power_fault'], outputs: 3 });
    await poll(() => page.locator('#verify1 .red-ui-flow-port-output').count()).toBe(3);

    // out: 8 retry policies, and the headers are an editable list that takes rows.
    await page.locator('#out1').dblclick();
    await waitForTray(page, 'devicehook out');
    await poll(() => page.locator('#node-input-retry option').count()).toBe(8);
    await poll(() => page.locator('#node-input-retry').inputValue()).toBe('');
    await poll(() => page.locator('#node-input-url').inputValue()).toBe('http://127.0.0.1:9/forward');
    const list = page.locator('.red-ui-editableList').filter({ has: page.locator('#node-input-headers-container') });
    await poll(() => list.count()).toBe(1);
    await list.locator('.red-ui-editableList-addButton').click();
    await poll(() => page.locator('#node-input-headers-container .devicehook-header-name').count()).toBe(1);
    await page.locator('#node-input-headers-container .devicehook-header-name').fill('x-device-iccid');
    await page.locator('#node-input-headers-container .devicehook-header-value').fill(':iccid:');
    await page.locator('#node-input-retry').selectOption('none');
    await page.locator('#node-dialog-ok').click();
    await poll(() => trayCount(page)).toBe(0);
    expect(await page.evaluate(() => {
      const n = RED.nodes.node('out1');
      return { headers: n.headers, retry: n.retry, outputs: n.outputs };
    })).toEqual({ headers: [{ name: 'x-device-iccid', value: ':iccid:' }], retry: 'none', outputs: 2 });
  });

  it('every devicehook node is valid in the editor (no red triangle), including the config deployed by the API', async () => {
    // v1 was deployed as {vendor, credentials} only; the shipped examples write their config nodes the same way.
    const validity = await page.evaluate(() =>
      ['v1', 'in1', 'verify1', 'out1'].map((id) => {
        const n = RED.nodes.node(id);
        return { id, valid: n.valid, errors: n.validationErrors ?? [] };
      }),
    );
    expect(validity).toEqual(['v1', 'in1', 'verify1', 'out1'].map((id) => ({ id, valid: true, errors: [] })));
  });

  it('devicehook in: ticked types survive editing the vendor config from the dialog', async () => {
    await page.locator('#in1').dblclick();
    await waitForTray(page, 'devicehook in');
    await poll(() => page.locator('#devicehook-in-types input[type=checkbox]').count()).toBe(11);
    await page.locator('#devicehook-in-types input[value="power_fault"]').check();
    await poll(() => page.locator('#devicehook-in-output-count').innerText()).toContain('5 outputs');

    await page.locator('#node-input-btn-vendor-edit').click();
    await poll(() => trayDepth(page)).toBe(2);
    await poll(() => page.locator('#node-config-input-vendor option').count()).toBe(7);
    await page.locator('#node-config-dialog-ok').click(); // "Update" without changing anything
    await poll(() => trayDepth(page)).toBe(1);
    await poll(() => page.locator('#devicehook-in-types input[type=checkbox]').count()).toBe(11);
    await page.waitForTimeout(200); // the editor re-fires "change" on the config select 50 ms after refilling it

    expect(await checkedValues(page, '#devicehook-in-types')).toEqual(['online', 'offline', 'sim_switch', 'power_fault']);
    expect(await page.locator('#devicehook-in-output-count').innerText()).toContain('5 outputs');
    // Leave in1 as the earlier step made it (4 outputs) for the deploy below.
    await page.locator('#node-dialog-cancel').click();
    await poll(() => trayCount(page)).toBe(0);
  });

  it('deploys from the editor; the edited node then verifies signed webhooks and refuses unsigned ones', async () => {
    expect(await page.evaluate(() => RED.nodes.node('in1').outputs)).toBe(4);
    const deployButton = page.locator('#red-ui-header-button-deploy');
    await poll(async () => (await deployButton.getAttribute('class')) ?? '').not.toMatch(/disabled/);
    const deployed = page.waitForResponse((res) => res.url() === `${base}/flows` && res.request().method() === 'POST');
    await deployButton.click();
    // Invalid nodes make the editor ask first; that is asserted by the validity step above, not here.
    const confirm = page.locator('#red-ui-deploy-dialog-confirm-deploy-deploy');
    const first = await Promise.race([deployed.then(() => 'deployed'), confirm.waitFor({ state: 'visible' }).then(() => 'confirm', () => 'none')]);
    if (first === 'confirm') {
      console.log(`[editor e2e] Deploy asked for confirmation: ${(await page.locator('.red-ui-notification').filter({ has: confirm }).innerText()).replace(/\s+/g, ' ')}`);
      await confirm.click();
    }
    expect((await deployed).status()).toBe(200);
    // Done: nothing left to deploy, and the shade the editor lays over itself while deploying (≥ 300 ms) is gone.
    await page.waitForFunction(() => !RED.nodes.dirty() && !$('#red-ui-header-shade').is(':visible') && !$('#red-ui-editor-shade').is(':visible'));
    await poll(async () => (await deployButton.getAttribute('class')) ?? '').toMatch(/disabled/);

    // What the runtime now runs is what the dialogs produced.
    const running = (await (await fetch(`${base}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } })).json()) as { flows: any[] };
    const byId = Object.fromEntries(running.flows.map((n) => [n.id, n]));
    expect(byId.in1).toMatchObject({ outputs: 4, types: ['online', 'offline', 'sim_switch'], url: '/hooks/inhand', vendor: 'v1' });
    expect(byId.in1.wires).toHaveLength(4);
    expect(byId.verify1).toMatchObject({ vendor: 'v1', types: ['power_fault'], outputs: 3 });
    expect(byId.out1).toMatchObject({ retry: 'none', headers: [{ name: 'x-device-iccid', value: ':iccid:' }] });

    // The secret was never shown to the editor, yet survives its deploy.
    const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples.online, secret: 's' });
    await poll(async () => (await postHook(signed.body, signed.headers)).status).toBe(200);
    const unsigned = await postHook(JSON.stringify(vendors['inhand-dm'].samples.online), { 'Content-Type': 'application/json' });
    expect(unsigned.status).toBe(401);
    const wrongSecret = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples.online, secret: 'not-s' });
    expect((await postHook(wrongSecret.body, wrongSecret.headers)).status).toBe(401);

    // The node's status under it on the canvas counts what it saw.
    await poll(() => page.locator('#in1 .red-ui-flow-node-status-label').textContent()).toMatch(/1 accepted, 2 refused/);
  });

  it('saves a screenshot of the flow', async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    const ignore = path.join(artifacts, '.gitignore');
    if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '*\n!.gitignore\n');
    // Select the edited node so it stands out, and clear the "Successfully deployed" toast.
    await page.evaluate(() => {
      RED.view.select('in1');
      $('.red-ui-notification').remove();
    });
    await page.screenshot({ path: screenshotFile });
    expect(fs.statSync(screenshotFile).size).toBeGreaterThan(10_000);
  });

  it('the browser reported no devicehook errors', () => {
    const ours = browserErrors.filter((line) => /devicehook/i.test(line));
    expect(ours).toEqual([]);
  });
});
