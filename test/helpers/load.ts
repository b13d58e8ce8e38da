/**
 * Load generator for the hardening suite: a thin wrapper over autocannon's programmatic API that sends
 * `amount` requests at a fixed concurrency, each with its own id and its own signature, and says which
 * ids were answered how. Runtime-agnostic: give it any base URL (Node-RED, n8n, a plain server) and a
 * request factory; {@link signedRequests} makes one with the core's `sign`.
 *
 * How an answer is tied to its id: autocannon keeps one `context` object per connection and, with
 * pipelining 1 (forced here), a connection has at most one request in flight. `setupRequest` builds the
 * next request and stores its id in that context; `onResponse` reads it back before the connection moves
 * on. Ids built but never answered (a timeout, a reset connection) end up in `unanswered`: the server may
 * or may not have processed them, so a "nothing lost" check must treat them separately.
 */
import { createRequire } from 'node:module';
import { sign } from '../../shared/src/index';

export interface LoadRequest {
  /** Unique per request; what the receiving side must report back (e.g. the event id). */
  id: string;
  body: Buffer | string;
  headers: Record<string, string>;
  /** Path (and query) below the base URL; default: the base URL's own path. */
  path?: string;
  /** @defaultValue 'POST' */
  method?: string;
}

export interface LoadOptions {
  /** Base URL, e.g. http://127.0.0.1:1880/hooks/scalefusion (its path is the default request path). */
  url: string;
  /** Total number of requests. */
  amount: number;
  /** Concurrent connections (each has one request in flight at a time). */
  connections: number;
  /** Builds request number `seq` (0-based, in the order they are sent). */
  request: (seq: number) => LoadRequest;
  /** Per-request timeout. @defaultValue 30 s */
  timeoutSeconds?: number;
}

export interface LatencyFigures {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  /** Requests built (= sent: autocannon builds a request only when it is about to send it). */
  sent: number;
  ok2xx: number;
  non2xx: number;
  /** Connection errors (reset, refused…), as autocannon counts them. */
  errors: number;
  timeouts: number;
  /** Answers by status code. */
  statuses: Record<number, number>;
  /** Ids answered with a 2xx, in answer order. */
  idsOk: string[];
  /** Ids answered with a non-2xx status. */
  idsNot2xx: Map<string, number>;
  /** Ids sent but never answered (timeout, connection error): outcome unknown. */
  unanswered: string[];
  /** Latency in ms over the answered requests, from autocannon's histogram. */
  latency: LatencyFigures;
  /** Answered requests per second, averaged over the run. */
  rps: number;
  durationMs: number;
}

// autocannon ships no types; this is the part of its API used here.
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  setupRequest?: (request: AutocannonRequest, context: LoadContext) => AutocannonRequest | undefined;
  onResponse?: (status: number, body: string, context: LoadContext, headers: Record<string, unknown>) => void;
}
interface LoadContext {
  id?: string;
}
interface AutocannonHistogram {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}
interface AutocannonResult {
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  latency: AutocannonHistogram;
  requests: { average: number; total: number; sent: number };
}
interface AutocannonInstance {
  on(event: 'error', listener: (error: Error) => void): void;
}
type Autocannon = ((options: Record<string, unknown>, callback: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance) & {
  track?: unknown;
};

const autocannon = createRequire(__filename)('autocannon') as Autocannon;

/** Runs the load; resolves when every request was answered, timed out or failed. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const base = new URL(options.url);
  const defaultPath = `${base.pathname}${base.search}`;
  const built = new Set<string>();
  const answered = new Set<string>();
  const idsOk: string[] = [];
  const idsNot2xx = new Map<string, number>();
  const statuses: Record<number, number> = {};
  let seq = 0;

  const request: AutocannonRequest = {
    method: 'POST',
    path: defaultPath,
    setupRequest: (defaults, context) => {
      const next = options.request(seq++);
      if (built.has(next.id)) throw new Error(`load: request id ${next.id} is not unique`);
      built.add(next.id);
      context.id = next.id;
      return {
        ...defaults,
        method: next.method ?? 'POST',
        path: next.path ?? defaultPath,
        headers: { ...next.headers },
        body: next.body,
      };
    },
    onResponse: (status, _body, context) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      const id = context.id;
      if (id === undefined || answered.has(id)) return; // cannot happen with pipelining 1; counted by status anyway
      answered.add(id);
      if (status >= 200 && status < 300) idsOk.push(id);
      else idsNot2xx.set(id, status);
    },
  };

  const started = Date.now();
  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${base.protocol}//${base.host}`,
        connections: options.connections,
        pipelining: 1,
        amount: options.amount,
        timeout: options.timeoutSeconds ?? 30,
        requests: [request],
      },
      (error, result) => {
        if (error) return reject(error);
        const durationMs = Date.now() - started;
        resolve({
          sent: built.size,
          ok2xx: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statuses,
          idsOk,
          idsNot2xx,
          unanswered: [...built].filter((id) => !answered.has(id)),
          latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
          rps: Math.round(((idsOk.length + idsNot2xx.size) / durationMs) * 1000),
          durationMs,
        });
      },
    );
    instance.on('error', reject);
  });
}

export interface SignedRequestsOptions {
  vendor: string;
  secret: string;
  /** The event for request `id` (an object is serialized as the vendor does). */
  body: (id: string, seq: number) => unknown;
  /** Id of request `seq`. @defaultValue `${prefix}-${seq}` */
  idOf?: (seq: number) => string;
  prefix?: string;
  /** Requests for which this returns true get a body changed after signing (must be refused). */
  tamper?: (seq: number) => boolean;
  /** Extra headers on every request (e.g. a path-specific header for n8n). */
  headers?: Record<string, string>;
  path?: string;
}

/**
 * A request factory: every request carries a unique id inside its body and a signature made for it with
 * the core's `sign`. A tampered request is signed, then one byte of its id is changed in the body, so its
 * signature no longer matches (its id in the result is still the one it was built with).
 */
export function signedRequests(options: SignedRequestsOptions): (seq: number) => LoadRequest & { tampered: boolean } {
  const prefix = options.prefix ?? 'load';
  const idOf = options.idOf ?? ((seq: number) => `${prefix}-${seq}`);
  return (seq) => {
    const id = idOf(seq);
    const signed = sign({ vendor: options.vendor, body: options.body(id, seq), secret: options.secret });
    const tampered = options.tamper?.(seq) ?? false;
    let body: Buffer = signed.body;
    if (tampered) {
      const text = body.toString('utf8');
      const at = text.indexOf(id);
      if (at < 0) throw new Error(`load: cannot tamper with request ${id}: its id is not in the body`);
      body = Buffer.from(`${text.slice(0, at)}${id}x${text.slice(at + id.length)}`, 'utf8');
    }
    return { id, body, headers: { ...options.headers, ...signed.headers }, tampered, ...(options.path ? { path: options.path } : {}) };
  };
}

/** Resident set size of a process in MiB (Linux /proc), or undefined where it cannot be read. */
export async function rssMiB(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Math.round(Number(kib) / 1024);
  } catch {
    return undefined;
  }
}

/** Samples a process' RSS every `everyMs` until stopped; returns the peak and the last sample. */
export function sampleRss(pid: number | undefined, everyMs = 250): { stop(): Promise<{ peakMiB?: number; lastMiB?: number }> } {
  let peak: number | undefined;
  let last: number | undefined;
  const take = async () => {
    const value = await rssMiB(pid);
    if (value !== undefined) {
      last = value;
      peak = Math.max(peak ?? 0, value);
    }
  };
  void take();
  const timer = setInterval(() => void take(), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await take();
      return { ...(peak !== undefined ? { peakMiB: peak } : {}), ...(last !== undefined ? { lastMiB: last } : {}) };
    },
  };
}
