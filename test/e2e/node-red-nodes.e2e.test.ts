/**
 * The devicehook nodes in real Node-RED runtimes with DEFAULT settings (admin and editor at "/", whose
 * JSON parser would otherwise eat the body): Node-RED 4.1 on Node 20 and Node-RED 5 on Node 24, the
 * @devicehook/node-red release tarball installed into a fresh userDir as the palette manager installs it,
 * flows deployed through the admin API. Every vendor gets signed, tampered, unsigned and malformed requests;
 * routing by type is observed through http request nodes posting to a local receiver; devicehook out
 * fails, recovers, and survives a restart with a retry pending.
 */
import { createHmac } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign, vendors, verify, type VendorId } from '../../shared/src/index';
import { startNodeRed, stopAll, type FlowNode, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { readOutbox } from '../helpers/outbox';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { releaseTarballs } from '../helpers/release-tarballs';
const secretOf = (vendor: string) => (vendor === 'standard-webhooks' ? 'whsec_ZTJlLWUyZS1lMmUtZTJlLWUyZS1lMmUtZTJlLWUy' : `e2e-${vendor}`);
const VENDORS = Object.keys(vendors) as VendorId[];

/** Per vendor: devicehook in with its first type chosen; output n → http request → receiver /seen/<vendor>/<n>. */
function flows(receiverUrl: string): FlowNode[] {
  const nodes: FlowNode[] = [{ id: 'tab', type: 'tab', label: 'e2e' }];
  for (const vendor of VENDORS) {
    const key = vendor.replace(/[^a-z0-9]/g, '');
    const first = Object.keys(vendors[vendor].samples)[0] as string;
    nodes.push(
      { id: `cfg${key}`, type: 'devicehook-vendor', vendor, credentials: { secret: secretOf(vendor) } },
      { id: `in${key}`, type: 'devicehook in', z: 'tab', url: `/hooks/${vendor}`, vendor: `cfg${key}`, types: [first], outputs: 2, wires: [[`req${key}0`], [`req${key}1`]] },
    );
    for (const n of [0, 1]) {
      nodes.push({ id: `req${key}${n}`, type: 'http request', z: 'tab', method: 'POST', ret: 'txt', url: `${receiverUrl}/seen/${vendor}/${n}`, wires: [] });
    }
  }
  // Allowed sources: this test's requests come from loopback.
  nodes.push(
    { id: 'allowno', type: 'devicehook in', z: 'tab', url: '/hooks/allow-no', vendor: 'cfginhanddm', types: [], outputs: 1, sources: '10.0.0.0/8, 2001:db8::/32', maxBytes: '1000', wires: [[]] },
    { id: 'allowyes', type: 'devicehook in', z: 'tab', url: '/hooks/allow-yes', vendor: 'cfginhanddm', types: [], outputs: 1, sources: '127.0.0.1, ::1', wires: [[]] },
  );
  nodes.push(
    { id: 'cfgout', type: 'devicehook-vendor', vendor: 'scalefusion', credentials: { secret: 'out-secret' } },
    { id: 'inj1', type: 'inject', z: 'tab', props: [{ p: 'payload' }], payload: JSON.stringify(vendors.scalefusion.samples['device.locked']), payloadType: 'json', repeat: '', once: false, wires: [['out']] },
    { id: 'out', type: 'devicehook out', z: 'tab', ssrfGuard: false, vendor: 'cfgout', url: `${receiverUrl}/target`, retry: 'default', headers: [], wires: [['okreq'], ['failreq']] },
    { id: 'okreq', type: 'http request', z: 'tab', method: 'POST', ret: 'txt', url: `${receiverUrl}/delivered`, wires: [] },
    { id: 'failreq', type: 'http request', z: 'tab', method: 'POST', ret: 'txt', url: `${receiverUrl}/failed`, wires: [] },
  );
  return nodes;
}

/**
 * A correctly signed request whose body is not JSON. InHand and EdgeSense sign a parsed form, so sign()
 * cannot make one: their signature over the raw bytes is built here, as a careless sender would.
 */
function signBroken(vendor: VendorId, text: string, secret: string): { body: Buffer; headers: Record<string, string> } {
  const mac = (encoding: 'hex' | 'base64') => createHmac('sha256', secret).update(text).digest(encoding);
  if (vendor === 'inhand-dm' || vendor === 'incloud-manager') return { body: Buffer.from(text), headers: { 'Content-Type': 'application/json', 'X-Signature': mac('base64') } };
  if (vendor === 'edgesense') return { body: Buffer.from(text), headers: { 'Content-Type': 'application/json', 'X-EdgeSense-Signature': mac('hex') } };
  return sign({ vendor, body: text, secret });
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterAll(() => stopAll());

describe.each(['4', '5'] as const)('Node-RED %s, default settings', (major) => {
  let runtime: NodeRedRuntime;
  let receiver: Receiver;
  let targetUp = false;
  const seen = (prefix: string) => receiver.requests.filter((r) => r.url.startsWith(prefix));

  beforeAll(async () => {
    receiver = await startReceiver((_n, request) => (request.url === '/target' && !targetUp ? { status: 503 } : { status: 200 }));
    runtime = await startNodeRed({ major, packages: [releaseTarballs().nodeRed] });
    await runtime.deploy(flows(receiver.url));
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('the package came from its tarball alone: one package in the userDir, the core and zod inside it', async () => {
    const installed = join(runtime.userDir, 'node_modules', '@devicehook', 'node-red');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(readdirSync(join(runtime.userDir, 'node_modules')).filter((f) => !f.startsWith('.'))).toEqual(['@devicehook']);
    expect(readdirSync(join(runtime.userDir, 'node_modules', '@devicehook'))).toEqual(['node-red']);
    expect(readdirSync(join(installed, 'node_modules')).filter((f) => !f.startsWith('.')).sort()).toEqual(['@devicehook', 'zod']);
    const userPackage = JSON.parse(readFileSync(join(runtime.userDir, 'package.json'), 'utf8'));
    expect(userPackage.dependencies['@devicehook/node-red']).toMatch(/^file:.*devicehook-node-red-[\d.]+\.tgz$/);
    const sets = (await (await fetch(`${runtime.url}/nodes`, { headers: { Accept: 'application/json' } })).json()) as Array<{ module: string; types: string[]; err?: string }>;
    const ours = sets.filter((set) => set.module === '@devicehook/node-red');
    expect(ours.flatMap((set) => set.types).sort()).toEqual(['devicehook 1nce', 'devicehook edgesense', 'devicehook in', 'devicehook out', 'devicehook response', 'devicehook verify', 'devicehook-api', 'devicehook-vendor']);
    expect(ours.map((set) => set.err).filter(Boolean)).toEqual([]);
  });

  it.each(VENDORS)('%s: signed requests verify and route by type; tampered, unsigned and malformed are refused', async (vendor) => {
    const url = `${runtime.url}/hooks/${vendor}`;
    const secret = secretOf(vendor);
    const [first, second] = Object.keys(vendors[vendor].samples);
    const other = second ?? 'unlisted.type';
    const otherBody = second ? vendors[vendor].samples[second] : { ...vendors[vendor].samples[first as string], [vendors[vendor].typeField]: other };
    const post = (body: Buffer | string, headers: Record<string, string>) => fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });

    const good = sign({ vendor, body: vendors[vendor].samples[first as string], secret });
    const goodResponse = await post(good.body, good.headers);
    expect(goodResponse.status, await goodResponse.clone().text()).toBe(200);
    const otherSigned = sign({ vendor, body: otherBody, secret });
    expect((await post(otherSigned.body, otherSigned.headers)).status).toBe(200);

    if (vendor !== '1nce') {
      // 1NCE signs no body: only its header authenticates, so a changed body is not detectable by design.
      const tampered = await post(good.body.toString().replace(/"([a-z_]+)":/i, '"$1_x":'), good.headers);
      expect(tampered.status).toBe(401);
      expect((await tampered.json()).code).toBe('signature_mismatch');
    }
    const unsigned = await post(JSON.stringify(vendors[vendor].samples[first as string]), { 'Content-Type': 'application/json' });
    expect(unsigned.status).toBe(401);
    expect((await unsigned.json()).message).toMatch(/no signature/);
    const malformed = signBroken(vendor, '{"broken": ', secret);
    const malformedResponse = await post(malformed.body, malformed.headers);
    expect(malformedResponse.status).toBe(400);
    expect((await malformedResponse.json()).code).toBe('invalid_json');

    await until(() => seen(`/seen/${vendor}/`).length >= 2, 10_000, `two messages from ${vendor}`);
    await new Promise((resolve) => setTimeout(resolve, 200)); // nothing more may arrive
    const arrived = seen(`/seen/${vendor}/`);
    expect(arrived.map((r) => r.url).sort()).toEqual([`/seen/${vendor}/0`, `/seen/${vendor}/1`]);
    const firstEvent = JSON.parse(arrived.find((r) => r.url.endsWith('/0'))!.body.toString());
    expect(firstEvent).toMatchObject({ vendor, type: first });
    // The http request node after devicehook in sends msg.headers on: the signature / authentication
    // header (1NCE's is the secret itself) must not be among them.
    for (const request of arrived) {
      for (const name of vendors[vendor].scheme.signatureHeaders({})) if (!/-(id|timestamp)$/.test(name)) expect(request.headers[name], `${vendor} forwarded ${name}`).toBeUndefined();
    }
  });

  it('allowed sources: another address is refused 403 before the body is read (even one over the size limit); a listed one is verified', async () => {
    const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: secretOf('inhand-dm') });
    const refused = await fetch(`${runtime.url}/hooks/allow-no`, { method: 'POST', headers: signed.headers, body: new Uint8Array(signed.body) });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ code: 'source_not_allowed', message: expect.stringMatching(/^Requests from (::ffff:)?127\.0\.0\.1 are not accepted/) });
    const oversized = await fetch(`${runtime.url}/hooks/allow-no`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: `{"a":"${'x'.repeat(5000)}"}` });
    expect(oversized.status).toBe(403);
    const accepted = await fetch(`${runtime.url}/hooks/allow-yes`, { method: 'POST', headers: signed.headers, body: new Uint8Array(signed.body) });
    expect(accepted.status, await accepted.clone().text()).toBe(200);
    const forged = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: 'not-the-secret' });
    expect((await fetch(`${runtime.url}/hooks/allow-yes`, { method: 'POST', headers: forged.headers, body: new Uint8Array(forged.body) })).status).toBe(401);
  });

  it('devicehook out: a receiver that fails, then recovers, gets the message signed, once, and output 1 fires', async () => {
    targetUp = false;
    const before = seen('/target').length;
    expect((await fetch(`${runtime.url}/inject/inj1`, { method: 'POST' })).status).toBe(200);
    await until(() => seen('/target').length > before, 10_000, 'the first attempt');
    targetUp = true; // the default policy retries after about 10 s
    await until(() => seen('/delivered').length >= 1, 30_000, 'the delivery after the retry');
    const attempts = seen('/target').slice(before);
    expect(attempts).toHaveLength(2);
    for (const request of attempts) expect(verify({ vendor: 'scalefusion', rawBody: request.body, headers: request.headers, secrets: 'out-secret' }).ok).toBe(true);
    const delivered = JSON.parse(seen('/delivered')[0]!.body.toString());
    expect(delivered).toMatchObject({ event: 'device.locked' });
  });

  it('devicehook out: Node-RED stopped and started with a retry pending delivers it after the restart', async () => {
    targetUp = false;
    const before = seen('/target').length;
    const deliveredBefore = seen('/delivered').length;
    await fetch(`${runtime.url}/inject/inj1`, { method: 'POST' });
    const pending = () => readOutbox<{ progress?: { nextAttemptAt?: number } }>(runtime.userDir, 'out');
    await until(() => pending()[0]?.progress?.nextAttemptAt !== undefined, 15_000, 'the retry to be recorded in the outbox');
    await runtime.stop();
    expect(pending()).toHaveLength(1); // kept on disk while Node-RED is down
    targetUp = true;
    await runtime.restart();
    await until(() => seen('/delivered').length > deliveredBefore, 30_000, 'the delivery after the restart');
    expect(seen('/target').length - before).toBe(2); // the failed attempt and the one after the restart: nothing lost, nothing doubled
    await until(() => pending().length === 0, 5_000, 'the delivered entry to leave the outbox');
  });
});

describe('Node-RED 4 behind a reverse proxy it is told to trust (httpServerOptions "trust proxy")', () => {
  let runtime: NodeRedRuntime;
  beforeAll(async () => {
    runtime = await startNodeRed({ major: '4', packages: [releaseTarballs().nodeRed], settings: { httpServerOptions: { 'trust proxy': 'loopback' } } });
    await runtime.deploy([
      { id: 'tab', type: 'tab', label: 'proxy' },
      { id: 'cfg', type: 'devicehook-vendor', vendor: 'inhand-dm', credentials: { secret: secretOf('inhand-dm') } },
      { id: 'in', type: 'devicehook in', z: 'tab', url: '/hooks/behind-proxy', vendor: 'cfg', types: [], outputs: 1, sources: '10.0.0.0/8', wires: [[]] },
    ]);
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it("judges the forwarded client address Express gives under Node-RED's own setting, before the body is read", async () => {
    const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: secretOf('inhand-dm') });
    const post = (forwardedFor?: string) =>
      fetch(`${runtime.url}/hooks/behind-proxy`, { method: 'POST', headers: { ...signed.headers, ...(forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {}) }, body: new Uint8Array(signed.body) });
    const allowed = await post('10.1.2.3');
    expect(allowed.status, await allowed.clone().text()).toBe(200);
    const refused = await post('203.0.113.9');
    expect(refused.status).toBe(403);
    expect((await refused.json()).message).toContain('203.0.113.9');
    expect((await post()).status).toBe(403); // the proxy (loopback) itself is not listed
  });
});
