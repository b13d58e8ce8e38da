/**
 * What the Node-RED editor shows: the clock window only for vendors whose scheme signs a timestamp (decided
 * from the catalogue the runtime serves, found by the core from the schemes' behaviour), the "Outputs for"
 * label aligned with the top of its list, and palette labels short enough for the palette.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist', 'nodes');
const vendorNode = require(join(DIST, 'devicehook-vendor.js'));
helper.init(require.resolve('node-red'));
afterEach(async () => {
  await helper.unload();
});

const html = (name: string) => readFileSync(join(DIST, `${name}.html`), 'utf8');

describe('the Node-RED editor forms', () => {
  it('serves, per vendor, when the clock window applies, and the vendor dialog shows it only then', async () => {
    await helper.load([vendorNode], [{ id: 'v1', type: 'devicehook-vendor', vendor: 'inhand-dm' }]);
    const res = await helper.request().get('/devicehook/vendors').expect(200);
    const clock = Object.fromEntries((res.body as Array<{ id: string; clockWindow: string }>).map((v) => [v.id, v.clockWindow]));
    expect(clock).toEqual({
      'inhand-dm': 'never',
      'incloud-manager': 'never',
      edgesense: 'never',
      '1nce': 'never',
      scalefusion: 'never',
      'standard-webhooks': 'always',
      'generic-hmac': 'timestamp.body',
    });
    const vendorHtml = html('devicehook-vendor');
    // The row that holds the clock window is the one the dialog toggles from the catalogue's clockWindow.
    expect(vendorHtml).toMatch(/<div class="form-row devicehook-tolerance-row">\s*<label for="node-config-input-tolerance">/);
    expect(vendorHtml).toContain("$('.devicehook-tolerance-row').toggle(clock === 'always' || (clock === 'timestamp.body' && $('#node-config-input-signedContent').val() === 'timestamp.body'))");
    expect(vendorHtml).toContain("$('#node-config-input-signedContent').on('change', showSchemeRows)");
  });

  it('aligns "Outputs for" with the top of its list of types, as Node-RED aligns a label beside a tall field', () => {
    for (const name of ['devicehook-in', 'devicehook-verify']) {
      expect(html(name)).toMatch(new RegExp(`<label style="vertical-align:top; margin-top:6px;"><i class="fa fa-random"></i> <span data-i18n="${name}.label.types"></span></label>\\s*<div id="${name}-types" style="display:inline-block; width:70%; vertical-align:top;">`));
    }
  });

  it('gives the palette labels that fit a palette entry (the category already says devicehook)', () => {
    const labels = ['devicehook-in', 'devicehook-verify', 'devicehook-out', 'devicehook-response'].map((name) => /paletteLabel: '([^']+)'/.exec(html(name))?.[1]);
    expect(labels).toEqual(['webhook in', 'verify', 'webhook out', 'response']);
    for (const label of labels) expect(label!.length).toBeLessThanOrEqual(11);
  });
});

describe('the devicehook out retry presets', () => {
  it('says the InHand preset does not retry when the receiver cannot be reached, as InHand documents', () => {
    const locale = JSON.parse(readFileSync(join(DIST, 'locales', 'en-US', 'devicehook-out.json'), 'utf8'));
    expect(locale['devicehook-out'].retry.inhand).toBe('InHand: 3 retries 10 s apart; none if unreachable');
    expect(html('devicehook-out')).toContain('<option value="inhand" data-i18n="devicehook-out.retry.inhand"></option>');
  });
});

describe('the answer mode fields of devicehook in', () => {
  it('offers "at once" (the default) and "when the flow has finished", and shows failure status, timeout and timeout answer only for the latter', () => {
    const form = html('devicehook-in');
    expect(form).toContain("answer: { value: 'at_once' }");
    expect(form).toMatch(/<option value="at_once" data-i18n="devicehook-in.label.answerAtOnce"><\/option>\s*<option value="after_flow"/);
    for (const field of ['failureStatus', 'answerTimeout', 'timeoutStatus']) {
      expect(form).toMatch(new RegExp(`<div class="form-row devicehook-in-after-flow-row">\\s*<label for="node-input-${field}">`));
    }
    expect(form).toContain("$('.devicehook-in-after-flow-row').toggle($('#node-input-answer').val() === 'after_flow')");
    const locale = JSON.parse(readFileSync(join(DIST, 'locales', 'en-US', 'devicehook-in.json'), 'utf8'))['devicehook-in'];
    for (const key of ['answer', 'answerAtOnce', 'answerAfterFlow', 'failureStatus', 'answerTimeout', 'timeoutStatus', 'timeout503', 'timeout200']) expect(locale.label[key], key).toBeTruthy();
    const response = JSON.parse(readFileSync(join(DIST, 'locales', 'en-US', 'devicehook-response.json'), 'utf8'))['devicehook-response'];
    expect(Object.keys(response.status).sort()).toEqual(['already', 'answered', 'nothing']);
    expect(readFileSync(join(DIST, 'locales', 'en-US', 'devicehook-response.html'), 'utf8')).toContain('data-help-name="devicehook response"');
  });
});
