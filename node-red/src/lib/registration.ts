/**
 * `devicehook in` registering itself at the vendor (EdgeSense webhooks, 1NCE webhook integrations) when it
 * is deployed, and removing the registration when the node is removed — what the n8n triggers do on
 * activation (nodes/shared/registration.ts), in Node-RED's lifecycle:
 *
 * - start (deploy, restart): the id of this node's registration is read from the context; if the
 *   vendor still has it, pointing at this node's URL with the wanted events (and, for 1NCE, the header the
 *   receiver checks), it is kept — a redeploy without change registers nothing. Otherwise a stale one is
 *   removed and a new one registered, and its id saved in the context (see {@link contextKey}).
 * - close with `removed === true` (node deleted, flow disabled): the registration is deleted at the vendor.
 *   A plain stop (restart, a redeploy that keeps the node) keeps it.
 * - the option turned off: a registration this node made is deleted.
 *
 * Node-RED does not know its public URL: the node asks for it (`publicUrl`), and registers that base URL
 * followed by the node's path (with httpNodeRoot). The node subscribes to every event type the vendor
 * sends, as it routes types it has no output for to "other".
 */
import { edgesenseApi, getVendor, oneNceApi, redactUrl, type ApiRequest } from '@devicehook/core';
import { apiConfig, API_LABELS } from './api-config';
import { errorMessage, shortReason } from './api-node';
import type { ApiKind } from './api-request';
import { receiverHeader } from './one-nce-header';
import type { RED, RedNode } from './red';
import type { VendorConfigNode } from './vendor-config';

/** The devicehook in settings this module reads. */
export interface RegistrationDef {
  /** Register this node's URL at the vendor on deploy, remove it on removal (EdgeSense and 1NCE only). */
  register?: boolean;
  /** The devicehook-api config node to register with. */
  api?: string;
  /** Where Node-RED's HTTP endpoints are reachable from the vendor, e.g. https://nodered.example.com. */
  publicUrl?: string;
  /** 1NCE: the integration's name (default "Node-RED DeviceHook <path>"). */
  integrationName?: string;
}

/** What the node's context keeps about its registration (no secrets). */
interface RegistrationRecord {
  api: ApiKind;
  id: string;
  url: string;
  events: string[];
}

/**
 * Kept in the global context under a key from the node's id: Node-RED empties a node's own context at every
 * stop (a redeploy, too) unless a context store is configured, and the registration must outlive a redeploy.
 * With a persistent store it outlives a restart as well; without one, a restart registers anew and replaces
 * the registration of the node's URL (see removeStale / the 1NCE name check) rather than adding a second one.
 */
const contextKey = (node: RedNode) => `devicehookRegistration_${node.id.replace(/[^A-Za-z0-9_]/g, '_')}`; // a plain property name: context keys are property expressions

export interface Registration {
  /** Waits for a registration under way; with `removed`, deletes it at the vendor. Never rejects. */
  close(removed: boolean): Promise<void>;
}

function read(node: RedNode): Promise<RegistrationRecord | undefined> {
  return new Promise((resolve) => {
    node.context().global.get(contextKey(node), (error, value) => {
      const record = value as Partial<RegistrationRecord> | undefined;
      resolve(!error && record && typeof record.id === 'string' && record.id !== '' && (record.api === 'edgesense' || record.api === '1nce') ? (record as RegistrationRecord) : undefined);
    });
  });
}

function write(node: RedNode, record: RegistrationRecord | undefined): Promise<void> {
  return new Promise((resolve, reject) =>
    node.context().global.set(contextKey(node), record, (error) => (error ? reject(new Error(`Could not keep the registration in the global context: ${error.message}`)) : resolve())),
  );
}

function sameSet(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (a === undefined) return true; // the vendor did not say: trust the registration
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((value, index) => value === y[index]);
}

/** [assumed] How EdgeSense's list may say that it stopped delivering to a webhook (as the n8n trigger reads it). */
const DISABLED_STATUS = /disabled|inactive|suspended|failed/i;

/** What differs between the two vendors. */
interface VendorSide {
  events: string[];
  /** Why the settings cannot register, or undefined. */
  problem(): string | undefined;
  /** Undefined when the registration with this id still serves `url`; else 'gone' or why it no longer does. */
  check(request: ApiRequest, id: string, url: string): Promise<{ keep: true } | { keep: false; exists: boolean; why: string }>;
  /** Removes a stale registration (and, for EdgeSense, any other of this URL); logs what it removed. */
  removeStale(request: ApiRequest, staleId: string | undefined, url: string): Promise<void>;
  register(request: ApiRequest, url: string): Promise<string>;
  remove(request: ApiRequest, id: string): Promise<void>;
}

function edgeSenseSide(node: RedNode, vendor: VendorConfigNode): VendorSide {
  const events = (getVendor('edgesense')?.eventTypes ?? []).map((entry) => entry.value);
  const secret = () => vendor.secrets()[0] ?? '';
  return {
    events,
    problem: () => (secret() === '' ? 'Enter the webhook secret in the devicehook vendor configuration (EdgeSense): EdgeSense signs its webhooks with it.' : undefined),
    async check(request, id, url) {
      const hook = (await edgesenseApi.listWebhooks(request)).find((entry) => entry.webhookId === id);
      if (!hook) return { keep: false, exists: false, why: 'is no longer registered at EdgeSense' };
      if (hook.status !== undefined && DISABLED_STATUS.test(hook.status)) return { keep: false, exists: true, why: `was ${hook.status} by EdgeSense` };
      if ((hook.url === undefined || hook.url === url) && sameSet(hook.events, events)) return { keep: true };
      return { keep: false, exists: true, why: 'no longer matches this node' };
    },
    async removeStale(request, staleId, url) {
      // A webhook of this URL the node lost track of (e.g. its context was not kept) would deliver every event twice.
      for (const hook of await edgesenseApi.listWebhooks(request)) {
        if (hook.webhookId !== staleId && hook.url !== url) continue;
        await edgesenseApi.deleteWebhook(request, hook.webhookId);
        node.log(`Removed the earlier EdgeSense webhook ${hook.webhookId} of this node before registering it again.`);
      }
    },
    async register(request, url) {
      return (await edgesenseApi.registerWebhook(request, { url, events, secret: secret() })).webhookId;
    },
    async remove(request, id) {
      await edgesenseApi.deleteWebhook(request, id);
    },
  };
}

function oneNceSide(node: RedNode, vendor: VendorConfigNode, name: string): VendorSide {
  const events = [...oneNceApi.ONE_NCE_SUBSCRIBABLE_EVENT_TYPES];
  const header = () => receiverHeader(vendor);
  const create = async (request: ApiRequest, url: string, headers: { [name: string]: string }) =>
    (await oneNceApi.createWebhookIntegration(request, { name, url, headers, eventTypes: events, jsonPayloadEnabled: true })).id;
  return {
    events,
    problem() {
      const own = header();
      if ('problem' in own) return own.problem;
      if (name.length > 128) return `The integration name may have at most 128 characters; "${name.slice(0, 40)}…" has ${name.length}.`;
      return undefined;
    },
    async check(request, id, url) {
      const integration = await oneNceApi.getIntegration(request, id);
      if (!integration) return { keep: false, exists: false, why: 'no longer exists at 1NCE' };
      if (integration.state === 'ROLLOUT_FAILED') return { keep: false, exists: true, why: 'failed to roll out' };
      const own = header();
      const headers = integration.headers as { [name: string]: unknown } | undefined;
      const headerKept =
        'headers' in own && (headers === undefined || Object.entries(own.headers).every(([key, value]) => Object.entries(headers).some(([k, v]) => k.toLowerCase() === key.toLowerCase() && v === value)));
      const types = integration.eventTypes.map((entry) => entry.type);
      if ((integration.url === undefined || integration.url === url) && sameSet(types, events) && headerKept) {
        if (integration.state === 'INTEGRATION_FAILED') {
          // 1NCE gave up after failed deliveries (e.g. while Node-RED was down): resume delivery now.
          try {
            const restart = await oneNceApi.restartIntegration(request, id);
            node.log(`Restarted 1NCE integration ${id}, which had failed: ${restart.restartStatus} ${restart.message}`.trim());
          } catch (error) {
            node.warn(`1NCE integration ${id} is in state INTEGRATION_FAILED and could not be restarted (${errorMessage(error)}). Restart it with the devicehook 1nce node or in the 1NCE Portal.`);
          }
        }
        return { keep: true };
      }
      return { keep: false, exists: true, why: headerKept ? 'no longer matches this node' : 'sends another header value than the vendor configuration holds' };
    },
    async removeStale(request, staleId) {
      if (staleId === undefined) return;
      await oneNceApi.deleteIntegration(request, staleId);
      node.log(`Deleted the earlier 1NCE integration ${staleId} of this node before creating it again.`);
    },
    async register(request, url) {
      const own = header();
      if (!('headers' in own)) throw new Error(own.problem);
      try {
        return await create(request, url, own.headers);
      } catch (error) {
        if ((error as { status?: number }).status !== 409) throw error;
        // The name is taken. By an integration delivering to this very URL, it is this node's own, which it
        // lost track of (e.g. its context was not kept): replace it rather than fail.
        let replaced = 0;
        for (const entry of await oneNceApi.listIntegrations(request)) {
          if (entry.name !== name) continue;
          const detail = await oneNceApi.getIntegration(request, entry.id);
          if (detail?.url !== url) continue;
          await oneNceApi.deleteIntegration(request, entry.id);
          replaced++;
        }
        if (replaced === 0) throw new Error(`1NCE already has an integration named "${name}" that delivers elsewhere. Choose another integration name in this node.`);
        return await create(request, url, own.headers);
      }
    },
    async remove(request, id) {
      await oneNceApi.deleteIntegration(request, id);
    },
  };
}

/** The URL to register: the public base URL followed by the node's path, or why there is none. */
export function registeredUrl(publicUrl: string | undefined, path: string): { url: string } | { problem: string } {
  const base = String(publicUrl ?? '').trim().replace(/\/+$/, '');
  if (base === '') return { problem: 'Enter the public URL of this Node-RED (e.g. https://nodered.example.com): Node-RED does not know the address the vendor reaches it at.' };
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    return { problem: `"${redactUrl(base)}" is not a URL: enter the public URL of this Node-RED, e.g. https://nodered.example.com.` };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return { problem: 'The public URL must start with https:// (or http://).' };
  if (parsed.search || parsed.hash) return { problem: 'The public URL must not hold a query or a fragment.' };
  return { url: `${base}${path.startsWith('/') ? path : `/${path}`}` };
}

/**
 * Starts the registration of a devicehook in node (at once, in the background) and returns what its close
 * handler awaits. `path` is the node's full path (with httpNodeRoot).
 */
export function startRegistration(red: RED, node: RedNode, config: RegistrationDef, setup: { vendor: VendorConfigNode; path: string }): Registration {
  const kind: ApiKind | undefined = setup.vendor.vendor === 'edgesense' ? 'edgesense' : setup.vendor.vendor === '1nce' ? '1nce' : undefined;
  const connection = apiConfig(red, config.api);
  const usable = connection && kind && connection.api === kind && !connection.problem() ? connection : undefined;

  const removeAtVendor = async (record: RegistrationRecord): Promise<void> => {
    const label = API_LABELS[record.api];
    if (!usable || usable.api !== record.api) {
      node.warn(`The ${label} registration ${record.id} of this node was not removed: it has no usable devicehook API configuration for ${label}. Remove it at ${label}.`);
      return;
    }
    try {
      if (record.api === 'edgesense') await edgesenseApi.deleteWebhook(usable.request(), record.id);
      else await oneNceApi.deleteIntegration(usable.request(), record.id);
      await write(node, undefined);
      node.log(`Removed ${label} registration ${record.id} of ${redactUrl(record.url)}.`);
    } catch (error) {
      node.warn(`Could not remove ${label} registration ${record.id}: ${errorMessage(error)} Remove it at ${label}.`);
    }
  };

  if (config.register !== true || !kind) {
    // Turned off (or a vendor that cannot be registered): remove what this node registered while it was on.
    const pending = read(node).then((record) => (record ? removeAtVendor(record) : undefined));
    return { close: async () => await pending };
  }

  const label = API_LABELS[kind];
  const fail = (message: string, reason: string) => {
    node.status({ fill: 'red', shape: 'ring', text: `${label} registration failed: ${reason}` });
    node.error(`devicehook in could not register ${setup.path} at ${label}: ${message}`);
  };

  const run = async (): Promise<void> => {
    if (!connection || connection.api !== kind) return fail(`choose a devicehook API configuration for ${label} in this node.`, 'no API configuration');
    const problem = connection.problem();
    if (problem) return fail(problem, 'API configuration incomplete');
    const target = registeredUrl(config.publicUrl, setup.path);
    if ('problem' in target) return fail(target.problem, 'no public URL');
    const name = String(config.integrationName ?? '').trim() || `Node-RED DeviceHook ${setup.path}`.slice(0, 128);
    const side = kind === 'edgesense' ? edgeSenseSide(node, setup.vendor) : oneNceSide(node, setup.vendor, name);
    const sideProblem = side.problem();
    if (sideProblem) return fail(sideProblem, 'no secret');

    const request = connection.request();
    node.status({ fill: 'blue', shape: 'ring', text: `registering at ${label}…` });
    try {
      const record = await read(node);
      let stale: string | undefined;
      if (record && record.api === kind) {
        const found = await side.check(request, record.id, target.url);
        if (found.keep) {
          node.status({ fill: 'green', shape: 'dot', text: `registered at ${label}` });
          return;
        }
        node.log(`${label} registration ${record.id} ${found.why}; registering again.`);
        if (found.exists) stale = record.id;
        await write(node, undefined);
      }
      await side.removeStale(request, stale, target.url);
      const id = await side.register(request, target.url);
      await write(node, { api: kind, id, url: target.url, events: side.events });
      node.log(`Registered ${redactUrl(target.url)} at ${label}: ${id}.`);
      node.status({ fill: 'green', shape: 'dot', text: `registered at ${label}` });
    } catch (error) {
      fail(errorMessage(error), shortReason(error));
    }
  };
  const pending = run();

  return {
    async close(removed: boolean) {
      await pending;
      if (!removed) return;
      const record = await read(node);
      if (record) await removeAtVendor(record);
    },
  };
}
