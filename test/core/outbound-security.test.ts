/**
 * Outbound safety in the core: the SSRF address rules (IPv4-mapped and other special ranges), URL
 * userinfo redacted on every surface deliver() produces, and SSRF-blocked attempts classified as
 * `blocked` — never retried — even when the transport and the engine come from different bundles.
 */
import { BlockList, isIP } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyTransportError, customRetryPolicy, deliver, DeliveryError, isDeliveryError, prepareDelivery, redactUrl, redactUrlsIn } from '../../shared/src/index';
import { isBlockedAddress as isBlockedPure, isPrivateHostLiteral, parseIpv6 } from '../../shared/src/delivery/address-rules';
import { createNodeTransport, isBlockedAddress, nodeSleep } from '../../shared/src/node/index';
import { closedPort, startReceiver, type Receiver } from '../helpers/receiver';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('SSRF address rules', () => {
  it.each([
    // IPv4 special ranges
    ['0.0.0.0', true], ['0.255.1.2', true], ['100.64.0.1', true], ['100.127.255.255', true], ['100.128.0.1', false],
    ['169.254.169.254', true], ['127.0.0.1', true], ['10.0.0.1', true], ['192.168.1.1', true], ['172.16.0.1', true], ['172.32.0.1', false],
    // IPv4-mapped IPv6 (::ffff:0:0/96): the embedded IPv4 is judged by the IPv4 rules
    ['::ffff:127.0.0.1', true], ['::ffff:7f00:1', true], ['::ffff:a9fe:a9fe', true], ['::ffff:0.0.0.0', true], ['::ffff:100.64.0.1', true],
    ['::ffff:8.8.8.8', false], ['::ffff:808:808', false], ['[::ffff:127.0.0.1]', true],
    // IPv4-translated (::ffff:0:0:0/96), NAT64, 6to4
    ['::ffff:0:7f00:1', true], ['::ffff:0:808:808', false], ['64:ff9b::7f00:1', true], ['2002:7f00:1::', true], ['2002:808:808::', false],
    // IPv6 special ranges
    ['::1', true], ['::', true], ['fc00::1', true], ['fdff:ffff::1', true], ['fe80::1', true], ['febf::1', true], ['fe80::1%eth0', true],
    ['ff02::1', true], ['2001:db8::1', true], ['2606:4700:4700::1111', false], ['2a00:1450:4001::200e', false],
    // not an address at all: refused
    ['example.com', true], ['', true], ['1.2.3', true], ['01.2.3.4', true],
  ])('%s blocked: %s', (address, blocked) => {
    expect(isBlockedAddress(address)).toBe(blocked);
    expect(isBlockedPure(address.replace(/%.*$/, ''))).toBe(blocked);
  });

  it('judges every IPv4-mapped and IPv4-translated address exactly as its IPv4 address (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
        const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        const expected = isBlockedAddress(v4);
        expect(isBlockedAddress(`::ffff:${v4}`)).toBe(expected);
        expect(isBlockedAddress(`::ffff:${hex}`)).toBe(expected);
        expect(isBlockedAddress(`0:0:0:0:0:ffff:${hex}`)).toBe(expected);
        expect(isBlockedAddress(`::ffff:0:${hex}`)).toBe(expected);
        expect(isBlockedAddress(`64:ff9b::${hex}`)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with node:net BlockList on the same ranges, and parses IPv6 exactly as node:net does (property)', () => {
    const v4 = new BlockList();
    for (const [n, p] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.31.196.0', 24], ['192.52.193.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['192.175.48.0', 24], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
      v4.addSubnet(n, p, 'ipv4');
    }
    const v6 = new BlockList();
    for (const [n, p] of [['::', 96], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['3fff::', 20], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['64:ff9b:1::', 48]] as const) {
      v6.addSubnet(n, p, 'ipv6');
    }
    fc.assert(fc.property(fc.ipV4(), (a) => {
      expect(isBlockedPure(a)).toBe(v4.check(a, 'ipv4'));
    }), { numRuns: 3000 });
    fc.assert(
      fc.property(fc.ipV6(), (a) => {
        expect(parseIpv6(a)).toHaveLength(8);
        const groups = parseIpv6(a) as number[];
        const carriesV4 = (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) || (groups.slice(0, 4).every((g) => g === 0) && groups[4] === 0xffff && groups[5] === 0) ||
          (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) || groups[0] === 0x2002;
        if (!carriesV4) expect(isBlockedPure(a)).toBe(v6.check(a, 'ipv6'));
      }),
      { numRuns: 3000 },
    );
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[0-9a-fA-F:.]{0,45}$/));
    fc.assert(
      fc.property(text, (s) => {
        expect(parseIpv6(s) !== undefined, s).toBe(isIP(s) === 6);
      }),
      { numRuns: 5000 },
    );
    // Zone ids, and the empty one fast-check once found (`::%`, which node:net refuses).
    for (const s of ['::%', '::%1', 'fe80::1%eth0', '::%%', '::1%a%b', 'fe80::1%e\u00e9']) expect(parseIpv6(s) !== undefined, s).toBe(isIP(s) === 6);
  });

  it('judges URL hosts without resolving: private literals and localhost are private, DNS names are not', () => {
    for (const host of ['localhost', 'LOCALHOST.', 'api.localhost', '127.0.0.1', '[::1]', '[::ffff:7f00:1]', '169.254.169.254', '0.0.0.0', '[fd00:ec2::254]']) {
      expect(isPrivateHostLiteral(host), host).toBe(true);
    }
    for (const host of ['example.com', 'localhost.example.com', '8.8.8.8', '[2606:4700:4700::1111]']) expect(isPrivateHostLiteral(host), host).toBe(false);
    // What WHATWG URL makes of odd spellings is what is judged.
    for (const url of ['http://0x7f.1/', 'http://2130706433/', 'http://127.1/', 'http://[0:0:0:0:0:ffff:127.0.0.1]/']) {
      expect(isPrivateHostLiteral(new URL(url).hostname), url).toBe(true);
    }
  });
});

describe('URL userinfo redaction', () => {
  it.each([
    ['https://user:pass@example.com/hook', 'https://***@example.com/hook'],
    ['https://user@example.com/hook?a=b', 'https://***@example.com/hook?a=b'],
    ['http://a%40b:p%40ss@example.com:8080/x/:iccid:', 'http://***@example.com:8080/x/:iccid:'],
    ['http://u:p@ss@example.com/', 'http://***@example.com/'],
    ['https://example.com/users/@me', 'https://example.com/users/@me'],
    ['https://example.com/hook?email=a@b.c', 'https://example.com/hook?email=a@b.c'],
    ['not a url', 'not a url'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
    expect(redactUrlsIn(`Request to ${url} failed`)).toBe(`Request to ${shown} failed`);
  });

  it('never leaves a password in what it shows, and keeps the host (property)', () => {
    const part = fc.string({ minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(part, part, (user, password) => {
        const url = `https://${encodeURIComponent(user)}:${encodeURIComponent(password)}@hooks.example.com/in`;
        const parsed = new URL(url);
        const shown = redactUrl(url);
        expect(new URL(shown).host).toBe('hooks.example.com');
        expect(new URL(shown).password).toBe('');
        expect(shown).not.toContain(`:${parsed.password}@`);
        expect(redactUrlsIn(`failed: ${url}.`)).toBe(`failed: ${shown}.`);
      }),
      { numRuns: 1000 },
    );
  });

  it('deliver(): the result, the attempt log, the error and the endpoint state show no userinfo', async () => {
    const secret = 'S3cr3t-pa55';
    // The transport quotes the URL in its error, as axios and fetch do.
    const transport = async (request: { url: string }) => {
      throw Object.assign(new Error(`connect ECONNREFUSED while requesting ${request.url}`), { code: 'ECONNREFUSED' });
    };
    const result = await deliver(
      { config: { url: `https://alice:${secret}@hooks.example.com/in/:iccid:`, retryPolicy: customRetry(), failEndpointAfter: 1 }, body: { a: 1 }, placeholders: { iccid: '89' } },
      { transport: transport as never, sleep: async () => {} },
    );
    expect(result.delivered).toBe(false);
    expect(result.url).toBe('https://***@hooks.example.com/in/89');
    expect(result.attempts).toHaveLength(2);
    expect(result.attempts[0]!.error).toBe('connect ECONNREFUSED while requesting https://***@hooks.example.com/in/89');
    expect(result.endpoint.status).toBe('failed');
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(JSON.stringify(result)).not.toContain('alice');
    expect(prepareDelivery({ url: `https://alice:${secret}@hooks.example.com/x` }).endpointKey).toBe('https://***@hooks.example.com/x');
  });

  it('deliver(): userinfo still authenticates on the wire (Basic), but the result shows it redacted', async () => {
    receiver = await startReceiver();
    const transport = createNodeTransport();
    try {
      const url = receiver.url.replace('http://', 'http://alice:S3cr3t@');
      const result = await deliver({ config: { url }, body: { a: 1 } }, { transport, sleep: nodeSleep });
      expect(result.delivered).toBe(true);
      expect(receiver.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('alice:S3cr3t').toString('base64')}`);
      expect(result.url).toBe(receiver.url.replace('http://', 'http://***@'));
      expect(JSON.stringify(result)).not.toContain('S3cr3t');
    } finally {
      transport.close();
    }
  });

  it('a configuration error quoting the URL shows no userinfo', () => {
    let error: unknown;
    try {
      prepareDelivery({ url: 'https://alice:S3cr3t@exa mple.com/x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as Error).message).toContain('https://***@exa mple.com/x');
    expect((error as Error).message).not.toContain('S3cr3t');
  });
});

function customRetry() {
  return customRetryPolicy({ retries: 1, initialDelayMs: 1 });
}

describe('transport errors are classified by name and code, not instanceof', () => {
  it('a configuration that cannot work is refused with a DeliveryError whose code names the cause', () => {
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return isDeliveryError(error) ? error.code : `not a DeliveryError: ${String(error)}`;
      }
      return 'nothing thrown';
    };
    expect(codeOf(() => prepareDelivery({ url: 'not a url' }))).toBe('invalid_url');
    expect(codeOf(() => prepareDelivery({ url: 'ftp://example.com/' }))).toBe('invalid_url');
    expect(codeOf(() => prepareDelivery({ url: 'https://example.com/', headers: { 'X-Ok': 'a\r\nb' } }))).toBe('invalid_header');
    expect(codeOf(() => prepareDelivery({ url: 'https://example.com/', headers: { 'Content-Type': 'text/plain' } }))).toBe('invalid_header');
    expect(codeOf(() => prepareDelivery({ url: 'https://example.com/', schemeOptions: { header: 'bad header' } }))).toBe('invalid_header');
    expect(codeOf(() => prepareDelivery({ url: 'https://example.com/', retryPolicy: 'nope' }))).toBe('config');
    expect(codeOf(() => prepareDelivery({ url: 'https://example.com/', timeoutMs: 0 }))).toBe('config');
    expect(codeOf(() => customRetryPolicy({ retries: -1 }))).toBe('config');
  });

  it('an error from an earlier copy (TransportError) keeps its class', () => {
    class OtherCopy extends Error {
      errorClass = 'blocked';
      code = 'DEVICEHOOK_BLOCKED';
      constructor() {
        super('refused');
        this.name = 'TransportError';
      }
    }
    expect(new OtherCopy()).not.toBeInstanceOf(DeliveryError);
    expect(classifyTransportError(new OtherCopy())).toBe('blocked');
    expect(classifyTransportError({ name: 'TransportError', code: 'DEVICEHOOK_TIMEOUT' })).toBe('timeout');
    expect(classifyTransportError(new Error('x', { cause: new DeliveryError('blocked', 'y') }))).toBe('blocked');
    expect(classifyTransportError(Object.assign(new Error('n8n'), { name: 'SsrfBlockedIpError' }))).toBe('blocked');
    // A foreign error that merely calls itself TransportError with an unknown class is not trusted.
    expect(classifyTransportError({ name: 'TransportError', errorClass: 'whatever', code: 'ECONNREFUSED' })).toBe('refused');
    expect(new DeliveryError('dns', 'x').code).toBe('dns');
  });

  it('a DeliveryError from another copy of the core keeps its code', () => {
    class OtherCopy extends Error {
      code = 'timeout';
      constructor() {
        super('slow');
        this.name = 'DeliveryError';
      }
    }
    expect(new OtherCopy()).not.toBeInstanceOf(DeliveryError);
    expect(classifyTransportError(new OtherCopy())).toBe('timeout');
    expect(isDeliveryError(new OtherCopy())).toBe(true);
    // A configuration code is not a transport class: classified by Node's code like any other error.
    expect(classifyTransportError({ name: 'DeliveryError', code: 'config' })).toBe('network');
  });

  it('the built packages: an SSRF-blocked attempt through @devicehook/core/node is `blocked` in @devicehook/core\'s deliver() and is not retried', async () => {
    const requireFromHere = createRequire(__filename);
    const core = requireFromHere(join(__dirname, '..', '..', 'shared', 'dist', 'index.js'));
    const coreNode = requireFromHere(join(__dirname, '..', '..', 'shared', 'dist', 'node', 'index.js'));
    receiver = await startReceiver();
    const transport = coreNode.createNodeTransport({ ssrfGuard: true });
    try {
      for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]']) {
        const result = await core.deliver(
          { config: { url: `http://${host}:${receiver.port}/`, retryPolicy: 'default' }, body: { a: 1 } },
          { transport, sleep: async () => {} },
        );
        expect(result.attempts, host).toHaveLength(1);
        expect(result.attempts[0], host).toMatchObject({ errorClass: 'blocked', verdict: 'fail' });
        expect(result.outcome).toBe('failed');
      }
    } finally {
      transport.close();
    }
    expect(receiver.requests).toHaveLength(0);
    // The unguarded transport of the same bundle does reach it: the guard is what refused.
    const open = coreNode.createNodeTransport();
    try {
      const port = await closedPort();
      const refused = await core.deliver({ config: { url: `http://127.0.0.1:${port}/`, retryPolicy: 'none' }, body: {} }, { transport: open, sleep: async () => {} });
      expect(refused.attempts[0].errorClass).toBe('refused');
    } finally {
      open.close();
    }
  });
});

describe('the CLI shows no URL userinfo', () => {
  const runSend = async (args: string[]) => {
    const { runCli } = await import('../../shared/src/cli');
    const out: string[] = [];
    const code = await runCli(['send', '--vendor', 'scalefusion', '--secret', 'cli-signing-secret', '--retry', 'none', ...args], {
      stdout: (t: string) => out.push(t),
      write: (t: string | Buffer) => out.push(String(t)),
      stderr: (t: string) => out.push(t),
      readStdin: async () => Buffer.alloc(0),
    });
    return { code, text: out.join('\n') };
  };

  it('devicehook send: progress, result and --json show ***@', async () => {
    receiver = await startReceiver(() => ({ status: 500 }));
    const url = receiver.url.replace('http://', 'http://cli-user:cli-pa55@');
    for (const extra of [[], ['--json']]) {
      const { code, text } = await runSend([...extra, `${url}/hook`]);
      expect(code).not.toBe(0);
      expect(text).toContain('***@127.0.0.1');
      expect(text).not.toContain('cli-pa55');
      expect(text).not.toContain('cli-user');
    }
    expect(receiver.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('cli-user:cli-pa55').toString('base64')}`);
  });

  it('devicehook send: a bad URL is quoted without its userinfo', async () => {
    const { code, text } = await runSend(['http://cli-user:cli-pa55@exa mple.com/x']);
    expect(code).toBe(2);
    expect(text).toContain('***@exa mple.com');
    expect(text).not.toContain('cli-pa55');
  });
});
