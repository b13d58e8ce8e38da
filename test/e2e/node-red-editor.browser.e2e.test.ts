/**
 * The devicehook nodes in the real Node-RED editor, driven by a headless Chromium, as a user gets them:
 * Node-RED 4.1 (Node 20) and 5.0 (Node 24) from test/helpers/node-red-runtime.ts with default settings
 * (editor, admin API and HTTP nodes all at "/"), @devicehook/node-red installed from its release tarball
 * into a fresh userDir the way the palette manager installs it, a deployed flow, then the editor's own UI —
 * palette, every devicehook node's edit dialog (the vendor config node's too) and its help in the sidebar,
 * the event-type picker that sets the number of outputs, Deploy — and finally signed and unsigned webhooks
 * against the node the editor deployed.
 *
 * Any console error, page error, failed request or HTTP error answer in the editor fails the test (a
 * missing editor script shows up as a 404 and an editor stuck at "Loading Nodes").
 *
 * Run: npm run build && npx vitest run --config vitest.e2e.config.ts test/e2e/node-red-editor.browser.e2e.test.ts
 * Needs Debian's chromium at /usr/bin/chromium (and fonts-noto-cjk, fonts-noto-color-emoji for the
 * screenshots). Leaves screenshots in test/e2e/artifacts/ (git-ignored). DEVICEHOOK_EDITOR_MAJORS=4 limits
 * the run to one Node-RED.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sign, vendors } from '../../shared/src/index';
import { startNodeRed, stopAll, type NodeRedMajor, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { releaseTarballs } from '../helpers/release-tarballs';

const require = createRequire(__filename);
const artifacts = path.join(__dirname, 'artifacts');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const MAJORS = (process.env.DEVICEHOOK_EDITOR_MAJORS ?? '4,5').split(',').map((m) => m.trim()) as NodeRedMajor[];
/** The node types the package registers, and how the editor titles their dialogs. */
const TYPES = ['devicehook in', 'devicehook verify', 'devicehook out', 'devicehook-vendor'];
/** What the editor shows for each type (its paletteLabel): in the palette, as "Edit … node" on the dialog, as the help's title. */
const LABEL: Record<string, string> = { 'devicehook in': 'webhook in', 'devicehook verify': 'verify', 'devicehook out': 'webhook out', 'devicehook-vendor': 'devicehook-vendor' };

// Native require: playwright-core must not go through Vite's transform.
const { chromium } = require('playwright-core') as typeof import('playwright-core');

// The editor's globals, as seen from page.evaluate / waitForFunction.
declare const RED: any;
declare const $: any;

const TAB = 'tab1';
const flow = [
  { id: TAB, type: 'tab', label: 'devicehook editor e2e', disabled: false, info: '' },
  // As a hand-written or API-deployed flow has them: only the fields that matter, no optional ones.
  { id: 'v1', type: 'devicehook-vendor', vendor: 'inhand-dm' },
  { id: 'in1', type: 'devicehook in', url: '/hooks/inhand', vendor: 'v1', types: ['offline'], typeLabels: ['Gateway offline'], outputs: 2, x: 200, y: 100, z: TAB, wires: [['dbgoffline'], ['dbgother']] },
  { id: 'dbgoffline', type: 'debug', name: 'offline alerts', active: true, tosidebar: true, complete: 'payload', targetType: 'msg', x: 520, y: 80, z: TAB, wires: [] },
  { id: 'dbgother', type: 'debug', name: 'other alerts', active: true, tosidebar: true, complete: 'payload', targetType: 'msg', x: 520, y: 140, z: TAB, wires: [] },
];

async function postHook(base: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
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

afterAll(() => stopAll(), 60_000);

describe.each(MAJORS)('devicehook nodes in the Node-RED %s editor (Chromium)', (major) => {
  let red: NodeRedRuntime;
  let base: string;
  let browser: Browser;
  let page: Page;
  /** Everything the page reported as an error: console errors, uncaught exceptions, failed requests, HTTP errors. */
  const browserErrors: string[] = [];
  /** How many of browserErrors the previous step already reported. */
  let reported = 0;
  const hook = (body: Buffer | string, headers: Record<string, string>) => postHook(base, body, headers);
  const screenshot = async (name: string) => {
    fs.mkdirSync(artifacts, { recursive: true });
    const ignore = path.join(artifacts, '.gitignore');
    if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '*\n!.gitignore\n');
    const file = path.join(artifacts, `node-red-${major}-${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await page.screenshot({ path: file });
    return file;
  };

  beforeAll(async () => {
    expect(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing`).toBe(true);
    red = await startNodeRed({ major, packages: [releaseTarballs().nodeRed] });
    base = red.url;

    const nodes = (await (await fetch(`${base}/nodes`, { headers: { Accept: 'application/json' } })).json()) as { module: string; types: string[]; err?: string }[];
    const ours = nodes.filter((set) => set.module === '@devicehook/node-red');
    // The vendor-API nodes (devicehook edgesense, devicehook 1nce, devicehook-api) are driven in node-red-management.e2e.test.ts.
    expect(ours.flatMap((set) => set.types).sort()).toEqual([...TYPES, 'devicehook edgesense', 'devicehook 1nce', 'devicehook-api', 'devicehook response'].sort());
    expect(ours.map((set) => set.err).filter(Boolean)).toEqual([]);

    await red.deploy(flow, { v1: { secret: 's' } });
    // The flow starts asynchronously after the deploy answers: wait until the endpoint refuses an unsigned call.
    await waitUntil(async () => (await hook('{}', { 'Content-Type': 'application/json' })).status === 401, 'the deployed devicehook in to answer');

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
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
    try {
      await page.waitForFunction(() => (window as any).RED && RED.nodes && RED.nodes.node('in1'), undefined, { timeout: 30_000 });
      // The canvas has drawn the node once it is in the SVG.
      await page.locator('#in1').waitFor({ state: 'attached' });
    } catch (err) {
      const loading = await page.locator('#red-ui-loading-progress, .red-ui-loading-bar-label').allInnerTexts().catch(() => []);
      await screenshot('did-not-load').catch(() => undefined);
      throw new Error(`the editor did not finish loading (${(err as Error).message.split('\n')[0]}); it shows: ${JSON.stringify(loading)}; the browser reported:\n  ${browserErrors.join('\n  ') || '(nothing)'}`);
    }
    expect(browserErrors, 'errors while the editor loaded').toEqual([]);
  }, 600_000);

  afterAll(async () => {
    if (browserErrors.length) console.log(`[editor e2e] Node-RED ${major}: the browser reported:\n  ${browserErrors.join('\n  ')}`);
    await browser?.close().catch(() => undefined);
    await red?.stop();
  }, 60_000);

  afterEach(async () => {
    // A failed step must not leave a dialog (and its shade over the canvas) for the next one.
    for (let i = 0; i < 3 && page && (await trayCount(page)) > 0; i++) {
      const depth = await trayDepth(page);
      await page.locator('#node-config-dialog-cancel, #node-dialog-cancel').last().click({ timeout: 2_000 }).catch(() => undefined);
      await waitUntil(async () => (await trayCount(page)) === 0 || (await trayDepth(page)) < depth, 'the dialog to close', 3_000).catch(() => undefined);
    }
    // Any error the browser reported during the step fails it.
    const fresh = browserErrors.slice(reported);
    reported = browserErrors.length;
    if (fresh.length > 0) throw new Error(`the browser reported during this step:\n  ${fresh.join('\n  ')}`);
  });

  it('shows the devicehook category with its three nodes in the palette', async () => {
    await poll(() => page.locator('#red-ui-palette-container-devicehook').count()).toBe(1);
    for (const type of ['devicehook in', 'devicehook verify', 'devicehook out']) {
      const entry = page.locator(`#red-ui-palette-container-devicehook .red-ui-palette-node[data-palette-type="${type}"]`);
      await poll(() => entry.count()).toBe(1);
      // The palette wraps long labels over two lines: compare the words.
      await poll(async () => ((await entry.locator('.red-ui-palette-label').textContent()) ?? '').replace(/\s+/g, ' ').trim()).toBe(LABEL[type]);
    }
    // The config node is not a palette entry.
    await poll(() => page.locator('.red-ui-palette-node[data-palette-type="devicehook-vendor"]').count()).toBe(0);
  });

  it('devicehook in: the dialog shows the URL and the vendor’s types, and ticking types adds outputs', async () => {
    await page.locator('#in1').dblclick();
    await waitForTray(page, LABEL['devicehook in']);
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
    await waitForTray(page, LABEL['devicehook in']);
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
    await waitForTray(page, LABEL['devicehook verify']);
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
    await waitForTray(page, LABEL['devicehook out']);
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

  it("allowed sources: the field is there, and \"Also allow the vendor's published addresses\" shows only for a vendor that publishes some (1NCE)", async () => {
    await page.evaluate(() => RED.view.importNodes([{ id: 'v1nce', type: 'devicehook-vendor', vendor: '1nce', header: 'x-api-key' }], { generateIds: false, notify: false }));
    await page.locator('#verify1').dblclick();
    await waitForTray(page, LABEL['devicehook verify']);
    await poll(() => page.locator('#node-input-sources').isVisible()).toBe(true);
    await poll(() => page.locator('#devicehook-verify-vendor-sources-row').isVisible()).toBe(false); // InHand publishes none
    await page.locator('#node-input-vendor').selectOption('v1nce');
    await poll(() => page.locator('#devicehook-verify-vendor-sources-row').isVisible()).toBe(true);
    await poll(() => page.locator('#devicehook-verify-vendor-sources-row').innerText()).toContain("Also allow the vendor's published addresses (52.29.71.11, 18.157.211.95)");
    await page.locator('#node-dialog-cancel').click();
    await poll(() => trayCount(page)).toBe(0);
    // Leave the flow as it was for the next steps.
    await page.evaluate(() => {
      const n = RED.nodes.node('verify1');
      delete n._pendingTypes;
      delete n._pendingLabels;
      RED.nodes.remove('v1nce');
    });
    expect(await page.evaluate(() => RED.nodes.node('v1nce') === null || RED.nodes.node('v1nce') === undefined)).toBe(true);
    expect(await page.evaluate(() => RED.nodes.node('verify1').vendor)).toBe('v1');
  });

  it('devicehook in: ticked types survive editing the vendor config from the dialog', async () => {
    await page.locator('#in1').dblclick();
    await waitForTray(page, LABEL['devicehook in']);
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

  it.each([
    ['in1', 'devicehook in'],
    ['verify1', 'devicehook verify'],
    ['out1', 'devicehook out'],
    ['v1', 'devicehook-vendor'],
  ])('%s (%s): its edit dialog opens and renders, and its help shows in the sidebar', async (id, type) => {
    // The help text the package ships for this type (from the installed copy): its first paragraph.
    const helpFile = path.join(red.userDir, 'node_modules', '@devicehook', 'node-red', 'dist', 'nodes', 'locales', 'en-US', `${type.replace(' ', '-')}.html`);
    const firstParagraph = /<p>([\s\S]*?)<\/p>/.exec(fs.readFileSync(helpFile, 'utf8'))![1]!.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();

    if (type === 'devicehook-vendor') {
      // A config node: from the "Configuration nodes" sidebar, as a user finds it.
      await page.evaluate(() => RED.sidebar.show('config'));
      const entry = page.locator('.red-ui-palette-node-config').filter({ has: page.locator('.red-ui-palette-label') });
      await poll(() => entry.count()).toBeGreaterThan(0);
      // The sidebar's entries carry the node id only as jQuery data, and are rebuilt on every change: mark ours each time.
      const mine = async () => {
        await page.evaluate((nodeId) => {
          $('.red-ui-palette-node-config').each(function (this: HTMLElement) {
            if ($(this).parent().data('data-node-id') === nodeId) $(this).attr('data-e2e-id', nodeId);
          });
        }, id);
        return page.locator(`.red-ui-palette-node-config[data-e2e-id="${id}"]`);
      };
      await (await mine()).dblclick();
      await waitForTray(page, LABEL[type]);
      await poll(() => page.locator('#node-config-input-vendor option').count()).toBe(7);
      await screenshot(`${type}-dialog`);
      await page.locator('#node-config-dialog-cancel').click();
      await poll(() => trayCount(page)).toBe(0);
      await (await mine()).click(); // selects it: the info sidebar now describes it
    } else {
      await page.locator(`#${id}`).dblclick();
      await waitForTray(page, LABEL[type]);
      // The dialog's own form is there once the node's oneditprepare has run.
      await poll(() => page.locator('.red-ui-tray .red-ui-tray-body .form-row').count()).toBeGreaterThan(1);
      await screenshot(`${type}-dialog`);
      await page.locator('#node-dialog-cancel').click();
      await poll(() => trayCount(page)).toBe(0);
      await page.locator(`#${id} .red-ui-flow-node`).click();
      await poll(() => page.evaluate((nodeId) => RED.view.selection().nodes?.map((n: { id: string }) => n.id) ?? [], id)).toEqual([id]);
    }

    // The info sidebar's "show help" button (the book) opens the node's help in the help sidebar.
    await page.evaluate(() => RED.sidebar.show('info'));
    const book = page.locator('.red-ui-sidebar-info button:has(i.fa-book)').first();
    await book.click();
    const help = page.locator('.red-ui-sidebar-help-stack .red-ui-help').first();
    await poll(async () => ((await help.innerText().catch(() => '')) ?? '').replace(/\s+/g, ' ')).toContain(firstParagraph);
    // Titled with the type, and the help is the one selected in the sidebar's node list.
    expect((await help.innerText()).split('\n')[0]).toBe(LABEL[type]);
    await screenshot(`${type}-help`);
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
    await poll(async () => (await hook(signed.body, signed.headers)).status).toBe(200);
    const unsigned = await hook(JSON.stringify(vendors['inhand-dm'].samples.online), { 'Content-Type': 'application/json' });
    expect(unsigned.status).toBe(401);
    const wrongSecret = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples.online, secret: 'not-s' });
    expect((await hook(wrongSecret.body, wrongSecret.headers)).status).toBe(401);

    // The node's status under it on the canvas counts what it saw.
    await poll(() => page.locator('#in1 .red-ui-flow-node-status-label').textContent()).toMatch(/1 accepted, 2 refused/);
  });

  it('devicehook out: its button sends the mock through the deployed node and notifies the result', async () => {
    // out1 sends to 127.0.0.1:9 (discard port, nothing listens): one attempt, refused, said in a notification and the status.
    await page.evaluate(() => $('.red-ui-notification').remove());
    const answered = page.waitForResponse((res) => res.url() === `${base}/devicehook/mock/out1` && res.request().method() === 'POST');
    await page.locator('#out1 .red-ui-flow-node-button').click();
    const res = await answered;
    expect(res.status()).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ type: 'device.alert', delivered: false, url: 'http://127.0.0.1:9/forward' });
    await poll(async () => (await page.locator('.red-ui-notification').allInnerTexts()).join(' ')).toMatch(/Mock device\.alert sent to http:\/\/127\.0\.0\.1:9\/forward \(one attempt\)/);
    await poll(() => page.locator('#out1 .red-ui-flow-node-status-label').textContent()).toMatch(/^mock device\.alert: /);
  });

  it('saves a screenshot of the flow', async () => {
    // Select the edited node so it stands out, and clear the "Successfully deployed" toast.
    await page.evaluate(() => {
      RED.view.select('in1');
      $('.red-ui-notification').remove();
    });
    const file = await screenshot('flow');
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });

  it('the browser reported no errors at all', () => {
    expect(browserErrors).toEqual([]);
  });
});
