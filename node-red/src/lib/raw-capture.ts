/**
 * Captures the exact request bytes for devicehook endpoints, before anything parses them.
 *
 * Why at the root app: with Node-RED's default settings the editor's admin app is mounted at "/" ahead
 * of the node routes and parses every JSON body, so a route added to RED.httpNode never sees the raw
 * bytes (shown against a real runtime by test/e2e/node-red-runtime-harness.e2e.test.ts). Core `http in` solves it the same way since 4.1: one
 * middleware at the top of the root app's stack, acting only on the exact paths its nodes registered.
 */
import { DEFAULT_READ_TIMEOUT_MS, type Decision, type Receiver } from '@devicehook/core';
import { recordEarlyDecision } from './log-admin';
import type { ExpressLike, HttpRequest, HttpResponse, RED } from './red';

/**
 * What the capture needs of a node's receiver: its limit, the core's answers for too large and too slow,
 * and its source check (an allow-list refuses before any byte of the body is read).
 */
export type CaptureLimits = Pick<Receiver, 'maxBytes' | 'tooLarge' | 'timedOut' | 'checkSource'> & {
  /** Told of each refusal the capture answers itself (once per request), after it is logged: the node's "refused" output. */
  onRefused?: (decision: Decision, headers: HttpRequest['headers'], requestId: string | undefined) => void;
};

/**
 * The address a request came from, as Express gives it (`req.ip`: the socket's peer, or the forwarded
 * address as far as the `trust proxy` setting — Node-RED's `httpServerOptions` — trusts it). We never read
 * X-Forwarded-For ourselves. Without Express's request prototype (not expected: the capture runs after
 * Express's own init), the socket's peer, which trusts no proxy at all.
 */
export function sourceOf(req: HttpRequest): string | undefined {
  const ip = (req as { ip?: unknown }).ip;
  return typeof ip === 'string' ? ip : req.socket?.remoteAddress;
}

/**
 * The received body as text, for `msg.rawBody` (what devicehook out forwards byte for byte): the bytes the
 * receiver verified, decoded once; undefined when there were none (a body another node had already parsed).
 */
export function receivedText(bytes: Buffer | string | undefined): string | undefined {
  return Buffer.isBuffer(bytes) ? bytes.toString('utf8') : bytes;
}

interface Registration {
  nodeId: string;
  limits: CaptureLimits;
}

const registered = new Map<string, Registration>();
const installedOn = new WeakSet<object>();
/** How long a body may take to arrive: a slow-loris upload is answered 408 (the core's answer), not waited for. */
const READ_TIMEOUT_MS = DEFAULT_READ_TIMEOUT_MS;

/**
 * First path segments the editor and admin API answer on (Node-RED 4/5: @node-red/editor-api), and ours.
 * A node route there would take the admin API's request bodies (POST /flows, /auth/token) while the
 * editor could no longer deploy a fix.
 */
const ADMIN_SEGMENTS = new Set([
  'auth', 'flows', 'flow', 'nodes', 'context', 'settings', 'plugins', 'diagnostics', 'icons', 'resources', 'theme',
  'projects', 'locales', 'library', 'credentials', 'comms', 'vendor', 'red', 'types', 'core', 'debug', 'inject', 'devicehook',
]);

function firstSegment(path: string): string {
  return (path.split('/')[1] ?? '').toLowerCase();
}

/** First segments of the routes registered on the admin app (by Node-RED and by other nodes' editors). */
function adminRouteSegments(red: RED): Set<string> {
  const found = new Set<string>();
  const stack = red.httpAdmin?._router?.stack ?? red.httpAdmin?.router?.stack ?? [];
  for (const layer of stack) {
    const path = layer.route?.path;
    if (typeof path === 'string' && path.length > 1) found.add(firstSegment(path));
  }
  return found;
}

/**
 * Why a devicehook in may not take `capturePath` (its full path, node root included), or undefined:
 * anything under a separate admin root (httpAdminRoot), or — when the admin app shares the node root,
 * as by default — a path whose first segment is one the editor, the admin API or our own admin routes use.
 */
export function adminPathConflict(red: RED, capturePath: string): string | undefined {
  const adminRoot = red.settings.httpAdminRoot;
  if (adminRoot === false) return undefined; // no editor, no admin API
  const root = normalizePath(typeof adminRoot === 'string' && adminRoot !== '' ? adminRoot : '/');
  if (root !== '/') {
    if (capturePath === root || capturePath.startsWith(`${root}/`)) return `${capturePath} is under the editor's admin root ${root}`;
    return undefined;
  }
  const segment = firstSegment(capturePath);
  if (segment === '' ) return `${capturePath} is the editor's own page`;
  if (ADMIN_SEGMENTS.has(segment) || adminRouteSegments(red).has(segment)) return `${capturePath} is a path of the editor's admin API (/${segment}/…)`;
  return undefined;
}

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
    // First, but after Express 4's own init layer (which gives req.ip and the trust proxy setting); it
    // reads no body. Express 5 sets that up before its router, so there the capture goes first.
    const init = stack.findIndex((layer) => (layer as { name?: string }).name === 'expressInit');
    const target = init >= 0 && init < index ? init + 1 : 0;
    if (index > target) stack.splice(target, 0, ...stack.splice(index, 1));
  }
}

/** Claims a path for a node. Returns an error message when another node already owns it. */
export function registerPath(path: string, nodeId: string, limits: CaptureLimits): string | undefined {
  const owner = registered.get(path);
  if (owner && owner.nodeId !== nodeId) return `path ${path} is already used by node ${owner.nodeId}`;
  registered.set(path, { nodeId, limits });
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

  const { limits } = registration;
  const blocked = limits.checkSource(sourceOf(req));
  if (blocked?.kind === 'refused' && blocked.code === 'source_not_allowed') return refuseEarly(res, blocked, req, registration);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) return refuseEarly(res, limits.tooLarge(), req, registration);
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const timer = setTimeout(() => {
    finish();
    refuseEarly(res, limits.timedOut(READ_TIMEOUT_MS), req, registration);
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
    if (size > limits.maxBytes) {
      finish();
      refuseEarly(res, limits.tooLarge(), req, registration);
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

/** Writes a decision's answer on a bare response (this runs before Express has added res.status/json). */
export function writeAnswer(res: HttpResponse, decision: Decision): void {
  if (res.headersSent) return;
  res.statusCode = decision.answer.status;
  for (const [name, value] of Object.entries(decision.answer.headers)) res.setHeader(name, value);
  res.end(JSON.stringify(decision.answer.body));
}

function refuseEarly(res: HttpResponse, decision: Decision, req: HttpRequest, registration: Registration): void {
  writeAnswer(res, decision);
  const entry = recordEarlyDecision(registration.nodeId, decision, req.headers); // in the node's log, as every other answer
  try {
    registration.limits.onRefused?.(decision, req.headers, entry?.requestId);
  } catch {
    // A node's output must not keep the capture from draining the request.
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
