/**
 * Secure defaults as a user meets them (issue 11), one row per default and surface in
 * test/hardening/results/secure-defaults.json (section "secure-defaults" of docs/hardening.md):
 * fail closed without a secret (core verify(), the host kit, Node-RED devicehook in / verify, an n8n
 * trigger, the CLI), an unset ${VAR} named, secret-bearing headers left out of msg.headers and n8n's
 * "Include Headers", URL userinfo redacted in delivery results, the outbox private (0600 in 0700, hashed
 * names, no secret bytes), the SSRF guard on for a new devicehook out and a new Signed Webhook (1.1),
 * devicehook in refused under the admin root, a duplicate answered 200 and starting nothing.
 * Fast: core, node-red-node-test-helper, the n8n mock contexts and the built CLI; no real n8n.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver, customRetryPolicy, deliver, sign, vendors, verify } from '../../shared/src/index';
import { createNodeTransport, nodeSleep } from '../../shared/src/node';
import { ScalefusionTrigger } from '../../nodes/Scalefusion/ScalefusionTrigger.node';
import { SignedWebhook } from '../../nodes/SignedWebhook/SignedWebhook.node';
import { executeContext, webhookAnswer, webhookContext } from '../helpers/n8n-context';
import { startReceiver, type Receiver } from '../helpers/receiver';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist', 'nodes');
const vendorNode = require(join(DIST, 'devicehook-vendor.js'));
const inNode = require(join(DIST, 'devicehook-in.js'));
const verifyNode = require(join(DIST, 'devicehook-verify.js'));
const outNode = require(join(DIST, 'devicehook-out.js'));
const BIN = join(__dirname, '..', '..', 'shared', 'bin', 'devicehook.js');
helper.init(require.resolve('node-red'));

const RESULTS = join(__dirname, 'results', 'secure-defaults.json');
const SECRET = 'secure-defaults-secret-xyz';
const SW_SECRET = `whsec_${Buffer.from('a-standard-webhooks-key-32-bytes').toString('base64')}`;
const CORE = 'core verify()';
const KIT = 'core host kit (createReceiver)';
const NODE_RED = `Node-RED ${(require('node-red/package.json') as { version: string }).version} test helper (Node ${process.versions.node})`;
const N8N = 'n8n nodes, mock context';
const CLI = 'devicehook CLI';

interface Row { section: 'secure-defaults'; runtime: string; case: string; tried: string; held: boolean; figures: string }
const rows: Row[] = [];
afterAll(() => {
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
});

/** Runs one check; the row says held only when every assertion in it passed. `figures` fills in what was seen. */
async function check(runtime: string, name: string, tried: string, body: (figures: string[]) => Promise<void> | void): Promise<void> {
  const figures: string[] = [];
  try {
    await body(figures);
    rows.push({ section: 'secure-defaults', runtime, case: name, tried, held: true, figures: figures.join('; ') });
  } catch (error) {
    rows.push({ section: 'secure-defaults', runtime, case: name, tried, held: false, figures: `${figures.join('; ')}${figures.length ? '; ' : ''}failed: ${(error as Error).message.split('\n')[0]}` });
    throw error;
  }
}

/** The scheme's own headers of a signed request (signature, key): all but content-type. */
const secretHeaderNames = (headers: Record<string, string>) => Object.keys(headers).map((n) => n.toLowerCase()).filter((n) => n !== 'content-type');
const scalefusion = (secret = SECRET) => sign({ vendor: 'scalefusion', body: vendors.scalefusion.samples['device.locked'], secret });

// ── core ──────────────────────────────────────────────────────────────────────────────────────────
describe('core', () => {
  it('verify() without a secret: 503 not_configured', () =>
    check(CORE, 'no secret → 503 not_configured', 'a correctly signed Scalefusion request, verify() with secrets undefined, "" and ["", ""]', (f) => {
      const signed = scalefusion();
      for (const secrets of [undefined, '', ['', '']]) {
        const result = verify({ vendor: 'scalefusion', rawBody: signed.body, headers: signed.headers, secrets: secrets as never });
        expect(result).toMatchObject({ ok: false, status: 503, code: 'not_configured' });
      }
      f.push('503 not_configured ×3, ok: false');
    }));

  it('verify() with an unset ${VAR}: refused, the variable named', () =>
    check(CORE, 'unset ${VAR} named', 'secret "${DH_SD_UNSET}" (variable unset), request signed with that literal text', (f) => {
      delete process.env.DH_SD_UNSET;
      const forged = scalefusion('${DH_SD_UNSET}');
      const result = verify({ vendor: 'scalefusion', rawBody: forged.body, headers: forged.headers, secrets: '${DH_SD_UNSET}' });
      expect(result).toMatchObject({ ok: false, status: 503, code: 'not_configured' });
      expect(result.ok ? '' : result.message).toContain('DH_SD_UNSET');
      f.push(`503 not_configured, message names DH_SD_UNSET`);
    }));

  it('host kit without a secret: every request 503 not_configured, saying what to set', () =>
    check(KIT, 'no secret → 503 not_configured', 'createReceiver({ vendor: "scalefusion" }) with no secret, a signed request', (f) => {
      const receiver = createReceiver({ vendor: 'scalefusion' });
      const signed = scalefusion();
      const decision = receiver.receive({ rawBody: signed.body, headers: signed.headers });
      expect(decision.answer.status).toBe(503);
      expect(decision.answer.body).toMatchObject({ code: 'not_configured', message: expect.stringMatching(/No secret is set/) });
      f.push(`mode ${receiver.mode}, ${decision.answer.status} not_configured`);
    }));

  it('host kit: a duplicate is answered 200 duplicate and starts nothing', () =>
    check(KIT, 'duplicate → 200, nothing started', 'the same Standard Webhooks message (same webhook-id) twice', (f) => {
      const receiver = createReceiver({ vendor: 'standard-webhooks', secrets: SW_SECRET, duplicates: true });
      const signed = sign({ vendor: 'standard-webhooks', body: { type: 'a.b' }, secret: SW_SECRET, options: { messageId: `msg_sd_${Date.now()}` } });
      const first = receiver.receive({ rawBody: signed.body, headers: signed.headers });
      const again = receiver.receive({ rawBody: signed.body, headers: signed.headers });
      expect(first.answer).toMatchObject({ status: 200, body: { received: true, type: 'a.b' } });
      expect(first.kind).toBe('accepted');
      expect(again.answer.status).toBe(200);
      expect(again.answer.body).toMatchObject({ received: true, duplicate: true });
      expect(again.kind).toBe('duplicate');
      expect('event' in again).toBe(false);
      f.push(`first 200 ${first.kind}; second 200 ${again.kind}, no event`);
    }));

  it('deliver(): URL userinfo absent from the result and errors', () =>
    check('core deliver()', 'URL userinfo redacted', 'deliver to https://alice:<password>@hooks.example.com/in, 2 attempts failing with an error that quotes the URL', async (f) => {
      const password = 'url-pass-xyz';
      const transport = async (request: { url: string }) => {
        throw Object.assign(new Error(`connect ECONNREFUSED while requesting ${request.url}`), { code: 'ECONNREFUSED' });
      };
      const result = await deliver({ config: { url: `https://alice:${password}@hooks.example.com/in`, retryPolicy: customRetryPolicy({ retries: 1, initialDelayMs: 1 }) }, body: { a: 1 } }, { transport: transport as never, sleep: async () => {} });
      const text = JSON.stringify(result);
      expect(result.delivered).toBe(false);
      expect(result.url).toBe('https://***@hooks.example.com/in');
      expect(text).not.toContain(password);
      expect(text).not.toContain('alice');
      f.push(`url shown as ${result.url}; ${result.attempts.length} attempt error(s) without the userinfo`);
    }));

  it('deliver() with the node transport: userinfo authenticates on the wire, not in the result', async () => {
    const receiver = await startReceiver();
    try {
      await check('core deliver()', 'URL userinfo redacted (sent as Basic)', 'deliver to a local receiver with alice:<password>@ in the URL', async (f) => {
        const result = await deliver({ config: { url: receiver.url.replace('http://', 'http://alice:S3cr3t-sd@') }, body: { a: 1 } }, { transport: createNodeTransport(), sleep: nodeSleep });
        expect(result.delivered).toBe(true);
        expect(receiver.requests[0]!.headers.authorization).toMatch(/^Basic /);
        expect(JSON.stringify(result)).not.toContain('S3cr3t-sd');
        f.push('delivered with Basic auth; result without the password');
      });
    } finally {
      await receiver.close();
    }
  });
});

// ── Node-RED ──────────────────────────────────────────────────────────────────────────────────────
describe('Node-RED', () => {
  let userDir: string;
  let RED: { httpNode: unknown } | undefined;
  const capturing = (module: (red: never) => void) => (red: never) => {
    RED = red;
    return module(red);
  };
  beforeAll(() => {
    userDir = mkdtempSync(join(tmpdir(), 'devicehook-sd-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
  });
  afterAll(() => rmSync(userDir, { recursive: true, force: true }));

  const inFlow = (vendor: string, url: string, extra: Record<string, unknown> = {}) => [
    { id: 'v1', type: 'devicehook-vendor', vendor },
    { id: 'in1', type: 'devicehook in', url, vendor: 'v1', types: [], outputs: 1, ...extra, wires: [['h0']] },
    { id: 'h0', type: 'helper' },
  ];
  const post = (path: string, request: { headers: Record<string, string>; body: Buffer }) =>
    supertest(RED!.httpNode as never).post(path).set(request.headers).send(request.body.toString());
  const countMessages = (id: string) => {
    const box = { n: 0, last: undefined as Record<string, unknown> | undefined };
    helper.getNode(id).on('input', (msg: Record<string, unknown>) => {
      box.n++;
      box.last = msg;
    });
    return box;
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
  async function until(test: () => boolean, what: string, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!test()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('devicehook in without a secret: 503 not_configured, no message', () =>
    check(NODE_RED, 'no secret → 503 not_configured (devicehook in)', 'a deployed devicehook in with an empty vendor secret, a signed request', async (f) => {
      await helper.load([vendorNode, capturing(inNode)], inFlow('scalefusion', '/sd/none'), { v1: {} });
      const messages = countMessages('h0');
      const res = await post('/sd/none', scalefusion());
      await settle();
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'not_configured', message: expect.stringContaining('No secret is set') });
      expect(messages.n).toBe(0);
      f.push(`${res.status} ${res.body.code}, ${messages.n} messages, status ${helper.getNode('in1').status.lastCall.args[0].fill}`);
    }));

  it('devicehook in with an unset ${VAR}: 503 naming it', () =>
    check(NODE_RED, 'unset ${VAR} named', 'vendor secret "${DH_SD_UNSET_NR}" (unset), request signed with that literal text', async (f) => {
      delete process.env.DH_SD_UNSET_NR;
      await helper.load([vendorNode, capturing(inNode)], inFlow('scalefusion', '/sd/var'), { v1: { secret: '${DH_SD_UNSET_NR}' } });
      const messages = countMessages('h0');
      const res = await post('/sd/var', scalefusion('${DH_SD_UNSET_NR}'));
      await settle();
      expect(res.status).toBe(503);
      expect(res.body.message).toContain('DH_SD_UNSET_NR');
      expect(messages.n).toBe(0);
      f.push(`${res.status} ${res.body.code}, message names DH_SD_UNSET_NR, 0 messages`);
    }));

  it('devicehook verify without a secret: rejected 503 not_configured', () =>
    check(NODE_RED, 'no secret → 503 not_configured (devicehook verify)', 'a devicehook verify with an empty vendor secret, given a signed message', async (f) => {
      const flow = [
        { id: 'v1', type: 'devicehook-vendor', vendor: 'scalefusion' },
        { id: 'ver', type: 'devicehook verify', vendor: 'v1', types: [], outputs: 2, wires: [['ok'], ['rejected']] },
        { id: 'ok', type: 'helper' },
        { id: 'rejected', type: 'helper' },
      ];
      await helper.load([vendorNode, verifyNode], flow, { v1: {} });
      const ok = countMessages('ok');
      const rejected = countMessages('rejected');
      const signed = scalefusion();
      helper.getNode('ver').receive({ payload: signed.body, headers: signed.headers });
      await until(() => rejected.n === 1, 'the rejected message');
      expect(rejected.last).toMatchObject({ statusCode: 503, error: { code: 'not_configured' } });
      expect(ok.n).toBe(0);
      f.push(`rejected output: statusCode 503 not_configured; ${ok.n} on the accepted output`);
    }));

  it('msg.headers carries no secret-bearing header', () =>
    check(NODE_RED, 'secret headers absent from msg.headers', '1NCE request (its key header) plus Authorization, Cookie, Proxy-Authorization and X-Trace', async (f) => {
      await helper.load([vendorNode, capturing(inNode)], inFlow('1nce', '/sd/1nce'), { v1: { secret: 'the-1nce-key-sd' } });
      const messages = countMessages('h0');
      const signed = sign({ vendor: '1nce', body: vendors['1nce'].samples['LIFECYCLE'], secret: 'the-1nce-key-sd' });
      const res = await post('/sd/1nce', { ...signed, headers: { ...signed.headers, Authorization: 'Bearer tok-sd', Cookie: 'sid=cookie-sd', 'Proxy-Authorization': 'Basic prox-sd', 'X-Trace': 't1' } });
      await until(() => messages.n === 1, 'the message');
      expect(res.status).toBe(200);
      const headers = messages.last!.headers as Record<string, string>;
      expect(headers['x-trace']).toBe('t1');
      const text = JSON.stringify(messages.last);
      for (const secret of ['the-1nce-key-sd', 'tok-sd', 'cookie-sd', 'prox-sd']) expect(text, secret).not.toContain(secret);
      for (const name of [...secretHeaderNames(signed.headers), 'authorization', 'cookie', 'proxy-authorization']) expect(Object.keys(headers), name).not.toContain(name);
      f.push(`msg.headers kept: ${Object.keys(headers).filter((n) => n.startsWith('x-')).join(', ')}; no key, token or cookie anywhere in msg`);
    }));

  it('devicehook in under the admin root is refused', () =>
    check(NODE_RED, 'admin path refused', 'devicehook in on /flows and /auth/token (default admin root)', async (f) => {
      for (const url of ['/flows', '/auth/token']) {
        await helper.load([vendorNode, capturing(inNode)], inFlow('scalefusion', url), { v1: { secret: SECRET } });
        const node = helper.getNode('in1');
        expect(node.status.lastCall.args[0]).toMatchObject({ fill: 'red', text: 'devicehook-in.status.admin-path' });
        const messages = countMessages('h0');
        await post(url, scalefusion());
        await settle();
        expect(messages.n, url).toBe(0);
        await helper.unload();
      }
      f.push('red status admin-path at deploy, 0 messages for requests to /flows and /auth/token');
    }));

  it('a duplicate is answered 200 duplicate and starts nothing', () =>
    check(NODE_RED, 'duplicate → 200, nothing started', 'the same Standard Webhooks message twice to devicehook in', async (f) => {
      await helper.load([vendorNode, capturing(inNode)], inFlow('standard-webhooks', '/sd/sw'), { v1: { secret: SW_SECRET } });
      const messages = countMessages('h0');
      const signed = sign({ vendor: 'standard-webhooks', body: { type: 'a.b' }, secret: SW_SECRET, options: { messageId: `msg_sd_nr_${Date.now()}` } });
      const first = await post('/sd/sw', signed);
      const again = await post('/sd/sw', signed);
      await settle();
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ received: true, duplicate: true, message: expect.stringContaining('already received') });
      expect(messages.n).toBe(1);
      f.push(`${first.status} then ${again.status} duplicate; ${messages.n} message`);
    }));

  const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);
  function filesUnder(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        const path = join(d, entry.name);
        if (entry.isDirectory()) walk(path);
        else out.push(path);
      }
    };
    if (existsSync(dir)) walk(dir);
    return out;
  }

  it('outbox: 0600 files in 0700 folders, hashed names, no secret bytes', async () => {
    const receiver = await startReceiver(() => ({ status: 503 }));
    try {
      await check(NODE_RED, 'outbox files private, no secret', 'devicehook out (id "sd/../out") to a 503 receiver with user:password@ in the URL, message with authorization, 1NCE key and cookie headers', async (f) => {
        const nodeId = 'sd/../out';
        const url = receiver.url.replace('http://', 'http://hook-user-sd:url-password-sd@');
        const flow = [
          { id: 'v1', type: 'devicehook-vendor', vendor: 'scalefusion' },
          { id: nodeId, type: 'devicehook out', vendor: 'v1', url, retry: 'default', ssrfGuard: false, wires: [['ok'], ['failed']] },
          { id: 'ok', type: 'helper' },
          { id: 'failed', type: 'helper' },
        ];
        await helper.load([vendorNode, outNode], flow, { v1: { secret: SECRET } });
        helper.getNode(nodeId).receive({ payload: { event: 'device.lost' }, headers: { authorization: 'Bearer bearer-sd', 'x-api-key': 'one-nce-sd', cookie: 'sid=cookie-sd2' } });
        const root = join(userDir, 'devicehook', 'outbox');
        await until(() => receiver.requests.length >= 1 && filesUnder(root).some((p) => p.endsWith('.json')), 'an outbox entry');
        await settle();
        const files = filesUnder(join(userDir, 'devicehook'));
        expect(files.length).toBeGreaterThan(0);
        for (const file of files) {
          expect(statSync(file).mode & 0o777, file).toBe(0o600);
          const bytes = readFileSync(file, 'utf8');
          for (const secret of [SECRET, 'url-password-sd', 'hook-user-sd', 'bearer-sd', 'one-nce-sd', 'cookie-sd2']) expect(bytes, `${relative(userDir, file)}: ${secret}`).not.toContain(secret);
        }
        const folders = new Set<string>();
        for (const file of files) for (let dir = join(file, '..'); dir.startsWith(join(userDir, 'devicehook')); dir = join(dir, '..')) folders.add(dir);
        for (const dir of folders) expect(statSync(dir).mode & 0o777, dir).toBe(0o700);
        // The outbox folder is named from a hash of the node id: the id's "../" climbs nowhere.
        expect(readdirSync(root)).toEqual([hash(nodeId)]);
        expect(filesUnder(join(root, hash(nodeId))).length).toBeGreaterThan(0);
        expect(existsSync(join(userDir, 'out'))).toBe(false);
        f.push(`${files.length} files under devicehook/ (outbox and logs), all 0600; ${folders.size} folders, all 0700; outbox folder ${hash(nodeId).slice(0, 8)}… (hash of the id); none of 6 secrets in the bytes`);
      });
    } finally {
      await receiver.close();
    }
  });

  it('a new devicehook out (no ssrfGuard property) refuses a private target, once', async () => {
    const receiver = await startReceiver();
    try {
      await check(NODE_RED, 'SSRF guard on by default (devicehook out)', 'devicehook out saved without the ssrfGuard property, target http://127.0.0.1:<port>', async (f) => {
        const flow = [
          { id: 'v1', type: 'devicehook-vendor', vendor: 'scalefusion' },
          { id: 'o1', type: 'devicehook out', vendor: 'v1', url: receiver.url, retry: 'default', wires: [['ok'], ['failed']] },
          { id: 'ok', type: 'helper' },
          { id: 'failed', type: 'helper' },
        ];
        await helper.load([vendorNode, outNode], flow, { v1: { secret: SECRET } });
        const failed = countMessages('failed');
        helper.getNode('o1').receive({ payload: { event: 'device.lost' } });
        await until(() => failed.n === 1, 'the failed output');
        await settle();
        const delivery = failed.last!.delivery as { delivered: boolean; attempts: Array<{ errorClass: string }> };
        expect(delivery.delivered).toBe(false);
        expect(delivery.attempts).toHaveLength(1);
        expect(delivery.attempts[0]).toMatchObject({ errorClass: 'blocked' });
        expect(receiver.requests).toHaveLength(0);
        f.push(`failed output, ${delivery.attempts.length} attempt (${delivery.attempts[0]!.errorClass}), ${receiver.requests.length} requests reached the target`);
      });
    } finally {
      await receiver.close();
    }
  });
});

// ── n8n ───────────────────────────────────────────────────────────────────────────────────────────
describe('n8n', () => {
  const trigger = new ScalefusionTrigger();
  async function call(credentials: Record<string, unknown>, request: { body: Buffer; headers: Record<string, string> }, parameters: Record<string, unknown> = {}) {
    const h = webhookContext({ nodeType: trigger, parameters, credentials: { scalefusionWebhookApi: credentials as never }, request: { body: request.body, headers: request.headers } });
    const result = await trigger.webhook.call(h.context);
    return { answer: webhookAnswer(h, result), result };
  }

  it('a trigger without a secret: 503 not_configured, no execution', () =>
    check(N8N, 'no secret → 503 not_configured (Scalefusion trigger)', 'credential secret "" and "${DH_SD_N8N}" (unset), a signed request', async (f) => {
      delete process.env.DH_SD_N8N;
      for (const secret of ['', '${DH_SD_N8N}']) {
        const { answer, result } = await call({ secret, previousSecret: '' }, scalefusion(secret || 'x'));
        expect(answer.status, secret).toBe(503);
        expect(answer.body, secret).toMatchObject({ code: 'not_configured' });
        expect(result.workflowData, secret).toBeUndefined();
        if (secret) expect(String((answer.body as { message: string }).message)).toContain('DH_SD_N8N');
      }
      f.push('503 not_configured ×2, no workflow data; the unset variable named');
    }));

  it('"Include Headers" carries no secret-bearing header', () =>
    check(N8N, 'secret headers absent from Include Headers', 'signed Scalefusion request plus Authorization, Cookie, Proxy-Authorization, X-Request-Id; Include Headers on', async (f) => {
      const signed = scalefusion();
      const headers = { ...signed.headers, Authorization: 'Bearer tok-n8n', Cookie: 'sid=c-n8n', 'Proxy-Authorization': 'Basic p-n8n', 'X-Request-Id': 'r1' };
      const { answer, result } = await call({ secret: SECRET, previousSecret: '' }, { body: signed.body, headers }, { options: { includeHeaders: true } });
      expect(answer.status).toBe(200);
      const json = result.workflowData![0]![0]!.json;
      const kept = json.headers as Record<string, string>;
      expect(kept['x-request-id']).toBe('r1');
      for (const name of [...secretHeaderNames(signed.headers), 'authorization', 'cookie', 'proxy-authorization']) expect(Object.keys(kept), name).not.toContain(name);
      const text = JSON.stringify(result.workflowData);
      for (const value of [...secretHeaderNames(signed.headers).map((n) => signed.headers[n] ?? signed.headers[Object.keys(signed.headers).find((k) => k.toLowerCase() === n)!]!), 'tok-n8n', 'c-n8n', 'p-n8n']) expect(text).not.toContain(value);
      f.push(`200; headers kept: ${Object.keys(kept).join(', ')}`);
    }));

  it('a new Signed Webhook (1.1) refuses a private target, once, not retried', async () => {
    const receiver = await startReceiver();
    try {
      await check(N8N, 'SSRF guard on by default (Signed Webhook 1.1)', 'Signed Webhook 1.1, generic HMAC to http://127.0.0.1:<port>/hook, default options, Continue On Fail', async (f) => {
        const node = new SignedWebhook();
        const h = executeContext({
          nodeType: node,
          parameters: { scheme: 'generic-hmac', url: `${receiver.url}/hook`, retryPolicy: 'default' },
          credentials: { genericHmacApi: { secret: SECRET } },
          inputData: [{ json: { a: 1 } }],
          continueOnFail: true,
        });
        const output = (await node.execute.call(h.context)) as Array<Array<{ json: { delivered: boolean; attempts: Array<{ errorClass: string }>; error: string } }>>;
        const json = output[0]![0]!.json;
        expect(json.delivered).toBe(false);
        expect(json.attempts).toHaveLength(1);
        expect(json.attempts[0]).toMatchObject({ errorClass: 'blocked' });
        expect(receiver.requests).toHaveLength(0);
        f.push(`delivered false, ${json.attempts.length} attempt (${json.attempts[0]!.errorClass}), ${receiver.requests.length} requests reached the target`);
      });
    } finally {
      await receiver.close();
    }
  });
});

// ── CLI ───────────────────────────────────────────────────────────────────────────────────────────
describe('CLI', () => {
  function run(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DEVICEHOOK_')));
      const child = spawn(process.execPath, [BIN, ...args], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code: number) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  it('devicehook verify without a secret exits 2, never "verified"', () =>
    check(CLI, 'no secret → exit 2', 'devicehook verify --vendor scalefusion - (a signed capture on stdin, no --secret, --secret-file or DEVICEHOOK_SECRET)', async (f) => {
      const capture = (await run(['sign', '--vendor', 'scalefusion', '--secret', 'file-secret', '--type', 'device.locked'], '')).stdout;
      expect(capture.length).toBeGreaterThan(0);
      const result = await run(['verify', '--vendor', 'scalefusion', '-'], capture);
      expect(result.code).toBe(2);
      expect(result.stdout).not.toMatch(/verified/);
      expect(result.stderr).toMatch(/secret/);
      f.push(`exit ${result.code}; stderr: ${result.stderr.trim().split('\n')[0]}`);
    }));
});
