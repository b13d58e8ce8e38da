/**
 * What the vendor-API nodes (devicehook edgesense, devicehook 1nce) share: the operation chosen in the
 * editor or by `msg.operation`, the call through the devicehook-api config node, the result in
 * `msg.payload`, errors through `done(error)` (so a catch node gets them), and the status — blue ring while
 * calling, green dot when done, red ring with a short reason.
 */
import { ApiError, isApiError, type ApiRequest } from '@devicehook/core';
import { apiConfig, API_LABELS } from './api-config';
import type { ApiKind } from './api-request';
import type { NodeMessage, RED, RedNode } from './red';
import { vendorConfig, type VendorConfigNode } from './vendor-config';

export interface OperationContext<Def> {
  msg: NodeMessage;
  config: Def;
  request: ApiRequest;
  /** The devicehook-vendor config node chosen for secrets/headers, if any. */
  vendor: VendorConfigNode | undefined;
}

export interface Operation<Def> {
  run(context: OperationContext<Def>): Promise<unknown>;
  /** The green status after success, e.g. "3 listed". */
  done(result: unknown): string;
}

export interface ApiNodeDef {
  name?: string;
  api?: string;
  operation?: string;
  vendor?: string;
}

/** Refused before anything is sent: what to set. */
export function invalidInput(message: string): ApiError {
  return new ApiError('invalid_input', message);
}

/** A parameter from msg (when set there) or the editor, as trimmed text. */
export function textParam(msg: NodeMessage, key: string, configured: unknown): string {
  const fromMsg = msg[key];
  if (typeof fromMsg === 'string' || typeof fromMsg === 'number') return String(fromMsg).trim();
  return typeof configured === 'string' || typeof configured === 'number' ? String(configured).trim() : '';
}

/** A list parameter from msg (array or comma-separated text) or the editor (array). */
export function listParam(msg: NodeMessage, key: string, configured: unknown): string[] {
  const value = msg[key] !== undefined && msg[key] !== null ? msg[key] : configured;
  const list = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  return list.map((entry) => entry.trim()).filter(Boolean);
}

/**
 * The error's message in Node-RED's words: the core's clients speak of n8n's credentials; here the API
 * settings are the devicehook API configuration node.
 */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .replace(/(?:in )?the (?:EdgeSense|1NCE) API credential/g, (match) => (match.startsWith('in ') ? 'in ' : '') + 'the devicehook API configuration')
    .replace(/that n8n can reach it/g, 'that Node-RED can reach it');
}

/** The short reason a red status shows. */
export function shortReason(error: unknown): string {
  if (isApiError(error)) {
    if (error.status !== undefined) return `HTTP ${error.status}`;
    if (error.code === 'unreachable') return 'unreachable';
    if (error.code === 'invalid_id') return 'invalid id';
    if (error.code === 'invalid_input') return 'invalid input';
    if (error.code === 'unexpected_answer') return 'unexpected answer';
  }
  return 'failed';
}

/** Wires one vendor-API node: `operations` by name, for the API `api`. */
export function apiOperationNode<Def extends ApiNodeDef>(RED: RED, node: RedNode, config: Def, api: ApiKind, operations: Record<string, Operation<Def>>): void {
  const label = API_LABELS[api];
  node.on('input', (msg, send, done) => {
    const operation = typeof msg.operation === 'string' && msg.operation.trim() !== '' ? msg.operation.trim() : String(config.operation ?? '');
    const fail = (error: unknown, status: string) => {
      node.status({ fill: 'red', shape: 'ring', text: `${operation || '?'}: ${status}` });
      // The message alone (not "ApiError: …"), as the catch node's msg.error.message.
      done(errorMessage(error));
    };
    const chosen = Object.prototype.hasOwnProperty.call(operations, operation) ? operations[operation] : undefined;
    if (!chosen) {
      fail(invalidInput(`Unknown ${label} operation "${operation}": use one of ${Object.keys(operations).join(', ')} (in the node or as msg.operation).`), 'unknown operation');
      return;
    }
    const connection = apiConfig(RED, config.api);
    if (!connection || connection.api !== api) {
      fail(invalidInput(`Choose a devicehook API configuration for ${label} in this node.`), 'no API configuration');
      return;
    }
    const problem = connection.problem();
    if (problem) {
      fail(invalidInput(problem), 'API configuration incomplete');
      return;
    }
    node.status({ fill: 'blue', shape: 'ring', text: `${operation}…` });
    const vendor = vendorConfig(RED, config.vendor);
    chosen.run({ msg, config, request: connection.request(), vendor }).then(
      (result) => {
        // Secrets a message may have brought for this call do not travel on.
        delete msg.secret;
        delete msg.integrationHeaders;
        msg.payload = result;
        msg.operation = operation;
        node.status({ fill: 'green', shape: 'dot', text: `${operation}: ${chosen.done(result)}` });
        send(msg);
        done();
      },
      (error: unknown) => {
        delete msg.secret;
        delete msg.integrationHeaders;
        fail(error, shortReason(error));
      },
    );
  });
}
