/**
 * devicehook 1nce: manages webhook integrations of the 1NCE Cloud Integrator through the core's client
 * (`oneNceApi`): create, list, update, test, restart, delete — the 1NCE n8n node's operations. Operation
 * from the editor or `msg.operation`; parameters from the editor or `msg`; result in `msg.payload`. Header
 * values (the secret 1NCE authenticates with) are shown as `***` in every result.
 */
import { isSafeHeaderValue, isValidHeaderName, oneNceApi } from '@devicehook/core';
import { apiOperationNode, invalidInput, listParam, textParam, type ApiNodeDef, type Operation, type OperationContext } from '../lib/api-node';
import { receiverHeader } from '../lib/one-nce-header';
import type { NodeMessage, RED, RedNode } from '../lib/red';

interface OneNceDef extends ApiNodeDef {
  integrationId?: string;
  integrationName?: string;
  url?: string;
  eventTypes?: string[] | string;
  /** '' (create: on; update: unchanged), 'on' or 'off'. */
  jsonPayload?: '' | 'on' | 'off';
  /** List: at most this many; '' for all. */
  limit?: string | number;
}

const SUBSCRIBABLE: readonly string[] = oneNceApi.ONE_NCE_SUBSCRIBABLE_EVENT_TYPES;

function integrationId(msg: NodeMessage, config: OneNceDef): string {
  const id = textParam(msg, 'integrationId', config.integrationId);
  if (id === '') throw invalidInput('Set the integration ID: in the node or as msg.integrationId.');
  return id;
}

function jsonPayload(msg: NodeMessage, config: OneNceDef): boolean | undefined {
  if (typeof msg.jsonPayloadEnabled === 'boolean') return msg.jsonPayloadEnabled;
  return config.jsonPayload === 'on' ? true : config.jsonPayload === 'off' ? false : undefined;
}

/** msg.integrationHeaders, checked, plus the vendor configuration's header when one is chosen; undefined when neither. */
function headersOf({ msg, vendor }: OperationContext<OneNceDef>): Record<string, string> | undefined {
  const given = msg.integrationHeaders;
  if (given === undefined && !vendor) return undefined;
  const headers: Record<string, string> = {};
  if (given !== undefined) {
    if (!given || typeof given !== 'object' || Array.isArray(given)) throw invalidInput('msg.integrationHeaders must be an object of header names and values.');
    for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
      if (!isValidHeaderName(name)) throw invalidInput(`"${name}" is not a valid header name.`);
      if (typeof value !== 'string' || !isSafeHeaderValue(value)) throw invalidInput(`The value of header "${name}" must be text without line breaks.`);
      headers[name] = value;
    }
  }
  if (vendor) {
    const own = receiverHeader(vendor);
    if ('problem' in own) throw invalidInput(own.problem);
    Object.assign(headers, own.headers);
  }
  return headers;
}

const integrationsDone = (result: unknown) => `${(result as unknown[]).length} listed`;

const operations: Record<string, Operation<OneNceDef>> = {
  create: {
    async run(context) {
      const { msg, config, request } = context;
      const name = textParam(msg, 'integrationName', config.integrationName);
      if (name === '' || name.length > 128) throw invalidInput('The integration name must have 1 to 128 characters: set Name in the node or msg.integrationName.');
      const url = textParam(msg, 'url', config.url);
      if (url === '') throw invalidInput('Set the URL 1NCE should send the events to: in the node or as msg.url.');
      const chosen = listParam(msg, 'eventTypes', config.eventTypes);
      const integration = await oneNceApi.createWebhookIntegration(request, {
        name,
        url,
        headers: headersOf(context) ?? {},
        eventTypes: chosen.length > 0 ? chosen : [...SUBSCRIBABLE],
        jsonPayloadEnabled: jsonPayload(msg, config) ?? true,
      });
      return oneNceApi.redactIntegration(integration);
    },
    done: (result) => `created ${(result as { id: string }).id}`,
  },
  list: {
    async run({ msg, config, request }) {
      const limitText = textParam(msg, 'limit', config.limit);
      const limit = limitText === '' ? undefined : Number(limitText);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw invalidInput(`The limit must be a positive whole number, not "${limitText}".`);
      return (await oneNceApi.listIntegrations(request, limit !== undefined ? { limit } : {})).map((entry) => oneNceApi.redactIntegration(entry));
    },
    done: integrationsDone,
  },
  update: {
    async run(context) {
      const { msg, config, request } = context;
      const id = integrationId(msg, config);
      const patch: oneNceApi.OneNceWebhookIntegrationPatch = {};
      const url = textParam(msg, 'url', config.url);
      if (url !== '') patch.url = url;
      const eventTypes = listParam(msg, 'eventTypes', config.eventTypes);
      if (eventTypes.length > 0) patch.eventTypes = eventTypes;
      const json = jsonPayload(msg, config);
      if (json !== undefined) patch.jsonPayloadEnabled = json;
      const headers = headersOf(context);
      if (headers !== undefined) patch.headers = headers;
      if (Object.keys(patch).length === 0) {
        throw invalidInput('Nothing to update: set a URL, event types, JSON payload or a vendor configuration (for the header), in the node or in msg.');
      }
      return oneNceApi.redactIntegration(await oneNceApi.updateWebhookIntegration(request, id, patch));
    },
    done: (result) => `updated ${(result as { id: string }).id}`,
  },
  test: {
    async run({ msg, config, request }) {
      const id = integrationId(msg, config);
      return { integrationId: id, ...(await oneNceApi.testIntegration(request, id)) };
    },
    done: (result) => String((result as { testStatus: string }).testStatus || 'tested'),
  },
  restart: {
    async run({ msg, config, request }) {
      const id = integrationId(msg, config);
      return { integrationId: id, ...(await oneNceApi.restartIntegration(request, id)) };
    },
    done: (result) => String((result as { restartStatus: string }).restartStatus || 'restarted'),
  },
  delete: {
    async run({ msg, config, request }) {
      return await oneNceApi.deleteIntegration(request, integrationId(msg, config));
    },
    done: (result) => ((result as { existed: boolean }).existed ? 'deleted' : 'was already gone'),
  },
};

export = function register(RED: RED): void {
  function DevicehookOneNce(this: RedNode, config: OneNceDef) {
    RED.nodes.createNode(this, config);
    apiOperationNode(RED, this, config, '1nce', operations);
  }
  RED.nodes.registerType('devicehook 1nce', DevicehookOneNce);
};
