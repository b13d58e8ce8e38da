// Builds the example flows from the core's catalogues: one per vendor (devicehook in → a debug node per
// output, by alert type), used for node-red/examples/ and by `npm start`.
const { vendors } = require('@devicehook/core');

const SECRETS = {
  'standard-webhooks': 'whsec_ZGV2aWNlaG9vay1kZW1vLXNlY3JldC0zMmJ5dGVzIQ==',
};
const demoSecret = (vendor) => SECRETS[vendor] ?? `demo-secret-${vendor}`;

/**
 * The environment variable each example's secret is read from. The examples ship with `${VAR}` as the
 * secret: until the variable is set where Node-RED runs (or a secret is typed in), every request is
 * refused 503 not_configured, naming the variable — an imported example never accepts forged requests.
 */
const SECRET_VARIABLES = {
  'inhand-dm': 'INHAND_SECRET',
  'incloud-manager': 'INCLOUD_SECRET',
  edgesense: 'EDGESENSE_SECRET',
  '1nce': 'ONENCE_API_KEY',
  scalefusion: 'SCALEFUSION_SECRET',
  'standard-webhooks': 'STANDARD_WEBHOOKS_SECRET',
  'generic-hmac': 'HMAC_SECRET',
};
const secretVariable = (vendor) => `\${${SECRET_VARIABLES[vendor] ?? 'DEVICEHOOK_SECRET'}}`;

/** Flow nodes for one vendor, laid out on tab `z` from row `y`. */
function vendorNodes(vendorId, { z, y = 60, withCredentials = false, secretFromEnv = false, types }) {
  const profile = vendors[vendorId];
  const chosen = types ?? profile.eventTypes.slice(0, 3).map((t) => t.value);
  const labels = chosen.map((value) => profile.eventTypes.find((t) => t.value === value)?.label ?? value);
  const id = (suffix) => `dh-${vendorId}-${suffix}`.replace(/[^a-z0-9-]/gi, '');
  const config = {
    id: id('vendor'),
    type: 'devicehook-vendor',
    name: profile.label,
    vendor: vendorId,
    ...(vendorId === 'generic-hmac' ? { header: 'X-Signature' } : {}),
    ...(withCredentials ? { credentials: { secret: demoSecret(vendorId) } } : {}),
    ...(secretFromEnv ? { credentials: { secret: secretVariable(vendorId) } } : {}),
  };
  const inNode = {
    id: id('in'),
    type: 'devicehook in',
    z,
    name: `${profile.label} alerts`,
    url: `/hooks/${vendorId}`,
    vendor: config.id,
    types: chosen,
    typeLabels: labels,
    outputs: chosen.length + 1,
    maxBytes: '',
    strict: false,
    x: 170,
    y: y + 40 * Math.floor(chosen.length / 2),
    wires: [...chosen, 'other'].map((_, n) => [id(`debug${n}`)]),
  };
  const debugs = [...labels, 'other'].map((label, n) => ({
    id: id(`debug${n}`),
    type: 'debug',
    z,
    name: `${profile.label}: ${label}`,
    active: true,
    tosidebar: true,
    console: false,
    tostatus: true,
    complete: 'payload',
    targetType: 'msg',
    statusVal: 'topic',
    statusType: 'msg',
    x: 520,
    y: y + 40 * n,
    wires: [],
  }));
  return { config, nodes: [inNode, ...debugs], height: 40 * (chosen.length + 1) + 40 };
}

/** An importable example flow for one vendor: its secret is `${VAR}`, refused until that variable is set. */
function exampleFlow(vendorId) {
  const tab = {
    id: `dh-tab-${vendorId}`.replace(/[^a-z0-9-]/gi, ''),
    type: 'tab',
    label: `${vendors[vendorId].label} webhooks`,
    info: `Receives ${vendors[vendorId].label} webhooks on /hooks/${vendorId}, verifies them and routes them by type. The secret is ${secretVariable(vendorId)}: set that environment variable where Node-RED runs (or type the secret into the vendor configuration); until then every request is refused (503 not_configured).`,
  };
  const built = vendorNodes(vendorId, { z: tab.id, secretFromEnv: true });
  return [tab, ...built.nodes, built.config];
}

/** Every vendor on one tab, with demo secrets, plus a forwarder: InHand alerts re-sent signed by devicehook out. */
function demoFlow({ port }) {
  const z = 'dh-demo';
  const flows = [{ id: z, type: 'tab', label: 'DeviceHook demo', info: 'Signed sample alerts from every vendor arrive here, verified and routed by type.' }];
  let y = 60;
  for (const vendorId of Object.keys(vendors)) {
    const built = vendorNodes(vendorId, { z, y, withCredentials: true });
    flows.push(built.config, ...built.nodes);
    y += built.height;
  }
  // Forward InHand "offline" alerts to our own generic-HMAC endpoint, signed: devicehook out at work.
  const inhandIn = flows.find((n) => n.id === 'dh-inhand-dm-in');
  inhandIn.wires[1].push('dh-forward');
  flows.push(
    {
      id: 'dh-forward',
      type: 'devicehook out',
      z,
      name: 'forward offline alerts, signed',
      vendor: 'dh-generic-hmac-vendor',
      url: `http://127.0.0.1:${port}/hooks/generic-hmac`,
      method: 'POST',
      headers: [{ name: 'X-Device-Serial', value: ':iccid:' }],
      retry: 'default',
      timeout: '',
      ssrfGuard: false,
      x: 800,
      y: 100,
      wires: [['dh-forward-ok'], ['dh-forward-failed']],
    },
    { id: 'dh-forward-ok', type: 'debug', z, name: 'forwarded', active: true, tosidebar: true, console: false, tostatus: false, complete: 'delivery', targetType: 'msg', x: 1040, y: 80, wires: [] },
    { id: 'dh-forward-failed', type: 'debug', z, name: 'forward failed', active: true, tosidebar: true, console: false, tostatus: false, complete: 'error', targetType: 'msg', x: 1050, y: 120, wires: [] },
  );
  return flows;
}

module.exports = { exampleFlow, demoFlow, demoSecret };

// `node demo-flows.cjs --write-examples`: regenerate node-red/examples/ from the catalogues.
if (require.main === module && process.argv.includes('--write-examples')) {
  const { writeFileSync, mkdirSync } = require('node:fs');
  const { join } = require('node:path');
  const dir = join(__dirname, '..', 'examples');
  mkdirSync(dir, { recursive: true });
  for (const vendorId of Object.keys(vendors)) {
    writeFileSync(join(dir, `${vendors[vendorId].label.replace(/[^\w.]+/g, ' ').trim()} - receive and route.json`), `${JSON.stringify(exampleFlow(vendorId), null, 2)}\n`);
  }
  const verifyExample = [
    { id: 'dh-tab-verify', type: 'tab', label: 'Verify mid-flow', info: `http in with "Do not parse request body" → devicehook verify → outputs by type, rejected → http response with the reason (msg.answer). The secret is ${secretVariable('scalefusion')}: set that environment variable; until then every request is refused (503).` },
    { id: 'dh-v-httpin', type: 'http in', z: 'dh-tab-verify', name: '', url: '/hooks/scalefusion-core', method: 'post', upload: false, skipBodyParsing: true, swaggerDoc: '', x: 170, y: 80, wires: [['dh-v-verify']] },
    { id: 'dh-v-verify', type: 'devicehook verify', z: 'dh-tab-verify', name: '', vendor: 'dh-v-vendor', types: ['device.locked', 'device.lost'], typeLabels: ['Device Locked', 'Device Lost'], outputs: 4, strict: false, maxBytes: '', x: 420, y: 80, wires: [['dh-v-ok', 'dh-v-debug'], ['dh-v-ok', 'dh-v-debug'], ['dh-v-ok', 'dh-v-debug'], ['dh-v-refuse']] },
    { id: 'dh-v-ok', type: 'http response', z: 'dh-tab-verify', name: '200', statusCode: '200', headers: {}, x: 680, y: 60, wires: [] },
    { id: 'dh-v-refuse', type: 'change', z: 'dh-tab-verify', name: 'reason', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'answer', tot: 'msg' }], x: 650, y: 140, wires: [['dh-v-http-refuse']] },
    { id: 'dh-v-http-refuse', type: 'http response', z: 'dh-tab-verify', name: 'msg.statusCode', statusCode: '', headers: {}, x: 840, y: 140, wires: [] },
    { id: 'dh-v-debug', type: 'debug', z: 'dh-tab-verify', name: 'verified', active: true, tosidebar: true, complete: 'payload', targetType: 'msg', x: 670, y: 100, wires: [] },
    { id: 'dh-v-vendor', type: 'devicehook-vendor', name: 'Scalefusion', vendor: 'scalefusion', credentials: { secret: secretVariable('scalefusion') } },
  ];
  writeFileSync(join(dir, 'Verify mid-flow after http in.json'), `${JSON.stringify(verifyExample, null, 2)}\n`);
  const outExample = [
    { id: 'dh-tab-out', type: 'tab', label: 'Send signed webhooks', info: 'Plays a vendor: a 1NCE-style telemetry message sent with :iccid: placeholders, failed deliveries to a dead-letter debug.' },
    { id: 'dh-o-inject', type: 'inject', z: 'dh-tab-out', name: '1NCE telemetry', props: [{ p: 'payload' }], repeat: '', once: false, payload: JSON.stringify(vendors['1nce'].samples.TELEMETRY_DATA), payloadType: 'json', x: 150, y: 80, wires: [['dh-o-out']] },
    { id: 'dh-o-out', type: 'devicehook out', z: 'dh-tab-out', name: '', vendor: 'dh-o-vendor', url: 'https://example.com/telemetry/:iccid:', method: 'POST', headers: [{ name: 'x-device-ip', value: ':ip:' }], retry: '1nce', timeout: '20000', ssrfGuard: true, x: 380, y: 80, wires: [['dh-o-ok'], ['dh-o-dead']] },
    { id: 'dh-o-ok', type: 'debug', z: 'dh-tab-out', name: 'delivered', active: true, tosidebar: true, complete: 'delivery', targetType: 'msg', x: 600, y: 60, wires: [] },
    { id: 'dh-o-dead', type: 'debug', z: 'dh-tab-out', name: 'dead letter', active: true, tosidebar: true, complete: 'true', targetType: 'full', x: 600, y: 100, wires: [] },
    { id: 'dh-o-vendor', type: 'devicehook-vendor', name: '1NCE (x-api-key)', vendor: '1nce', header: 'x-api-key', credentials: { secret: '${FORWARD_API_KEY}' } },
  ];
  writeFileSync(join(dir, 'Send signed webhooks with placeholders.json'), `${JSON.stringify(outExample, null, 2)}\n`);
}
