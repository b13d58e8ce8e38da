/**
 * A sender (or a proxy) that repeats the signature header: Node's HTTP parser joins repeated unknown
 * headers into one value with ", ", so the receiver must say "sent twice", not describe the joined text.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sign, vendors, verify } from '../../shared/src/index';

/** Sends raw request bytes to a local node:http server and returns the headers Node parsed. */
async function headersAsNodeParsesThem(rawHead: string): Promise<IncomingHttpHeaders> {
  let seen: IncomingHttpHeaders = {};
  const server = createServer((req, res) => {
    seen = req.headers;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(rawHead));
    socket.on('data', () => socket.destroy());
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return seen;
}

describe('a doubled signature header', () => {
  for (const vendor of ['inhand-dm', 'scalefusion', 'generic-hmac'] as const) {
    it(`${vendor}: is refused as sent twice, naming the header`, async () => {
      const body = JSON.stringify(vendors[vendor].samples[Object.keys(vendors[vendor].samples)[0]!]);
      const signed = sign({ vendor, body, secret: 'the-secret' });
      const [name, value] = Object.entries(signed.headers).find(([key]) => /signature/i.test(key))!;
      const headers = await headersAsNodeParsesThem(
        `POST / HTTP/1.1\r\nHost: x\r\n${name}: ${value}\r\n${name}: ${value}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      const result = verify({ vendor, rawBody: signed.body, headers, secrets: 'the-secret' });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.code).toBe('signature_malformed');
      expect(result.message).toContain('sent 2 times');
      expect(result.message).not.toContain('neither hex nor base64');
      // The single header still verifies, so the refusal is about the repetition alone.
      expect(verify({ vendor, rawBody: signed.body, headers: { [name.toLowerCase()]: value }, secrets: 'the-secret' }).ok).toBe(true);
    });
  }
});
