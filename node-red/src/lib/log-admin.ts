/**
 * The receipt and delivery log in Node-RED: one call per outcome from the nodes (`recordReceipt`,
 * `recordDelivery`, `recordEarlyRefusal`), refusals also as a rate-limited `node.warn`, endpoint health in
 * files, and the admin routes the DeviceHook sidebar reads.
 *
 * The logs live under `<userDir>/devicehook/log/` (the core's `openLogStore`: NDJSON segments per node,
 * retention by age and size), endpoint states under `<userDir>/devicehook/endpoints/`. Settings
 * (settings.js): `devicehookLog: { payloads: false, payloadBytes: 16384, maxBytes: 67108864, maxAgeDays: 30 }`.
 *
 * Each node file is bundled on its own, so this module exists once per bundle: what must be shared (the
 * admin routes installed once, rate-limit state, re-enable listeners) lives on a process-wide registry.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  createWarnLimiter,
  deliveryEntry,
  LogFilterError,
  parseLogFilter,
  receiptEntry,
  refusalLine,
  refusalText,
  restartEndpoint,
  suppressedLine,
  type Decision,
  type DeliveryLogInput,
  type EndpointState,
  type LogEntry,
  type WarnLimiter,
} from '@devicehook/core';
import { logExists, openFileEndpointStore, openLogStore, removeLog, type FileEndpointStore, type FileLogStore } from '@devicehook/core/node';
import type { HttpRequest, HttpResponse, RED, RedNode } from './red';

/** User settings under `devicehookLog` in settings.js. */
export interface LogSettings {
  /** Keep request and delivery bodies in the log. @defaultValue true */
  payloads?: boolean;
  /** Cap on a kept body. @defaultValue 16 KiB */
  payloadBytes?: number;
  /** Total size of one node's log. @defaultValue 64 MiB */
  maxBytes?: number;
  /** Age past which entries are deleted. @defaultValue 30 days */
  maxAgeDays?: number;
  /** Segment size. @defaultValue 4 MiB */
  segmentBytes?: number;
  /** At most one refusal warning per node in this many ms. @defaultValue 10 000 */
  warnIntervalMs?: number;
}

/** At most one refusal warning per node in this window; the others are counted and reported at its end. */
export const WARN_WINDOW_MS = 10_000;

/** Node-RED's part of refusal warnings: the timer that writes a pending count at the window's end (the core's limiter decides). */
interface WarnState {
  latest?: string;
  timer?: NodeJS.Timeout;
}

interface Registry {
  red?: RED;
  adminInstalledOn: WeakSet<object>;
  warn: Map<string, WarnState>;
  /** The core's rate limit for refusal warnings, per node id (rebuilt when the window setting changes). */
  limiter?: { windowMs: number; limiter: WarnLimiter };
  /** Called when an endpoint is re-enabled from the sidebar, so the node can update its status. */
  reenableListeners: Map<string, (state: EndpointState) => void>;
  /** What kind of node each logging node is, for the sidebar. */
  nodes: Map<string, RedNode>;
}

const registryKey = Symbol.for('devicehook.node-red.log');

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (g[registryKey] ??= { adminInstalledOn: new WeakSet(), warn: new Map(), reenableListeners: new Map(), nodes: new Map() });
}

function settingsOf(red: RED): LogSettings {
  const s = red.settings.devicehookLog;
  return s && typeof s === 'object' ? (s as LogSettings) : {};
}

function baseDir(red: RED): string {
  return join(red.settings.userDir ?? '.', 'devicehook');
}

/** The log of a node (opened once per process). */
export function nodeLog(red: RED, nodeId: string): FileLogStore {
  const s = settingsOf(red);
  const positive = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined);
  const maxBytes = positive(s.maxBytes);
  const maxAgeDays = positive(s.maxAgeDays);
  const segmentBytes = positive(s.segmentBytes);
  return openLogStore(join(baseDir(red), 'log'), nodeId, {
    ...(maxBytes ? { maxBytes } : {}),
    ...(maxAgeDays ? { maxAgeMs: maxAgeDays * 86_400_000 } : {}),
    ...(segmentBytes ? { segmentBytes } : {}),
  });
}

/** Where endpoint states are kept (one file per node, named by a hash of its id). */
export function endpointStore(red: RED): FileEndpointStore {
  return openFileEndpointStore(join(baseDir(red), 'endpoints'));
}

function payloadOptions(red: RED): { keepPayload: boolean; payloadCap?: number } {
  const s = settingsOf(red);
  return { keepPayload: s.payloads !== false, ...(typeof s.payloadBytes === 'number' && s.payloadBytes >= 0 ? { payloadCap: s.payloadBytes } : {}) };
}

/** Appends without ever throwing into the node: a log that cannot be written must not stop webhooks. */
function safeAppend(red: RED, node: Pick<RedNode, 'id'> & Partial<Pick<RedNode, 'warn'>>, build: () => Parameters<FileLogStore['append']>[0]): LogEntry | undefined {
  try {
    return nodeLog(red, node.id).append(build());
  } catch (error) {
    node.warn?.(`DeviceHook log: cannot write the log (${(error as Error).message}).`);
    return undefined;
  }
}

/** What a receiving node knows after it answered. */
export interface ReceiptFacts {
  status: number;
  code?: string;
  message?: string;
  type?: string;
  ignored?: boolean;
  vendor?: string;
  headers?: Record<string, string | string[] | undefined>;
  body?: Uint8Array | string;
  secrets?: readonly string[];
  /** The request id to use (default: a fresh UUID). */
  requestId?: string;
}

/**
 * Logs one received request — accepted, ignored, duplicate or refused — and warns (rate-limited) on a
 * refusal, with its reason. Returns the entry (with the request id minted for it).
 */
export function recordReceipt(red: RED, node: RedNode, facts: ReceiptFacts): LogEntry | undefined {
  registry().red ??= red;
  registry().nodes.set(node.id, node);
  const requestId = facts.requestId ?? randomUUID();
  const entry = safeAppend(red, node, () =>
    receiptEntry({
      node: node.id,
      requestId,
      status: facts.status,
      ...(facts.code ? { code: facts.code } : {}),
      ...(facts.message ? { message: facts.message } : {}),
      ...(facts.type ? { type: facts.type } : {}),
      ...(facts.ignored ? { ignored: true } : {}),
      ...(facts.vendor ? { vendor: facts.vendor } : {}),
      ...(facts.headers ? { headers: facts.headers } : {}),
      ...(facts.body !== undefined ? { body: facts.body } : {}),
      ...(facts.secrets ? { secrets: facts.secrets } : {}),
      ...payloadOptions(red),
    }),
  );
  if (facts.status >= 300) warnRefusal(red, node, { status: facts.status, code: facts.code ?? 'refused', ...(facts.vendor ? { vendor: facts.vendor } : {}), ...((entry?.reason ?? facts.message) ? { reason: entry?.reason ?? facts.message } : {}), ...(facts.secrets ? { secrets: facts.secrets } : {}) });
  return entry;
}

/**
 * For refusals answered before any node code runs (413 too large, 408 too slow, from the raw-body
 * capture): logs them against the node that owns the path, with the same warning.
 */
export function recordEarlyDecision(nodeId: string, decision: Decision, headers?: Record<string, string | string[] | undefined>): LogEntry | undefined {
  const { red, nodes } = registry();
  if (!red) return undefined;
  const node = nodes.get(nodeId) ?? (red.nodes.getNode(nodeId) as RedNode | null) ?? undefined;
  return node ? recordDecision(red, node, decision, { ...(headers ? { headers } : {}) }) : undefined;
}

/** The log entry of a host-kit decision (accepted, ignored, duplicate or refused), with the request's headers and body. */
export function recordDecision(
  red: RED,
  node: RedNode,
  decision: Decision,
  facts: { headers?: Record<string, string | string[] | undefined>; body?: unknown; vendor?: { vendor: string; secrets(): string[] } | undefined },
): LogEntry | undefined {
  const body = Buffer.isBuffer(facts.body) || typeof facts.body === 'string' ? facts.body : undefined;
  const common: ReceiptFacts = {
    status: decision.answer.status,
    ...(facts.headers ? { headers: facts.headers } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(facts.vendor ? { vendor: facts.vendor.vendor, secrets: facts.vendor.secrets() } : {}),
  };
  switch (decision.kind) {
    case 'accepted':
      return recordReceipt(red, node, { ...common, ...(decision.event.type ? { type: decision.event.type } : {}) });
    case 'ignored':
      return recordReceipt(red, node, { ...common, ignored: true, message: decision.message, ...(decision.event.type ? { type: decision.event.type } : {}) });
    default:
      return recordReceipt(red, node, { ...common, code: decision.code, message: decision.message });
  }
}

/** Logs a delivery's first planned retry, or its end. */
export function recordDelivery(red: RED, node: RedNode, input: Omit<DeliveryLogInput, 'node' | 'keepPayload' | 'payloadCap'>): LogEntry | undefined {
  registry().red ??= red;
  registry().nodes.set(node.id, node);
  return safeAppend(red, node, () => deliveryEntry({ ...input, node: node.id, ...payloadOptions(red) }));
}

function warnLimiter(red: RED): { windowMs: number; limiter: WarnLimiter } {
  const configured = settingsOf(red).warnIntervalMs;
  const windowMs = typeof configured === 'number' && Number.isFinite(configured) && configured >= 0 ? configured : WARN_WINDOW_MS;
  const reg = registry();
  if (!reg.limiter || reg.limiter.windowMs !== windowMs) reg.limiter = { windowMs, limiter: createWarnLimiter({ windowMs }) };
  return reg.limiter;
}

/**
 * Warns about a refusal, as often as the core's limiter allows (one line per node and window); what it
 * suppresses is written as one line when the window ends (this timer is Node-RED's only part of the decision).
 */
function warnRefusal(red: RED, node: Pick<RedNode, 'id' | 'warn'>, refusal: { status: number; code: string; vendor?: string; reason?: string; secrets?: readonly string[] }): void {
  const { windowMs, limiter } = warnLimiter(red);
  const states = registry().warn;
  const state = states.get(node.id) ?? {};
  states.set(node.id, state);
  const verdict = limiter.hit(node.id, Date.now());
  if (verdict.write) {
    node.warn(refusalLine({ ...refusal, suppressed: verdict.suppressed }));
    return;
  }
  state.latest = refusalText(refusal);
  schedule(node, state, limiter, windowMs);
}

function schedule(node: Pick<RedNode, 'id' | 'warn'>, state: WarnState, limiter: WarnLimiter, windowMs: number): void {
  const at = limiter.flushAt(node.id);
  if (state.timer || at === undefined) return;
  state.timer = setTimeout(() => {
    state.timer = undefined;
    const flushed = limiter.flush(node.id, Date.now());
    if (flushed) node.warn(`${suppressedLine({ suppressed: flushed.suppressed, windowMs, ...(state.latest ? { latest: state.latest } : {}) })} See the DeviceHook sidebar for each one.`);
    else schedule(node, state, limiter, windowMs);
  }, Math.max(0, at - Date.now()));
  state.timer.unref();
}

/** Forgets a node's warning state (on close). */
export function forgetNode(nodeId: string): void {
  const state = registry().warn.get(nodeId);
  if (state?.timer) clearTimeout(state.timer);
  registry().warn.delete(nodeId);
  registry().limiter?.limiter.forget(nodeId);
  registry().nodes.delete(nodeId);
  registry().reenableListeners.delete(nodeId);
}

/**
 * On close: a node deleted for good (`removed`) takes its log and endpoint state with it, as it takes its
 * outbox; a redeployed or stopped node keeps them and only has its log flushed.
 */
export async function closeLog(red: RED, nodeId: string, removed: boolean): Promise<void> {
  forgetNode(nodeId);
  try {
    if (removed) {
      await removeLog(join(baseDir(red), 'log'), nodeId);
      endpointStore(red).remove(nodeId);
    } else if (logExists(join(baseDir(red), 'log'), nodeId)) await nodeLog(red, nodeId).flush();
  } catch {
    // Nothing to keep the node from closing.
  }
}

/** Lets a sending node hear about a re-enable from the sidebar. */
export function onEndpointReenabled(nodeId: string, listener: (state: EndpointState) => void): void {
  registry().reenableListeners.set(nodeId, listener);
}

/** Re-enables a node's endpoint: active again, failure count reset; the node updates its status. */
export async function reenableEndpoint(red: RED, nodeId: string): Promise<EndpointState> {
  const store = endpointStore(red);
  await restartEndpoint(store, nodeId);
  const state = store.get(nodeId) as EndpointState;
  registry().reenableListeners.get(nodeId)?.(state);
  return state;
}

const NODE_ID = /^[\w.-]{1,64}$/;

function param(req: HttpRequest, name: string): string | undefined {
  const value = (req as HttpRequest & { params?: Record<string, string> }).params?.[name];
  return typeof value === 'string' && NODE_ID.test(value) ? value : undefined;
}

function queryOf(req: HttpRequest): Record<string, unknown> {
  return ((req as HttpRequest & { query?: Record<string, unknown> }).query ?? {}) as Record<string, unknown>;
}

/**
 * Installs the admin routes (once per admin app):
 *   GET  /devicehook/log/:node/summary            counts, and the endpoint's health for a sending node
 *   GET  /devicehook/log/:node/entries?from&to&code&requestId&type&direction&outcome&before&limit
 *   GET  /devicehook/log/:node/entries/:entry     one entry, with its payload
 *   POST /devicehook/endpoint/:node/reenable      re-enables a disabled endpoint
 * Reading needs `devicehook.read`, re-enabling `devicehook.write` (any user with read / write scope).
 */
export function installLogAdmin(red: RED): void {
  const reg = registry();
  reg.red = red;
  if (reg.adminInstalledOn.has(red.httpAdmin)) return;
  reg.adminInstalledOn.add(red.httpAdmin);
  const read = red.auth.needsPermission('devicehook.read');
  const write = red.auth.needsPermission('devicehook.write');
  const logRoot = () => join(baseDir(red), 'log');
  const badNode = (res: HttpResponse) => res.status(400).json({ code: 'invalid_input', message: 'The node id is not valid.' });

  red.httpAdmin.get('/devicehook/log/:node/summary', read, (req, res) => {
    const nodeId = param(req, 'node');
    if (!nodeId) return void badNode(res);
    const summary = logExists(logRoot(), nodeId) ? nodeLog(red, nodeId).summary() : undefined;
    const endpoint = endpointStore(red).get(nodeId);
    res.json({ node: nodeId, exists: summary !== undefined, summary: summary ?? emptyCounts(), ...(endpoint ? { endpoint } : {}) });
  });

  red.httpAdmin.get('/devicehook/log/:node/entries', read, (req, res) => {
    const nodeId = param(req, 'node');
    if (!nodeId) return void badNode(res);
    let filter;
    try {
      filter = parseLogFilter(queryOf(req));
    } catch (error) {
      if (error instanceof LogFilterError) return void res.status(400).json({ code: 'invalid_input', message: error.message });
      throw error;
    }
    if (!logExists(logRoot(), nodeId)) return void res.json({ entries: [], more: false });
    nodeLog(red, nodeId)
      .query(filter)
      .then(
        ({ entries, more }) => res.json({ entries: entries.map(withoutPayload), more }),
        (error: Error) => res.status(500).json({ code: 'log_unreadable', message: error.message }),
      );
  });

  red.httpAdmin.get('/devicehook/log/:node/entries/:entry', read, (req, res) => {
    const nodeId = param(req, 'node');
    const entryId = (req as HttpRequest & { params?: Record<string, string> }).params?.entry;
    if (!nodeId) return void badNode(res);
    if (!logExists(logRoot(), nodeId)) return void res.status(404).json({ code: 'not_found', message: 'No such entry.' });
    nodeLog(red, nodeId)
      .get(String(entryId))
      .then(
        (entry) => (entry ? res.json(entry) : res.status(404).json({ code: 'not_found', message: 'No such entry (it may have aged out of the log).' })),
        (error: Error) => res.status(500).json({ code: 'log_unreadable', message: error.message }),
      );
  });

  red.httpAdmin.post('/devicehook/endpoint/:node/reenable', write, (req, res) => {
    const nodeId = param(req, 'node');
    if (!nodeId) return void badNode(res);
    reenableEndpoint(red, nodeId).then(
      (endpoint) => res.json({ node: nodeId, endpoint }),
      (error: Error) => res.status(500).json({ code: 'endpoint_unwritable', message: error.message }),
    );
  });
}

/** The table gets entries without their payloads (fetched one at a time); it learns whether there is one. */
function withoutPayload(entry: LogEntry): LogEntry & { hasPayload?: boolean } {
  if (entry.payload === undefined) return entry;
  const { payload: _payload, ...rest } = entry;
  return { ...rest, hasPayload: true };
}

function emptyCounts() {
  return { received: 0, accepted: 0, ignored: 0, duplicate: 0, refused: 0, sent: 0, delivered: 0, failed: 0, retrying: 0, byCode: {}, byStatus: {}, byType: {}, lost: 0 };
}

/** A body as text for the log (objects as JSON). */
export function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  try {
    return JSON.stringify(body);
  } catch {
    return undefined;
  }
}

/** What a sending node needs for endpoint health: the store, its state, a status, and re-enabling. */
export interface EndpointHealth {
  store: FileEndpointStore;
  state(): EndpointState | undefined;
  disabled(): boolean;
  /** The node status while the endpoint is disabled (undefined while active). */
  status(): { fill: 'red'; shape: 'ring'; text: string } | undefined;
  reenable(): Promise<EndpointState>;
}

/**
 * Endpoint health for a `devicehook out` node: the deliveries' store (pass `store` to deliver()), and a
 * status to show while the endpoint is disabled. `onChange` runs after a re-enable from the sidebar.
 */
export function endpointHealth(red: RED, node: RedNode, onChange: () => void): EndpointHealth {
  const store = endpointStore(red);
  onEndpointReenabled(node.id, () => onChange());
  return {
    store,
    state: () => store.get(node.id),
    disabled: () => store.get(node.id)?.status === 'failed',
    status: () => (store.get(node.id)?.status === 'failed' ? { fill: 'red', shape: 'ring', text: 'endpoint disabled' } : undefined),
    reenable: () => reenableEndpoint(red, node.id),
  };
}
