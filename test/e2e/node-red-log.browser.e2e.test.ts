/**
 * The DeviceHook sidebar in a real Node-RED 4 (the cached install, default settings, started as its own
 * process, with the release tarball installed) driven by Debian's Chromium: a request with a wrong secret is refused, and the user finds the
 * reason one click after opening the editor (the sidebar tab); filters by response code; opens a payload
 * and copies it; sees an endpoint disabled by a 410 and re-enables it with the sidebar's button; the log is
 * still there after Node-RED restarts. Any console error, page error or failed request fails the test.
 *
 * Run: npm run build && npx vitest run --config vitest.e2e.config.ts test/e2e/node-red-log.browser.e2e.test.ts
 * Screenshots: test/e2e/artifacts/node-red-log-*.png
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign, vendors } from '../../shared/src/index';
import { startNodeRed, stopAll, type FlowNode, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { releaseTarballs } from '../helpers/release-tarballs';
import { startReceiver, type Receiver } from '../helpers/receiver';

const require = createRequire(__filename);
const { chromium } = require('playwright-core') as typeof import('playwright-core');
const repoRoot = path.join(__dirname, '..', '..');
const MODULE = path.join(repoRoot, 'node-red');
const artifacts = path.join(repoRoot, 'test', 'e2e', 'artifacts');
const CHROMIUM = '/usr/bin/chromium';
const SECRET = 'log-e2e-secret';

declare const RED: any;

let runtime: NodeRedRuntime;
let receiver: Receiver;
let browser: Browser;
let page: Page;
const browserErrors: string[] = [];

const poll = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });

/** For hooks, where expect.poll is not allowed. */
async function waitUntil(check: () => Promise<boolean>, what: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function flows(receiverUrl: string): FlowNode[] {
  return [
    { id: 'tab', type: 'tab', label: 'log e2e' },
    { id: 'cfg', type: 'devicehook-vendor', name: 'InHand', vendor: 'inhand-dm', credentials: { secret: SECRET } },
    { id: 'in1', type: 'devicehook in', name: 'InHand alerts', z: 'tab', url: '/hooks/inhand', vendor: 'cfg', types: ['offline'], outputs: 2, x: 160, y: 80, wires: [[], []] },
    { id: 'inj', type: 'inject', z: 'tab', name: 'send', props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], topic: 'offline', payload: '{"alertType":"offline"}', payloadType: 'json', repeat: '', once: false, x: 120, y: 180, wires: [['out1']] },
    { id: 'out1', type: 'devicehook out', name: 'To the ticket system', z: 'tab', vendor: 'cfg', url: `${receiverUrl}/tickets`, retry: 'none', ssrfGuard: false, headers: [], x: 360, y: 180, wires: [[], []] },
  ];
}

async function post(body: Buffer, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${runtime.url}/hooks/inhand`, { method: 'POST', headers, body: new Uint8Array(body), signal: AbortSignal.timeout(10_000) });
  await res.text();
  return res.status;
}

async function shot(name: string): Promise<void> {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `node-red-log-${name}.png`) });
}

async function openEditor(): Promise<void> {
  await page.goto(`${runtime.url}/`);
  await page.waitForFunction(() => (window as any).RED && RED.nodes && RED.nodes.node('in1') && RED.sidebar, undefined, { timeout: 60_000 });
  await page.locator('#in1').waitFor({ state: 'attached' });
}

// Node-RED 4 shows sidebar tabs as icon buttons above the sidebar: the user clicks DeviceHook's.
const sidebarTab = () => page.locator('#red-ui-tab-devicehook-link-button');
const nodeRow = (id: string) => page.locator(`.dh-log-node[data-node="${id}"]`);

afterAll(async () => {
  if (browserErrors.length) console.log(`[log e2e] browser reported:\n  ${browserErrors.join('\n  ')}`);
  await browser?.close().catch(() => undefined);
  await stopAll();
  await receiver?.close();
});

describe('the DeviceHook sidebar in Node-RED 4 (Chromium)', () => {
  let gone = true;

  beforeAll(async () => {
    expect(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing`).toBe(true);
    expect(fs.existsSync(path.join(MODULE, 'dist', 'plugins', 'devicehook-log.html')), 'run `npm run build` first').toBe(true);
    receiver = await startReceiver(() => (gone ? { status: 410, body: 'this hook was deleted' } : { status: 200 }));
    // Installed from the release tarball, as a user installs it (the palette manager's npm install).
    runtime = await startNodeRed({ major: '4', packages: [releaseTarballs().nodeRed] });
    await runtime.deploy(flows(receiver.url));

    // One accepted alert, then three with the wrong secret (as after a typo in the vendor's console).
    const good = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: SECRET });
    expect(await post(good.body, good.headers)).toBe(200);
    const wrong = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['online'], secret: 'typo-secret' });
    for (let i = 0; i < 3; i++) expect(await post(wrong.body, wrong.headers)).toBe(401);
    // A delivery the target answers 410: the endpoint is disabled.
    const injected = await fetch(`${runtime.url}/inject/inj`, { method: 'POST' });
    expect(injected.status).toBe(200);
    await waitUntil(async () => (await (await fetch(`${runtime.url}/devicehook/log/out1/summary`)).json()).endpoint?.status === 'failed', 'the endpoint to be disabled');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    page.setDefaultTimeout(15_000);
    page.on('console', (msg) => {
      if (msg.type() === 'error') browserErrors.push(`console.error: ${msg.text()} (${msg.location().url}:${msg.location().lineNumber})`);
    });
    page.on('pageerror', (err) => browserErrors.push(`pageerror: ${err.stack ?? err.message}`));
    page.on('requestfailed', (req) => browserErrors.push(`requestfailed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ''}`));
    page.on('response', (res) => {
      if (res.status() >= 400) browserErrors.push(`http ${res.status()}: ${res.request().method()} ${res.url()}`);
    });
    await openEditor();
  }, 300_000);

  it('shows the refusal reason one click after opening the editor', async () => {
    await sidebarTab().click(); // the one click
    const row = nodeRow('in1');
    await poll(() => row.locator('.dh-log-counts').innerText()).toBe('4 received 1 accepted 3 refused');
    await poll(() => row.locator('.dh-log-problem').innerText()).toMatch(/Last refusal: 401 signature_mismatch — .*signature/i);
    // And the events table of the node with refusals is open already, reason in each row.
    const rows = page.locator('.dh-log-table tr.dh-log-row');
    await poll(() => rows.count()).toBe(4);
    await poll(() => page.locator('.dh-log-table .dh-log-reason').first().innerText()).toMatch(/^signature_mismatch: .*signature/i);
    await poll(() => rows.first().locator('.dh-log-status').innerText()).toBe('401');
    await shot('sidebar');
    expect(browserErrors).toEqual([]);
  });

  it('filters by response code and shows a payload with a Copy button', async () => {
    await nodeRow('in1').click();
    const rows = page.locator('.dh-log-table tr.dh-log-row');
    await page.locator('#dh-log-code').fill('200');
    await page.locator('#dh-log-code').press('Enter');
    await poll(() => rows.count()).toBe(1);
    await poll(() => rows.first().locator('.dh-log-type').innerText()).toBe('offline');
    await page.locator('#dh-log-code').fill('401');
    await page.locator('#dh-log-code').press('Enter');
    await poll(() => rows.count()).toBe(3);
    expect(await rows.locator('.dh-log-status').allInnerTexts()).toEqual(['401', '401', '401']);
    await shot('filter');

    await rows.first().click();
    const payload = page.locator('.dh-log-entry .dh-log-payload');
    await poll(async () => JSON.parse(await payload.innerText())).toEqual(vendors['inhand-dm'].samples['online']);
    await expect(page.locator('.dh-log-entry').innerText()).resolves.toMatch(/x-signature\s*:?\s*\[redacted\]/i);
    await page.locator('.dh-log-entry .dh-log-copy').click();
    await shot('payload');
    expect(browserErrors).toEqual([]);
  });

  it('shows the disabled endpoint and re-enables it with the sidebar button', async () => {
    const row = nodeRow('out1');
    await poll(() => row.locator('.dh-log-endpoint').innerText()).toMatch(/Endpoint disabled/);
    await poll(() => row.locator('.dh-log-counts').innerText()).toBe('1 sent 0 delivered 1 failed 0 retrying');
    await shot('endpoint-disabled');
    gone = false;
    await row.locator('.dh-log-reenable').click();
    await poll(() => page.locator('.red-ui-notification').last().innerText()).toMatch(/re-enabled/i);
    await poll(() => nodeRow('out1').locator('.dh-log-endpoint').isVisible()).toBe(false);
    expect((await (await fetch(`${runtime.url}/devicehook/log/out1/summary`)).json()).endpoint.status).toBe('active');
    // Deliveries go out again.
    await fetch(`${runtime.url}/inject/inj`, { method: 'POST' });
    await poll(() => receiver.requests.length).toBe(2);
    await page.locator('.dh-log-refresh').click();
    await poll(() => nodeRow('out1').locator('.dh-log-counts').innerText()).toBe('2 sent 1 delivered 1 failed 0 retrying');
    await shot('reenabled');
    expect(browserErrors).toEqual([]);
  });

  it('still shows the log after Node-RED restarts', async () => {
    await page.goto('about:blank'); // the editor would report its lost connection while Node-RED is down
    await runtime.restart();
    await openEditor();
    const tab = sidebarTab();
    if (!(await page.locator('.dh-log').isVisible())) await tab.click();
    await poll(() => nodeRow('in1').locator('.dh-log-counts').innerText()).toBe('4 received 1 accepted 3 refused');
    await poll(() => nodeRow('out1').locator('.dh-log-counts').innerText()).toBe('2 sent 1 delivered 1 failed 0 retrying');
    await shot('after-restart');
    expect(browserErrors).toEqual([]);
  });
});
