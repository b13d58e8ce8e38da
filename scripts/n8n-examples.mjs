/**
 * Writes the import-ready n8n example workflows in examples/n8n/ (run after `npm run build`):
 *  - InHand alerts → one branch per alert type → a signed webhook out;
 *  - 1NCE telemetry → forwarded, signed, to a URL with :iccid: placeholders.
 * Each trigger carries pinned data — the normalized event our trigger outputs for a signed sample,
 * produced here by the core's own verify — so n8n's data mapper shows the fields before the first
 * real alert (n8n offers no schema preview for trigger nodes).
 * test/n8n/examples.test.ts checks them against the nodes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const core = createRequire(import.meta.url)(path.join(root, 'shared/dist/index.js'));
const outDir = path.join(root, 'examples/n8n');

/** What our trigger outputs for the vendor's sample of `type`: the normalized event, verified. */
function pinnedEvent(vendor, type, options = {}) {
  const secret = 'example-secret';
  const body = core.getVendor(vendor).samples[type];
  const signed = core.sign({ vendor, body, secret, options });
  const result = core.verify({ vendor, rawBody: signed.body, headers: signed.headers, secrets: secret, options: { scheme: options } });
  // (These pinned events are examples of the output; the workflows themselves carry no secret.)
  if (!result.ok) throw new Error(`sample ${vendor}/${type} did not verify: ${result.message}`);
  return { json: { ...result.event, authentication: result.authentication } };
}

const inhandAlerts = {
  name: 'InHand alerts → branch by alert type → signed webhook',
  nodes: [
    {
      id: 'b5d0c1e2-1111-4a6e-9a55-000000000001',
      name: 'InHand Device Manager Trigger',
      type: 'n8n-nodes-devicehook.inHandDeviceManagerTrigger',
      typeVersion: 1,
      position: [0, 0],
      webhookId: '2f9b8a70-3c1d-4f57-9d0e-6a1b2c3d4e01',
      parameters: { eventTypes: ['offline', 'online', 'link_change'], routeByType: true, output: 'event', allowUnauthenticated: false, allowUnsigned: false, options: {} },
      notes:
        'Set the InHand Webhook Secret credential to the secret of the alert webhook in Device Manager (or to an expression such as {{ $env.INHAND_SECRET }}), and paste this node\'s production URL there. Until the credential has a secret, every request is refused (503 not_configured).',
    },
    {
      id: 'b5d0c1e2-1111-4a6e-9a55-000000000002',
      name: 'Forward offline alert (signed)',
      type: 'n8n-nodes-devicehook.signedWebhook',
      typeVersion: 1,
      position: [320, -160],
      parameters: {
        scheme: 'standard-webhooks',
        url: 'https://ops.example.com/hooks/gateway-offline',
        method: 'POST',
        body: 'item',
        headers: { header: [{ name: 'X-Gateway', value: '={{ $json.device.serialNumber }}' }] },
        retryPolicy: 'default',
        options: {},
      },
      notes: 'Sends the alert to your ops endpoint, signed the Standard Webhooks way (any receiver with a standardwebhooks library can verify it).',
    },
    { id: 'b5d0c1e2-1111-4a6e-9a55-000000000003', name: 'Gateway back online', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [320, 0], parameters: {} },
    { id: 'b5d0c1e2-1111-4a6e-9a55-000000000004', name: 'Interface up/down', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [320, 160], parameters: {} },
    { id: 'b5d0c1e2-1111-4a6e-9a55-000000000005', name: 'Other alerts', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [320, 320], parameters: {} },
  ],
  connections: {
    'InHand Device Manager Trigger': {
      main: [
        [{ node: 'Forward offline alert (signed)', type: 'main', index: 0 }],
        [{ node: 'Gateway back online', type: 'main', index: 0 }],
        [{ node: 'Interface up/down', type: 'main', index: 0 }],
        [{ node: 'Other alerts', type: 'main', index: 0 }],
      ],
    },
  },
  pinData: { 'InHand Device Manager Trigger': [pinnedEvent('inhand-dm', 'offline')] },
  settings: { executionOrder: 'v1' },
};

const oneNceTelemetry = {
  name: '1NCE telemetry → forward with placeholders',
  nodes: [
    {
      id: 'c6e1d2f3-2222-4b7f-8b66-000000000001',
      name: '1NCE Trigger',
      type: 'n8n-nodes-devicehook.oneNceTrigger',
      typeVersion: 1,
      position: [0, 0],
      webhookId: '3a0c9b81-4d2e-4068-8e1f-7b2c3d4e5f02',
      parameters: { registerWebhook: true, integrationName: 'n8n telemetry', eventTypes: ['TELEMETRY_DATA'], routeByType: false, output: 'event', allowUnauthenticated: false, allowUnsigned: false, options: {} },
      notes:
        'On activation this registers a webhook integration at 1NCE (API user in the 1NCE API credential) that sends the credential\'s header with every message; on deactivation it removes it. Until the credential has a Webhook Header Value, every request is refused (503 not_configured).',
    },
    {
      id: 'c6e1d2f3-2222-4b7f-8b66-000000000002',
      name: 'Forward telemetry',
      type: 'n8n-nodes-devicehook.signedWebhook',
      typeVersion: 1,
      position: [320, 0],
      parameters: {
        scheme: 'generic-hmac',
        url: 'https://iot.example.com/devices/:iccid:/telemetry?imsi=:imsi:',
        method: 'POST',
        body: 'item',
        headers: { header: [{ name: 'X-Device-IP', value: ':ip:' }] },
        retryPolicy: 'default',
        options: {},
      },
      notes: ':iccid:, :imsi: and :ip: are filled from the event\'s device (percent-encoded in the URL; "none" when missing).',
    },
  ],
  connections: { '1NCE Trigger': { main: [[{ node: 'Forward telemetry', type: 'main', index: 0 }]] } },
  pinData: { '1NCE Trigger': [pinnedEvent('1nce', 'TELEMETRY_DATA', { header: 'x-api-key' })] },
  settings: { executionOrder: 'v1' },
};

const files = {
  'inhand-alerts-route-and-forward.json': inhandAlerts,
  '1nce-telemetry-forward.json': oneNceTelemetry,
};
fs.mkdirSync(outDir, { recursive: true });
for (const [name, workflow] of Object.entries(files)) fs.writeFileSync(path.join(outDir, name), `${JSON.stringify(workflow, null, 2)}\n`);
console.log(`wrote ${Object.keys(files).length} examples to examples/n8n/`);
