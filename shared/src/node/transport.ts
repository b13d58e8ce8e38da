/**
 * The core's Node transport for `deliver()`: node:http/https with keep-alive, a per-attempt timeout,
 * no redirects followed, the SSRF guard applied to the resolved address at connect time, and
 * cancellation by AbortSignal. Node's own client because the package must run on Node 20 (undici 8
 * needs 22) and node:http gives the `lookup` hook the guard needs. Node-only module.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { urlToHttpOptions } from 'node:url';
import type { OutboundRequest, Transport, TransportResponse } from '../delivery/deliver';
import { DeliveryError } from '../delivery/errors';
import { isBlockedAddress } from './ssrf';

export interface NodeTransportOptions {
  /** Refuse private, loopback, link-local, CGNAT, metadata and reserved addresses. @defaultValue false */
  ssrfGuard?: boolean;
  /** Response bytes kept for the log; the rest is read and dropped. @defaultValue 64 KiB */
  maxResponseBytes?: number;
  /** Sockets per host. @defaultValue 64 */
  maxSockets?: number;
}

/** A transport plus `close()`, which frees its kept-alive sockets. */
export interface NodeTransport extends Transport {
  close(): void;
}

function blockedError(host: string, address: string): DeliveryError {
  return new DeliveryError('blocked', `Refused to send to ${host} (${address}): private, loopback, link-local or reserved addresses are blocked by the SSRF guard.`);
}

/** A `lookup` that refuses blocked addresses, so the check applies to what is actually connected to. */
function guardedLookup(): LookupFunction {
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      const blocked = addresses.find((a) => isBlockedAddress(a.address));
      if (blocked) return callback(blockedError(hostname, blocked.address));
      if (options.all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

interface ParsedTarget {
  hostname: string;
  isHttps: boolean;
  /** What http.request needs of the URL: protocol, host, port, path, auth. */
  options: http.RequestOptions;
}

const parsedUrls = new Map<string, ParsedTarget>();

/** URLs parsed once: a sender posts to the same few URLs over and over. Bounded, oldest dropped first. */
function parseUrl(text: string): ParsedTarget {
  let target = parsedUrls.get(text);
  if (target === undefined) {
    const url = new URL(text);
    target = { hostname: url.hostname, isHttps: url.protocol === 'https:', options: urlToHttpOptions(url) as http.RequestOptions };
    if (parsedUrls.size >= 256) parsedUrls.delete(parsedUrls.keys().next().value as string);
    parsedUrls.set(text, target);
  }
  return target;
}

/** Creates the transport. Call `close()` when done so kept-alive sockets do not hold the process open. */
export function createNodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'lifo' as const };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const lookup = options.ssrfGuard ? guardedLookup() : undefined;

  const transport = (request: OutboundRequest): Promise<TransportResponse> =>
    new Promise<TransportResponse>((resolve, reject) => {
      const url = parseUrl(request.url);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (options.ssrfGuard && isIP(host) !== 0 && isBlockedAddress(host)) return reject(blockedError(host, host));
      if (request.signal?.aborted) return reject(new DeliveryError('aborted', 'Cancelled before sending.'));
      const isHttps = url.isHttps;
      const headers: Record<string, string | number> = { ...request.headers, 'Content-Length': request.body.length };
      const req = (isHttps ? https : http).request({
        ...url.options,
        method: request.method,
        headers,
        agent: isHttps ? httpsAgent : httpAgent,
        ...(lookup ? { lookup } : {}),
      });
      let settled = false;
      const timer = setTimeout(() => fail(new DeliveryError('timeout', `No complete answer within ${request.timeoutMs} ms.`)), request.timeoutMs);
      const onAbort = () => fail(new DeliveryError('aborted', 'Cancelled.'));
      request.signal?.addEventListener('abort', onAbort, { once: true });
      function cleanup(): void {
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
      }
      function fail(error: Error): void {
        if (settled) return;
        cleanup();
        req.destroy();
        reject(error);
      }
      req.on('error', (error: Error & { code?: string }) => {
        if (settled) return;
        cleanup();
        reject(error);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < maxResponseBytes) {
            chunks.push(chunk.subarray(0, maxResponseBytes - kept));
            kept += Math.min(chunk.length, maxResponseBytes - kept);
          }
        });
        res.on('error', (error) => fail(error));
        res.on('end', () => {
          if (settled) return;
          cleanup();
          resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
      });
      req.end(request.body);
    });

  return Object.assign(transport, {
    close(): void {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  });
}

/** Waits `ms`, or less when `signal` aborts; clears its timer either way. */
export function nodeSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
