/**
 * The mock buttons, one admin route for both nodes: POST /devicehook/mock/:node {type} takes the vendor's
 * sample of that type (`vendors[v].samples`; without a type, the node's first chosen type or the first sample).
 *  - `devicehook in`: signs it with the node's own secret (the core's `sign()`) and sends it to the node's
 *    real HTTP endpoint on this Node-RED (localhost, `uiPort`, `httpNodeRoot` + the node's path), then
 *    answers with the status and body the node gave.
 *  - `devicehook out`: hands it to the node, which delivers it to its configured target through its real
 *    delivery path (same signing, headers, SSRF guard; a single attempt, no retries), then answers with the
 *    status code or error.
 * The secret stays in the runtime: the editor only gets the answer. Each node file is bundled on its own,
 * so the targets and the once-per-admin-app installation live on a process-wide registry, as log-admin.ts does.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { getVendor, sign, type SchemeOptions } from '@devicehook/core';
import type { HttpRequest, RED } from './red';

/** What a `devicehook in` node lends the mock route: its vendor, secret, scheme settings and full path. */
export interface MockTarget {
  kind?: 'in';
  vendor: string;
  secret(): string | undefined;
  scheme: SchemeOptions;
  path: string;
  /** The node's chosen types: the first is sent when the editor names none. */
  types: readonly string[];
}

/** What a mock delivery of `devicehook out` ended with, as the editor gets it (no secret, URL userinfo redacted). */
export interface MockSendResult {
  delivered: boolean;
  outcome: string;
  url: string;
  statusCode?: number;
  error?: string;
}

/** What a `devicehook out` node lends the mock route: its vendor, and a single-attempt send through its own delivery path. */
export interface MockSender {
  kind: 'out';
  vendor: string;
  send(body: unknown, type: string): Promise<MockSendResult>;
}

interface Registry {
  targets: Map<string, MockTarget | MockSender>;
  installedOn: WeakSet<object>;
}

const registryKey = Symbol.for('devicehook.node-red.mock');

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (g[registryKey] ??= { targets: new Map(), installedOn: new WeakSet() });
}

export function registerMockTarget(nodeId: string, target: MockTarget | MockSender): void {
  registry().targets.set(nodeId, target);
}

export function unregisterMockTarget(nodeId: string): void {
  registry().targets.delete(nodeId);
}

const NODE_ID = /^[\w.-]{1,64}$/;

/** Sends bytes to this Node-RED's own HTTP server and resolves with the answer. */
function postLocal(red: RED, path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const https = Boolean(red.settings['https']);
  const port = Number(red.settings['uiPort'] ?? 1880);
  const host = typeof red.settings['uiHost'] === 'string' && !['0.0.0.0', '::', ''].includes(red.settings['uiHost'] as string) ? (red.settings['uiHost'] as string) : '127.0.0.1';
  return new Promise((resolve, reject) => {
    const send = https ? httpsRequest : httpRequest;
    const req = send(
      { host, port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers }, timeout: 10_000, ...(https ? { rejectUnauthorized: false } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: kept as text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

export function installMockAdmin(red: RED): void {
  const { targets, installedOn } = registry();
  if (installedOn.has(red.httpAdmin)) return;
  installedOn.add(red.httpAdmin);
  red.httpAdmin.post('/devicehook/mock/:node', red.auth.needsPermission('devicehook.write'), (req: HttpRequest, res) => {
    const nodeId = (req as HttpRequest & { params?: Record<string, string> }).params?.node;
    const target = nodeId && NODE_ID.test(nodeId) ? targets.get(nodeId) : undefined;
    if (!target) return void res.status(404).json({ code: 'not_found', message: 'No deployed devicehook in or devicehook out node with this id: deploy the flow first.' });
    const profile = getVendor(target.vendor);
    if (!profile) return void res.status(400).json({ code: 'invalid_input', message: `Unknown vendor "${target.vendor}".` });
    const asked = (req.body as { type?: unknown } | undefined)?.type;
    const types = Object.keys(profile.samples);
    const preferred = target.kind === 'out' ? [] : target.types;
    const type = typeof asked === 'string' && asked !== '' ? asked : (preferred.find((t) => t in profile.samples) ?? types[0]);
    const sample = type === undefined || !Object.hasOwn(profile.samples, type) ? undefined : profile.samples[type];
    if (!sample || type === undefined) return void res.status(400).json({ code: 'invalid_input', message: `${profile.label} has no sample of type "${String(type)}"; choose one of: ${types.join(', ')}.` });
    if (target.kind === 'out') {
      target.send(sample, type).then(
        (result) => res.json({ type, ...result }),
        (error: Error) => res.status(500).json({ code: 'mock_failed', message: error.message }),
      );
      return;
    }
    const secret = target.secret();
    let body: Buffer;
    let headers: Record<string, string> = {};
    try {
      if (secret) ({ body, headers } = sign({ vendor: target.vendor, body: sample, secret, options: target.scheme }));
      else body = Buffer.from(JSON.stringify(sample)); // no secret: the node's own answer says what to set
    } catch (error) {
      return void res.status(400).json({ code: 'invalid_input', message: (error as Error).message });
    }
    postLocal(red, target.path, body, headers).then(
      (answer) => res.json({ type, status: answer.status, answer: answer.body, path: target.path }),
      (error: Error) => res.status(502).json({ code: 'unreachable', message: `Could not reach ${target.path} on this Node-RED: ${error.message}` }),
    );
  });
}
