/**
 * Captures the exact request bytes for devicehook endpoints, before anything parses them.
 *
 * Why at the root app: with Node-RED's default settings the editor's admin app is mounted at "/" ahead
 * of the node routes and parses every JSON body, so a route added to RED.httpNode never sees the raw
 * bytes (shown against a real runtime by test/e2e/node-red-runtime-harness.e2e.test.ts). Core `http in` solves it the same way since 4.1: one
 * middleware at the top of the root app's stack, acting only on the exact paths its nodes registered.
 */
import type { ExpressLike, HttpRequest, HttpResponse, RED } from './red';

interface Registration {
  nodeId: string;
  maxBytes: number;
}

const registered = new Map<string, Registration>();
const installedOn = new WeakSet<object>();
/** How long a body may take to arrive: a slow-loris upload is answered 408, not waited for. */
const READ_TIMEOUT_MS = 30_000;

/** "/Hooks/InHand/" → "/hooks/inhand": Express matches paths case-insensitively and ignores a trailing slash. */
export function normalizePath(path: string): string {
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  const trimmed = withSlash.length > 1 ? withSlash.replace(/\/+$/, '') : withSlash;
  return trimmed.replace(/\/{2,}/g, '/').toLowerCase();
}

/** The full path a node route answers on, with httpNodeRoot in front. */
export function fullPath(red: RED, path: string): string {
  const root = typeof red.settings.httpNodeRoot === 'string' ? red.settings.httpNodeRoot : '/';
  return normalizePath(`${root}/${path}`);
}

function rootApp(app: ExpressLike): ExpressLike {
  let current = app;
  while (current.parent) current = current.parent;
  return current;
}

function stackOf(app: ExpressLike): Array<{ handle?: unknown }> | undefined {
  return app._router?.stack ?? app.router?.stack;
}

/** Puts the capture at the top of the root app's stack, once per app. */
export function installRawCapture(red: RED): void {
  const root = rootApp(red.httpNode);
  if (installedOn.has(root)) return;
  installedOn.add(root);
  root.use(capture);
  const stack = stackOf(root);
  if (stack) {
    const index = stack.findIndex((layer) => layer.handle === capture);
    if (index > 0) stack.unshift(...stack.splice(index, 1));
  }
}

/** Claims a path for a node. Returns an error message when another node already owns it. */
export function registerPath(path: string, nodeId: string, maxBytes: number): string | undefined {
  const owner = registered.get(path);
  if (owner && owner.nodeId !== nodeId) return `path ${path} is already used by node ${owner.nodeId}`;
  registered.set(path, { nodeId, maxBytes });
  return undefined;
}

/** Releases a path, only if this node owns it. */
export function unregisterPath(path: string, nodeId: string): void {
  if (registered.get(path)?.nodeId === nodeId) registered.delete(path);
}

function capture(req: HttpRequest, res: HttpResponse, next: (error?: unknown) => void): void {
  if (req.method !== 'POST' || registered.size === 0) return next();
  const pathname = (req.originalUrl ?? req.url ?? '').split('?')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return next();
  }
  const registration = registered.get(normalizePath(decoded));
  if (!registration || req._body) return next();

  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > registration.maxBytes) {
    return refuseEarly(res, 413, 'body_too_large', `The body is ${declared} bytes, over the ${registration.maxBytes}-byte limit.`, req);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const timer = setTimeout(() => {
    finish();
    refuseEarly(res, 408, 'request_timeout', `The body did not arrive within ${READ_TIMEOUT_MS / 1000} s.`, req);
  }, READ_TIMEOUT_MS);
  const finish = (): void => {
    finished = true;
    clearTimeout(timer);
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    req.removeListener('error', onError);
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > registration.maxBytes) {
      finish();
      refuseEarly(res, 413, 'body_too_large', `The body is over the ${registration.maxBytes}-byte limit.`, req);
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = (): void => {
    if (finished) return;
    finish();
    const body = Buffer.concat(chunks);
    req.rawBody = body;
    req.body = body;
    req._body = true; // body-parser skips a request that has a body already
    req.skipRawBodyParser = true; // and so does core http in's own capture
    next();
  };
  const onError = (error: Error): void => {
    if (finished) return;
    finish();
    next(error);
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
}

function refuseEarly(res: HttpResponse, status: number, code: string, message: string, req: HttpRequest): void {
  if (!res.headersSent) {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ code, message }));
  }
  // Drain what is still coming, without keeping it, rather than closing at once: a client still writing
  // its upload would see the reset (EPIPE) instead of our answer. A sender that keeps going for long
  // (or trickles, slow-loris style) is cut off after a grace period.
  req.resume();
  if (!req.complete) {
    const linger = setTimeout(() => req.socket?.destroy(), LINGER_MS);
    linger.unref();
    req.once('end', () => clearTimeout(linger));
    req.once('close', () => clearTimeout(linger));
  }
}

/** How long a refused upload may go on being drained before its connection is closed. */
const LINGER_MS = 3_000;
