/**
 * The mock button of `devicehook in`: POST /devicehook/mock/:node {type} signs the vendor's sample of that
 * type with the node's own secret (the core's `sign()` and `vendors[v].samples`) and sends it to the
 * node's real HTTP endpoint on this Node-RED (localhost, `uiPort`, `httpNodeRoot` + the node's path), then
 * answers with the status and body the node gave. The secret stays in the runtime: the editor only gets
 * the node's answer. Registered once per admin app, as log-admin.ts does.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { getVendor, sign, type SchemeOptions } from '@devicehook/core';
import type { HttpRequest, RED } from './red';

/** What a `devicehook in` node lends the mock route: its vendor, secret, scheme settings and full path. */
export interface MockTarget {
  vendor: string;
  secret(): string | undefined;
  scheme: SchemeOptions;
  path: string;
  /** The node's chosen types: the first is sent when the editor names none. */
  types: readonly string[];
}

const targets = new Map<string, MockTarget>();
const installedOn = new WeakSet<object>();

export function registerMockTarget(nodeId: string, target: MockTarget): void {
  targets.set(nodeId, target);
}

export function unregisterMockTarget(nodeId: string): void {
  targets.delete(nodeId);
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
  if (installedOn.has(red.httpAdmin)) return;
  installedOn.add(red.httpAdmin);
  red.httpAdmin.post('/devicehook/mock/:node', red.auth.needsPermission('devicehook.write'), (req: HttpRequest, res) => {
    const nodeId = (req as HttpRequest & { params?: Record<string, string> }).params?.node;
    const target = nodeId && NODE_ID.test(nodeId) ? targets.get(nodeId) : undefined;
    if (!target) return void res.status(404).json({ code: 'not_found', message: 'No deployed devicehook in node with this id: deploy the flow first.' });
    const profile = getVendor(target.vendor);
    if (!profile) return void res.status(400).json({ code: 'invalid_input', message: `Unknown vendor "${target.vendor}".` });
    const asked = (req.body as { type?: unknown } | undefined)?.type;
    const types = Object.keys(profile.samples);
    const type = typeof asked === 'string' && asked !== '' ? asked : (target.types.find((t) => t in profile.samples) ?? types[0]);
    const sample = type === undefined ? undefined : profile.samples[type];
    if (!sample) return void res.status(400).json({ code: 'invalid_input', message: `${profile.label} has no sample of type "${String(type)}"; choose one of: ${types.join(', ')}.` });
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
