/**
 * devicehook out in node-red-node-test-helper's runtime, tried as an attacker (or an unlucky flow) would:
 * a node id that climbs out of the user directory, a backlog past the cap, secrets in the message and the
 * URL, a private target with no SSRF setting, and the previous version's outbox file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../helpers/receiver';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist', 'nodes');
const vendorNode = require(join(DIST, 'devicehook-vendor.js'));
const outNode = require(join(DIST, 'devicehook-out.js'));
helper.init(require.resolve('node-red'));

type Msg = Record<string, unknown> & { payload: unknown };
const SECRET = 'signing-secret-do-not-store';
const HOSTILE_ID = 'b/../../.config.runtime';
const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

let userDir: string;
let receiver: Receiver | undefined;
const dirs: string[] = [];
beforeEach(() => {
  userDir = mkdtempSync(join(tmpdir(), 'devicehook-nr-out-'));
  dirs.push(userDir);
  helper.settings({ userDir });
});
afterEach(async () => {
  await helper.unload();
  await receiver?.close();
  receiver = undefined;
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const vendor = { id: 'v1', type: 'devicehook-vendor', vendor: 'scalefusion' };
const outFlow = (id: string, url: string, extra: Record<string, unknown> = {}) => [
  vendor,
  { id, type: 'devicehook out', vendor: 'v1', url, retry: 'default', ssrfGuard: false, ...extra, wires: [['ok'], ['failed']] },
  { id: 'ok', type: 'helper' },
  { id: 'failed', type: 'helper' },
];

function nextMessage(id: string, ms = 5000): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message reached ${id}`)), ms);
    helper.getNode(id).once('input', (msg: Msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every file under `dir` (relative path → bytes), skipping `skip` (relative). */
function snapshot(dir: string, skip?: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const rel = relative(dir, path);
      if (skip && (rel === skip || rel.startsWith(`${skip}/`))) continue;
      if (entry.isDirectory()) walk(path);
      else out.set(rel, readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

const outboxRoot = () => join(userDir, 'devicehook', 'outbox');
const folderOf = (nodeId: string) => join(outboxRoot(), hash(nodeId));
// Entry files only: a put writes a .tmp file and renames it, so a listing may briefly show the temporary one.
const entryFiles = (nodeId: string) => (existsSync(folderOf(nodeId)) ? readdirSync(folderOf(nodeId)).filter((f) => f.endsWith('.json')) : []);

/** Closes a node as Node-RED does when it is deleted from the flow and deployed. */
async function removeNode(id: string): Promise<void> {
  await helper.getNode(id).close(true);
}

describe('devicehook out: the outbox stays in its folder', () => {
  it(`a node with the id "${HOSTILE_ID}" writes nowhere else, renames nothing and deletes no flows.json`, async () => {
    // The previous version wrote <userDir>/devicehook/outbox-<id>.json: for this id, .config.runtime.json.
    const runtime = JSON.stringify({ _credentialSecret: 'k'.repeat(64) });
    writeFileSync(join(userDir, '.config.runtime.json'), runtime);
    writeFileSync(join(userDir, 'flows.json'), '[{"id":"keep","type":"tab"}]');
    writeFileSync(join(userDir, 'flows_cred.json'), '{"$":"encrypted"}');
    mkdirSync(join(userDir, 'devicehook'));
    const before = snapshot(userDir);

    let up = false;
    receiver = await startReceiver(() => (up ? { status: 200 } : { status: 503 }));
    await helper.load([vendorNode, outNode], outFlow(HOSTILE_ID, receiver.url), { v1: { secret: SECRET } });
    const node = helper.getNode(HOSTILE_ID);
    node.receive({ payload: { event: 'device.lost', n: 1 } });
    node.receive({ payload: { event: 'device.lost', n: 2 } });
    await until(() => receiver!.requests.length >= 2 && entryFiles(HOSTILE_ID).length === 2, 'two pending retries on disk');

    // While pending: only the node's own folders under devicehook/outbox, devicehook/log (the delivery log) and devicehook/endpoints have changed.
    const changed = snapshot(userDir, 'devicehook/outbox');
    for (const name of changed.keys()) if (name.startsWith(`devicehook/log/${hash(HOSTILE_ID)}/`) || name.startsWith('devicehook/endpoints/')) changed.delete(name);
    expect(changed).toEqual(before);
    expect(readdirSync(outboxRoot())).toEqual([hash(HOSTILE_ID)]);

    // Redeploy (not removed): the entries stay; then removal drops them and the folder.
    await helper.unload();
    helper.settings({ userDir });
    await helper.load([vendorNode, outNode], outFlow(HOSTILE_ID, receiver.url), { v1: { secret: SECRET } });
    expect(entryFiles(HOSTILE_ID)).toHaveLength(2);
    await removeNode(HOSTILE_ID);
    expect(existsSync(folderOf(HOSTILE_ID))).toBe(false);
    expect(snapshot(userDir)).toEqual(before);
    up = true;
  });

  it('on removal deletes only its own envelopes: a foreign file in its folder stays, and so does the folder', async () => {
    receiver = await startReceiver(() => ({ status: 503 }));
    await helper.load([vendorNode, outNode], outFlow('n1', receiver.url), { v1: { secret: SECRET } });
    helper.getNode('n1').receive({ payload: { event: 'device.lost' } });
    await until(() => entryFiles('n1').length === 1, 'the entry on disk');
    writeFileSync(join(folderOf('n1'), 'flows.json'), 'not the outbox\'s');
    await removeNode('n1');
    expect(readdirSync(folderOf('n1'))).toEqual(['flows.json']);
  });
});

describe('devicehook out: the outbox holds no secret', () => {
  it('stores neither the signing secret, nor auth headers of the message, nor URL userinfo; 0600 files in 0700 folders', async () => {
    receiver = await startReceiver(() => ({ status: 503 }));
    const url = receiver.url.replace('http://', 'http://hook-user:url-password-xyz@');
    await helper.load(
      [vendorNode, outNode],
      outFlow('n2', url, { headers: [{ name: 'X-Tenant', value: 'acme' }] }),
      { v1: { secret: SECRET } },
    );
    helper.getNode('n2').receive({
      payload: { event: 'device.lost' },
      headers: { authorization: 'Bearer bearer-token-xyz', 'x-api-key': 'one-nce-key-xyz', cookie: 'sid=cookie-xyz', 'x-sf-signature': 'sig-xyz', 'content-type': 'application/json' },
    });
    await until(() => entryFiles('n2').length === 1 && receiver!.requests.length >= 1, 'the entry on disk');
    await until(() => JSON.parse(readFileSync(join(folderOf('n2'), entryFiles('n2')[0]!), 'utf8')).entry.progress.attempts.length === 1, 'the retry recorded');
    // The request did carry the secrets (signed, Basic auth from the userinfo): they come from the configuration.
    expect(receiver.requests[0]!.headers['x-sf-signature']).toBeDefined();
    expect(receiver.requests[0]!.headers.authorization).toMatch(/^Basic /);

    const files = [...snapshot(outboxRoot()).values()].map((b) => b.toString('utf8')).join('\n');
    for (const secret of [SECRET, 'url-password-xyz', 'hook-user', 'bearer-token-xyz', 'one-nce-key-xyz', 'cookie-xyz', 'sig-xyz']) {
      expect(files, secret).not.toContain(secret);
    }
    const stored = JSON.parse(files).entry;
    expect(stored.extra.headers).toEqual({ 'content-type': 'application/json' });
    expect(stored.target).toBe(receiver.url.replace('http://', 'http://***@'));

    for (const dir of [join(userDir, 'devicehook'), outboxRoot(), folderOf('n2')]) expect(statSync(dir).mode & 0o777, dir).toBe(0o700);
    for (const name of entryFiles('n2')) expect(statSync(join(folderOf('n2'), name)).mode & 0o777).toBe(0o600);
  });
});

describe('devicehook out: the outbox cap', () => {
  it('past the cap, a message goes to the failed output at once with code outbox_full, and is not sent', async () => {
    receiver = await startReceiver(() => ({ status: 503 }));
    await helper.load([vendorNode, outNode], outFlow('n3', receiver.url, { maxPending: 2 }), { v1: { secret: SECRET } });
    const node = helper.getNode('n3');
    node.receive({ payload: { n: 1 } });
    node.receive({ payload: { n: 2 } });
    await until(() => entryFiles('n3').length === 2, 'two pending');
    const failed = nextMessage('failed');
    node.receive({ payload: { n: 3 } });
    const msg = await failed;
    expect(msg.payload).toEqual({ n: 3 });
    expect(msg.error).toMatchObject({ code: 'outbox_full', outcome: 'outbox_full', message: expect.stringMatching(/outbox is full/) });
    expect(msg.delivery).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.requests.map((r) => JSON.parse(r.body.toString()).n).sort()).toEqual([1, 2]);
    expect(entryFiles('n3')).toHaveLength(2);
  });
});

describe('devicehook out: SSRF guard on by default', () => {
  it('a node without the ssrfGuard property refuses a loopback target, once, without retrying or sending', async () => {
    receiver = await startReceiver();
    const flow = outFlow('n4', receiver.url);
    delete (flow[1] as Record<string, unknown>).ssrfGuard;
    await helper.load([vendorNode, outNode], flow, { v1: { secret: SECRET } });
    const failed = nextMessage('failed');
    helper.getNode('n4').receive({ payload: { event: 'device.lost' } });
    const msg = await failed;
    expect(msg.delivery).toMatchObject({ delivered: false, outcome: 'failed', attempts: [{ errorClass: 'blocked', verdict: 'fail' }] });
    expect((msg.delivery as { attempts: unknown[] }).attempts).toHaveLength(1);
    expect(receiver.requests).toHaveLength(0);
  });

  it('the editor default is on for new nodes', () => {
    const html = readFileSync(join(DIST, 'devicehook-out.html'), 'utf8');
    expect(html).toMatch(/ssrfGuard: \{ value: true \}/);
  });
});

describe('devicehook out: the previous version\'s outbox file', () => {
  it('is delivered from and then removed, once, when it is where that version put it', async () => {
    receiver = await startReceiver();
    mkdirSync(join(userDir, 'devicehook'));
    const old = join(userDir, 'devicehook', 'outbox-n5.json');
    writeFileSync(old, JSON.stringify([{ id: 'old', createdAt: 1, body: { event: 'device.lost', from: 'v0' }, extra: { topic: 't', headers: { authorization: 'Bearer old-xyz' } }, progress: { attempts: [] } }]));
    const delivered = new Promise<Msg>((resolve) => {
      void helper.load([vendorNode, outNode], outFlow('n5', receiver!.url), { v1: { secret: SECRET } }).then(() => helper.getNode('ok').once('input', resolve));
    });
    const msg = await delivered;
    expect(msg).toMatchObject({ topic: 't', payload: { event: 'device.lost', from: 'v0' }, delivery: { delivered: true } });
    expect(existsSync(old)).toBe(false);
    await until(() => entryFiles('n5').length === 0, 'the migrated entry to be removed');
  });
});
