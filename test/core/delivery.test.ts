/**
 * deliver() against real local HTTP servers: retries as each vendor does, Retry-After, 410, timeouts,
 * refused connections, aborts, placeholders on the wire, SSRF, and every received request checked by
 * verify() and (InHand, Scalefusion) by the vendor's own Python code. Fake timers where minutes pass.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createMemoryEndpointStore,
  customRetryPolicy,
  deliver,
  DeliveryError,
  prepareDelivery,
  restartEndpoint,
  vendors,
  verify,
  type DeliveryResult,
} from '../../shared/src/index';
import { createNodeTransport, isBlockedAddress, nodeSleep, type NodeTransport } from '../../shared/src/node/index';
import { pythonVerdicts } from '../helpers/python-verifiers';
import { closedPort, startReceiver, type Receiver } from '../helpers/receiver';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let receiver: Receiver | undefined;
let transport: NodeTransport;

beforeEach(() => {
  transport = createNodeTransport();
});
afterEach(async () => {
  vi.useRealTimers();
  transport.close();
  await receiver?.close();
  receiver = undefined;
});

/** Runs a delivery under a fake clock, turning real I/O and fake time alternately until it settles. */
async function withFakeClock(run: () => Promise<DeliveryResult>, stepMs = 1000): Promise<DeliveryResult> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  let settled: DeliveryResult | undefined;
  let failure: unknown;
  run().then((r) => (settled = r), (e) => (failure = e));
  for (let i = 0; i < 200_000 && settled === undefined && failure === undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve)); // real I/O
    await vi.advanceTimersByTimeAsync(stepMs);
  }
  if (failure) throw failure;
  return settled as DeliveryResult;
}

const io = () => ({ transport, sleep: nodeSleep });

/** Gaps between received requests, each within [planned, planned + one fake-clock step]. */
function expectGaps(r: Receiver, plannedMs: number[], stepMs: number): void {
  const gaps = r.requests.slice(1).map((request, i) => request.at - r.requests[i]!.at);
  expect(gaps).toHaveLength(plannedMs.length);
  gaps.forEach((gap, i) => {
    expect(gap, `gap ${i + 1}`).toBeGreaterThanOrEqual(plannedMs[i]!);
    expect(gap, `gap ${i + 1}`).toBeLessThanOrEqual(plannedMs[i]! + stepMs);
  });
}

describe('retries as the vendor does', () => {
  it('InHand: fails twice, delivered on the 3rd attempt 10 s apart; every request verifies, also by InHand’s Python code', async () => {
    receiver = await startReceiver((n) => (n < 2 ? { status: 503, body: 'busy' } : { status: 200, body: 'ok' }));
    const body = { ...vendors['inhand-dm'].samples['offline'], deviceName: 'Gateway Zürich ☃', ratio: 1.5e5 };
    const result = await withFakeClock(() =>
      deliver({ config: { url: `${receiver!.url}/inhand`, vendor: 'inhand-dm', secrets: 's3cret' }, body }, io()),
    );
    expect(result).toMatchObject({ delivered: true, outcome: 'delivered', statusCode: 200 });
    expect(result.attempts.map((a) => [a.statusCode, a.verdict, a.nextRetryInMs])).toEqual([
      [503, 'retry', 10_000],
      [503, 'retry', 10_000],
      [200, 'delivered', undefined],
    ]);
    expect(result.attempts[0]?.responseSnippet).toBe('busy');
    expectGaps(receiver, [10_000, 10_000], 1000);

    const ids = receiver.requests.map((r) => r.headers['x-request-id'] as string);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(ids).toEqual(result.attempts.map((a) => a.requestId));

    for (const request of receiver.requests) {
      expect(verify({ vendor: 'inhand-dm', rawBody: request.body, headers: request.headers, secrets: 's3cret' })).toMatchObject({ ok: true, event: { type: 'offline' } });
    }
    const verdicts = pythonVerdicts(
      receiver.requests.map((r) => ({ scheme: 'inhand', body: r.body, signature: r.headers['x-signature'] as string, secret: 's3cret' })),
    );
    expect(verdicts).toEqual([true, true, true]);
  });

  it('InHand: a closed port is not retried (the service cannot be reached)', async () => {
    const port = await closedPort();
    const result = await deliver({ config: { url: `http://127.0.0.1:${port}/x`, vendor: 'inhand-dm', secrets: 's' }, body: vendors['inhand-dm'].samples['online'] }, io());
    expect(result).toMatchObject({ delivered: false, outcome: 'failed' });
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ errorClass: 'refused', verdict: 'fail' });
    expect(result.error).toMatch(/refused the connection/);
  });

  it('EdgeSense: a closed port is retried 5 times with exponential backoff, then the endpoint is disabled', async () => {
    const port = await closedPort();
    const endpointStore = createMemoryEndpointStore();
    const result = await withFakeClock(
      () => deliver({ config: { url: `http://127.0.0.1:${port}/es`, vendor: 'edgesense', secrets: 's' }, body: vendors.edgesense.samples['device.alert'] }, { ...io(), endpointStore, random: () => 0.5 }),
      5000,
    );
    expect(result.attempts.map((a) => a.nextRetryInMs)).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, undefined]);
    expect(result.endpoint).toMatchObject({ status: 'failed', consecutiveFailures: 1 });
  });

  it('1NCE: 5 attempts 150/180/420/1020 s apart, then INTEGRATION_FAILED until restarted', async () => {
    receiver = await startReceiver(() => ({ status: 500 }));
    const endpointStore = createMemoryEndpointStore();
    const config = { url: `${receiver.url}/1nce`, vendor: '1nce' as const, secrets: 'api-key-1' };
    const result = await withFakeClock(() => deliver({ config, body: vendors['1nce'].samples['TELEMETRY_DATA'] }, { ...io(), endpointStore }), 1000);
    expect(result.attempts).toHaveLength(5);
    expectGaps(receiver, [150_000, 180_000, 420_000, 1_020_000], 1000);
    expect(receiver.requests.every((r) => r.headers['x-api-key'] === 'api-key-1')).toBe(true);
    expect(result.endpoint.status).toBe('failed');

    const blocked = await deliver({ config, body: vendors['1nce'].samples['TEST_MESSAGE'] }, { ...io(), endpointStore });
    expect(blocked).toMatchObject({ delivered: false, outcome: 'endpoint_failed', attempts: [] });
    expect(receiver.requests).toHaveLength(5);

    await restartEndpoint(endpointStore, config.url);
    receiver.requests.length = 0;
    const again = await deliver({ config: { ...config, retryPolicy: 'none' }, body: vendors['1nce'].samples['TEST_MESSAGE'] }, { ...io(), endpointStore });
    expect(again.attempts).toHaveLength(1);
  });

  it('1NCE and EdgeSense: a 404, a 410 and a redirect are unsuccessful attempts that are retried, as their pages say', async () => {
    for (const vendor of ['1nce', 'edgesense'] as const) {
      receiver = await startReceiver((n) => [{ status: 404 }, { status: 410 }, { status: 302, headers: { Location: 'http://127.0.0.1:9/' } }][n] ?? { status: 200 });
      const config = { url: `${receiver.url}/${vendor}`, vendor, secrets: 'key-1' };
      const body = Object.values(vendors[vendor].samples)[0]!;
      const result = await withFakeClock(() => deliver({ config, body }, { ...io(), endpointStore: createMemoryEndpointStore(), random: () => 0.5 }), 1000);
      expect(result, vendor).toMatchObject({ delivered: true, outcome: 'delivered' });
      expect(result.attempts.map((a) => a.statusCode)).toEqual([404, 410, 302, 200]);
      expect(receiver.requests).toHaveLength(4);
      await receiver.close();
    }
  });

  it('Standard Webhooks: one message id across retries, a fresh timestamp and signature on each', async () => {
    receiver = await startReceiver((n) => (n === 0 ? { status: 502 } : { status: 204 }));
    const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    const result = await withFakeClock(() =>
      deliver({ config: { url: receiver!.url, vendor: 'standard-webhooks', secrets: secret }, body: vendors['standard-webhooks'].samples['device.alert'] }, { ...io(), random: () => 0.5 }),
    );
    expect(result.delivered).toBe(true);
    const [first, second] = receiver.requests;
    expect(first!.headers['webhook-id']).toBe(second!.headers['webhook-id']);
    const timestampGap = Number(second!.headers['webhook-timestamp']) - Number(first!.headers['webhook-timestamp']);
    expect(timestampGap).toBeGreaterThanOrEqual(5);
    expect(timestampGap).toBeLessThanOrEqual(6);
    for (const r of receiver.requests) {
      expect(verify({ vendor: 'standard-webhooks', rawBody: r.body, headers: r.headers, secrets: secret, options: { now: Number(r.headers['webhook-timestamp']) * 1000 } }).ok).toBe(true);
    }
  });

  it('Standard Webhooks with two secrets sends a signature for each, so either receiver secret verifies', async () => {
    receiver = await startReceiver();
    const [oldSecret, newSecret] = ['whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0', 'whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0'];
    await deliver({ config: { url: receiver.url, vendor: 'standard-webhooks', secrets: [newSecret, oldSecret] }, body: { type: 'x.y' } }, io());
    const r = receiver.requests[0]!;
    expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) expect(verify({ vendor: 'standard-webhooks', rawBody: r.body, headers: r.headers, secrets: secret }).ok).toBe(true);
  });
});

describe('answers that stop or shape retries', () => {
  it('410 stops for good and marks the endpoint failed', async () => {
    receiver = await startReceiver(() => ({ status: 410, body: 'gone' }));
    const endpointStore = createMemoryEndpointStore();
    const result = await deliver({ config: { url: receiver.url, vendor: 'scalefusion', secrets: 's', retryPolicy: 'default' }, body: vendors.scalefusion.samples['device.lost'] }, { ...io(), endpointStore });
    expect(result).toMatchObject({ outcome: 'gone', delivered: false, endpoint: { status: 'failed' } });
    expect(receiver.requests).toHaveLength(1);
    expect(pythonVerdicts([{ scheme: 'scalefusion', body: receiver.requests[0]!.body, signature: receiver.requests[0]!.headers['x-sf-signature'] as string, secret: 's' }])).toEqual([true]);
  });

  it('other 4xx are not retried; 429 is, honouring Retry-After', async () => {
    receiver = await startReceiver((n) => (n === 0 ? { status: 429, headers: { 'Retry-After': '30' } } : n === 1 ? { status: 400, body: 'bad' } : { status: 200 }));
    const result = await withFakeClock(() => deliver({ config: { url: receiver!.url, vendor: 'inhand-dm', secrets: 's' }, body: vendors['inhand-dm'].samples['online'] }, io()));
    expect(result.attempts.map((a) => [a.statusCode, a.verdict, a.nextRetryInMs])).toEqual([
      [429, 'retry', 30_000],
      [400, 'fail', undefined],
    ]);
    expectGaps(receiver, [30_000], 1000);
  });

  it('a redirect is a failure and is never followed', async () => {
    receiver = await startReceiver(() => ({ status: 302, headers: { Location: '/elsewhere' } }));
    const result = await deliver({ config: { url: receiver.url, vendor: 'generic-hmac', secrets: 's', retryPolicy: 'none' }, body: { type: 'a' } }, io());
    expect(result).toMatchObject({ outcome: 'failed', attempts: [{ statusCode: 302, errorClass: 'redirect' }] });
    expect(result.error).toMatch(/never followed/);
    expect(receiver.requests).toHaveLength(1);
  });

  it('in real time: a hang times out, a reset is retried, and the third attempt lands', async () => {
    receiver = await startReceiver((n) => (n === 0 ? { hang: true } : n === 1 ? { reset: true } : { status: 201 }));
    const policy = customRetryPolicy({ retries: 2, delaysMs: [100, 100] });
    const started = Date.now();
    const result = await deliver({ config: { url: receiver.url, vendor: 'inhand-dm', secrets: 's', retryPolicy: policy, timeoutMs: 300 }, body: vendors['inhand-dm'].samples['sim_switch'] }, io());
    expect(result.attempts.map((a) => a.errorClass ?? a.statusCode)).toEqual(['timeout', 'network', 201]);
    expect(result.attempts[0]!.durationMs).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(result.delivered).toBe(true);
  });
});

describe('cancelling', () => {
  it('aborting mid-wait ends the delivery at once and leaves no timer behind', async () => {
    receiver = await startReceiver(() => ({ status: 503 }));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const controller = new AbortController();
    const seen: number[] = [];
    const pending = deliver(
      { config: { url: receiver.url, vendor: 'inhand-dm', secrets: 's' }, body: vendors['inhand-dm'].samples['online'], signal: controller.signal },
      { ...io(), onAttempt: (a) => seen.push(a.attempt) },
    );
    while (seen.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(3000);
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ outcome: 'aborted', delivered: false });
    expect(result.attempts).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aborting during a request ends it at once', async () => {
    receiver = await startReceiver(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = deliver({ config: { url: receiver.url, vendor: 'inhand-dm', timeoutMs: 60_000 }, body: { alertType: 'x' }, signal: controller.signal }, io());
    while (receiver.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const abortedAt = Date.now();
    controller.abort();
    const result = await pending;
    expect(result.outcome).toBe('aborted');
    expect(Date.now() - abortedAt).toBeLessThan(1000);
  });
});

describe('placeholders and headers', () => {
  it('1NCE placeholders arrive filled and encoded on the wire', async () => {
    receiver = await startReceiver();
    await deliver(
      {
        config: {
          url: `${receiver.url}/events/:iccid:?ip=:ip:&imsi=:imsi:&x=:unknown:`,
          vendor: '1nce',
          secrets: 'key',
          headers: { 'x-device-imsi': ':imsi:', 'x-device-iccid': ':iccid:', 'x-note': 'from :ip:' },
        },
        body: vendors['1nce'].samples['LOCATION'],
        placeholders: { iccid: '89/../admin#x', imsi: '901405100002864' },
      },
      io(),
    );
    const r = receiver.requests[0]!;
    expect(r.url).toBe('/events/89%2F..%2Fadmin%23x?ip=none&imsi=901405100002864&x=:unknown:');
    expect(r.headers).toMatchObject({ 'x-device-imsi': '901405100002864', 'x-device-iccid': '89/../admin#x', 'x-note': 'from none', 'x-api-key': 'key' });
  });

  it('refuses header templates that would override content-type, host, length or signatures — at configuration time', () => {
    const base = { url: 'https://example.com/hook', secrets: 's' };
    for (const [vendor, header] of [
      ['inhand-dm', 'Content-Type'],
      ['inhand-dm', 'host'],
      ['inhand-dm', 'Content-Length'],
      ['inhand-dm', 'X-Signature'],
      ['scalefusion', 'x-sf-signature'],
      ['standard-webhooks', 'Webhook-Timestamp'],
      ['1nce', 'X-API-KEY'],
    ] as const) {
      expect(() => prepareDelivery({ ...base, vendor, headers: { [header]: 'x' } }), `${vendor} ${header}`).toThrow(DeliveryError);
    }
    expect(() => prepareDelivery({ ...base, headers: { 'X-Ok': 'a\r\nInjected: 1' } })).toThrow(/CR, LF/);
    expect(() => prepareDelivery({ ...base, headers: { 'Bad Name': 'x' } })).toThrow(/valid header name/);
    expect(() => prepareDelivery({ ...base, url: 'ftp://example.com' })).toThrow(/http and https/);
    expect(() => prepareDelivery({ ...base, retryPolicy: 'weekly' })).toThrow(/Unknown retry policy/);
    expect(() => prepareDelivery({ ...base, headers: { 'X-Tenant': 'acme :iccid:' } })).not.toThrow();
  });
});

describe('SSRF guard', () => {
  it('refuses loopback by literal address and by resolved name, before any byte is sent', async () => {
    receiver = await startReceiver();
    const guarded = createNodeTransport({ ssrfGuard: true });
    try {
      for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
        const result = await deliver({ config: { url: `http://${host}:${receiver.port}/`, retryPolicy: 'default' }, body: { type: 't' } }, { transport: guarded, sleep: nodeSleep });
        expect(result.attempts, host).toHaveLength(1);
        expect(result.attempts[0]!.errorClass, host).toBe('blocked');
      }
    } finally {
      guarded.close();
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it.each([
    ['127.0.0.1', true], ['10.1.2.3', true], ['172.31.255.255', true], ['192.168.0.10', true], ['100.64.0.1', true],
    ['169.254.169.254', true], ['0.0.0.0', true], ['224.0.0.1', true], ['255.255.255.255', true], ['198.18.0.1', true],
    ['::1', true], ['::', true], ['fe80::1', true], ['fd00:ec2::254', true], ['::ffff:10.0.0.1', true], ['::ffff:7f00:1', true],
    ['64:ff9b::a00:1', true], ['2002:a00:1::', true], ['2001:db8::1', true], ['ff02::1', true], ['not-an-ip', true],
    ['8.8.8.8', false], ['93.184.216.34', false], ['2606:4700:4700::1111', false], ['::ffff:8.8.8.8', false], ['64:ff9b::808:808', false],
  ])('%s blocked: %s', (address, blocked) => {
    expect(isBlockedAddress(address)).toBe(blocked);
  });
});

describe('endpoint health', () => {
  it('marks the endpoint failed after the configured number of failed deliveries in a row; a success resets the count', async () => {
    receiver = await startReceiver((n) => (n === 1 ? { status: 200 } : { status: 500 }));
    const endpointStore = createMemoryEndpointStore();
    const config = prepareDelivery({ url: receiver.url, vendor: 'scalefusion', secrets: 's', retryPolicy: 'none', failEndpointAfter: 2 });
    const send = () => deliver({ config, body: vendors.scalefusion.samples['device.found'] }, { ...io(), endpointStore });
    expect((await send()).endpoint).toMatchObject({ status: 'active', consecutiveFailures: 1 });
    expect((await send()).endpoint).toMatchObject({ status: 'active', consecutiveFailures: 0 });
    expect((await send()).endpoint).toMatchObject({ status: 'active', consecutiveFailures: 1 });
    expect((await send()).endpoint).toMatchObject({ status: 'failed', consecutiveFailures: 2, reason: expect.stringMatching(/HTTP 500/) });
    expect((await send()).outcome).toBe('endpoint_failed');
    expect(receiver.requests).toHaveLength(4);
    expect(() => prepareDelivery({ url: receiver!.url, failEndpointAfter: 0 })).toThrow(DeliveryError);
  });
});
