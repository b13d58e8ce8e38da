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
import { performance } from 'node:perf_hooks';
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
  /** The host without IPv6 brackets, and whether it is an IP literal (the guard checks those before connecting). */
  host: string;
  isIpLiteral: boolean;
  isHttps: boolean;
  /** What http.request needs of the URL: protocol, host, port, path (the userinfo goes into `authorization`). */
  options: http.RequestOptions;
  /** The Host header node:http would send for this URL. */
  hostHeader: string;
  /** The Authorization header node:http would send for the URL's userinfo, if it has any. */
  authorization: string | undefined;
}

const parsedUrls = new Map<string, ParsedTarget>();

/** URLs parsed once: a sender posts to the same few URLs over and over. Bounded, oldest dropped first. */
function parseUrl(text: string): ParsedTarget {
  let target = parsedUrls.get(text);
  if (target === undefined) {
    const url = new URL(text);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const options = urlToHttpOptions(url) as http.RequestOptions;
    const authorization = typeof options.auth === 'string' ? `Basic ${Buffer.from(options.auth).toString('base64')}` : undefined;
    delete options.auth;
    // What node:http writes when it sets Host itself: the host (IPv6 in brackets) and a port other than the default.
    const hostHeader = url.host;
    target = { hostname: url.hostname, host, isIpLiteral: isIP(host) !== 0, isHttps: url.protocol === 'https:', options, hostHeader, authorization };
    if (parsedUrls.size >= 256) parsedUrls.delete(parsedUrls.keys().next().value as string);
    parsedUrls.set(text, target);
  }
  return target;
}

/**
 * One request in flight. The listeners are shared module-level functions that find their exchange on
 * the emitter (no closures per request), and timeouts come from a {@link DeadlineQueue} (no timer per
 * request).
 */
class Exchange {
  settled = false;
  kept = 0;
  chunks: Buffer[] = [];
  readonly deadline: number;
  /** Only for a request with a signal: bound once, so it can be removed. */
  onAbort: (() => void) | undefined;
  constructor(
    readonly req: http.ClientRequest,
    readonly request: OutboundRequest,
    readonly maxResponseBytes: number,
    readonly deadlines: DeadlineQueue,
    readonly resolve: (response: TransportResponse) => void,
    readonly reject: (error: Error) => void,
  ) {
    this.deadline = performance.now() + request.timeoutMs;
  }

  /** Ends the exchange once: no more timeout, no abort listener. False when it had ended already. */
  settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.deadlines.settled();
    if (this.onAbort !== undefined) this.request.signal?.removeEventListener('abort', this.onAbort);
    return true;
  }

  fail(error: Error): void {
    if (!this.settle()) return;
    this.req.destroy();
    this.reject(error);
  }
}

const EXCHANGE = Symbol('devicehook.exchange');
type WithExchange<T> = T & { [EXCHANGE]: Exchange };

function onRequestError(this: WithExchange<http.ClientRequest>, error: Error): void {
  const exchange = this[EXCHANGE];
  if (exchange.settle()) exchange.reject(error);
}

function onResponse(this: WithExchange<http.ClientRequest>, res: http.IncomingMessage): void {
  (res as WithExchange<http.IncomingMessage>)[EXCHANGE] = this[EXCHANGE];
  res.on('data', onResponseData);
  res.on('error', onResponseError);
  res.on('end', onResponseEnd);
}

function onResponseData(this: WithExchange<http.IncomingMessage>, chunk: Buffer): void {
  const exchange = this[EXCHANGE];
  const room = exchange.maxResponseBytes - exchange.kept;
  if (room > 0) {
    exchange.chunks.push(chunk.length <= room ? chunk : chunk.subarray(0, room));
    exchange.kept += Math.min(chunk.length, room);
  }
}

function onResponseError(this: WithExchange<http.IncomingMessage>, error: Error): void {
  this[EXCHANGE].fail(error);
}

function onResponseEnd(this: WithExchange<http.IncomingMessage>): void {
  const exchange = this[EXCHANGE];
  if (!exchange.settle()) return;
  const { chunks } = exchange;
  const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  exchange.resolve({ statusCode: this.statusCode ?? 0, headers: this.headers, body });
}

/** Fails the requests whose deadline passed and that no answer has ended since (see DeadlineQueue's fire). */
function failExpired(expired: Exchange[]): void {
  for (const exchange of expired) if (!exchange.settled) exchange.fail(new DeliveryError('timeout', `No complete answer within ${exchange.request.timeoutMs} ms.`));
}

/**
 * The per-attempt timeouts of one transport, for one timeout value: deadlines then come in the order the
 * requests were made, so one timer armed for the earliest live deadline serves them all. A request that
 * ends is dropped from the front when it is there (answers come back roughly in order), the others when
 * the front reaches them; the timer is cleared when nothing is left to watch, so an idle transport holds
 * no timer (and does not keep the process alive).
 */
class DeadlineQueue {
  private items: (Exchange | undefined)[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  add(exchange: Exchange): void {
    this.items.push(exchange);
    if (this.timer === undefined) this.arm(exchange.deadline);
  }

  /** Called when any request ends: drops the ended ones at the front. */
  settled(): void {
    const items = this.items;
    let head = this.head;
    while (head < items.length && (items[head] as Exchange).settled) items[head++] = undefined;
    this.head = head;
    if (head === items.length) {
      items.length = 0;
      this.head = 0;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
    } else if (head > 1024 && head * 2 > items.length) {
      this.items = items.slice(head);
      this.head = 0;
    }
  }

  private arm(deadline: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(deadline - performance.now())));
  }

  /**
   * Takes the requests whose deadline has passed off the front, and fails those still open one turn of
   * the event loop later. Timers run before I/O in each turn: after this process stalled (a busy machine,
   * a long synchronous task), every deadline that passed during the stall fires first, while answers that
   * came in on time still wait in the sockets. Failing them at once turned one stall into a timeout for
   * every request in flight, and their retries, sent together, into the next; the setImmediate lets the
   * I/O phase read those answers first.
   */
  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    let expired: Exchange[] | undefined;
    for (;;) {
      const exchange = this.items[this.head];
      if (exchange === undefined || (!exchange.settled && exchange.deadline > now)) break;
      this.items[this.head++] = undefined;
      if (!exchange.settled) (expired ??= []).push(exchange);
    }
    if (expired !== undefined) setImmediate(failExpired, expired);
    const next = this.items[this.head];
    if (next === undefined) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.timer === undefined) {
      this.arm(next.deadline);
    }
  };

  /** Stops the timer (the transport is closed). */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * The request's headers as the flat name/value list node:http writes as it is (still validating every
 * name and value), rather than an object it copies header by header through setHeader(): markedly less
 * work per request. The list holds what node:http would add itself from an object: Host and, for a URL
 * with userinfo, Authorization, unless the caller set them; Content-Length is always the body's (in place
 * of a caller's own). A name given twice in different cases is sent once, the later value, as
 * setHeader() would.
 */
function headerList(request: OutboundRequest, target: ParsedTarget): string[] {
  const headers = request.headers;
  const names = Object.keys(headers);
  const list: string[] = [];
  const contentLength = String(request.body.length);
  let lowerNames: string[] | undefined;
  let hasLength = false;
  let hasHost = false;
  let hasAuthorization = false;
  for (let name of names) {
    const lower = name.toLowerCase();
    let value = headers[name] as string;
    if (lower === 'content-length') {
      hasLength = true;
      name = 'Content-Length';
      value = contentLength;
    } else if (lower === 'host') hasHost = true;
    else if (lower === 'authorization') hasAuthorization = true;
    if (lowerNames === undefined) lowerNames = [lower];
    else {
      const earlier = lowerNames.indexOf(lower);
      if (earlier !== -1) {
        list[2 * earlier] = name;
        list[2 * earlier + 1] = value;
        continue;
      }
      lowerNames.push(lower);
    }
    list.push(name, value);
  }
  // In the order they were added before: node:http's own, then the body's length.
  if (!hasHost) list.push('Host', target.hostHeader);
  if (target.authorization !== undefined && !hasAuthorization) list.push('Authorization', target.authorization);
  if (!hasLength) list.push('Content-Length', contentLength);
  return list;
}

/** Creates the transport. Call `close()` when done so kept-alive sockets do not hold the process open. */
export function createNodeTransport(options: NodeTransportOptions = {}): NodeTransport {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'lifo' as const };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const lookup = options.ssrfGuard ? guardedLookup() : undefined;
  const queues = new Map<number, DeadlineQueue>();
  const queueFor = (timeoutMs: number): DeadlineQueue => {
    let queue = queues.get(timeoutMs);
    if (queue === undefined) {
      queue = new DeadlineQueue();
      queues.set(timeoutMs, queue);
    }
    return queue;
  };

  const transport = (request: OutboundRequest): Promise<TransportResponse> => {
    const url = parseUrl(request.url);
    if (options.ssrfGuard && url.isIpLiteral && isBlockedAddress(url.host)) return Promise.reject(blockedError(url.host, url.host));
    if (request.signal?.aborted) return Promise.reject(new DeliveryError('aborted', 'Cancelled before sending.'));
    const isHttps = url.isHttps;
    const target = url.options;
    const requestOptions: http.RequestOptions = {
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      method: request.method,
      agent: isHttps ? httpsAgent : httpAgent,
    };
    if (lookup) requestOptions.lookup = lookup;
    return new Promise<TransportResponse>((resolve, reject) => {
      // Inside the executor: a header node:http refuses (CR/LF) rejects the promise, as before.
      requestOptions.headers = headerList(request, url);
      const req = (isHttps ? https : http).request(requestOptions) as WithExchange<http.ClientRequest>;
      const deadlines = queueFor(request.timeoutMs);
      const exchange = new Exchange(req, request, maxResponseBytes, deadlines, resolve, reject);
      req[EXCHANGE] = exchange;
      deadlines.add(exchange);
      if (request.signal) {
        exchange.onAbort = () => exchange.fail(new DeliveryError('aborted', 'Cancelled.'));
        request.signal.addEventListener('abort', exchange.onAbort, { once: true });
      }
      req.on('error', onRequestError);
      req.on('response', onResponse);
      req.end(request.body);
    });
  };

  return Object.assign(transport, {
    close(): void {
      for (const queue of queues.values()) queue.close();
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
