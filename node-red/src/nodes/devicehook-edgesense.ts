/**
 * devicehook edgesense: manages webhooks at EdgeSense.io through the core's client (`edgesenseApi`):
 * register, list, delete — the EdgeSense n8n node's operations. Operation from the editor or
 * `msg.operation`; parameters from the editor or `msg`; result in `msg.payload`.
 */
import { edgesenseApi, getVendor, redactUrl } from '@devicehook/core';
import { apiOperationNode, invalidInput, listParam, textParam, type ApiNodeDef, type Operation } from '../lib/api-node';
import type { RED, RedNode } from '../lib/red';

interface EdgeSenseDef extends ApiNodeDef {
  url?: string;
  events?: string[] | string;
  webhookId?: string;
}

const ALL_EVENTS = (): string[] => (getVendor('edgesense')?.eventTypes ?? []).map((entry) => entry.value);

const operations: Record<string, Operation<EdgeSenseDef>> = {
  register: {
    async run({ msg, config, request, vendor }) {
      const url = textParam(msg, 'url', config.url);
      if (!/^https?:\/\/\S+$/i.test(url)) throw invalidInput(`"${redactUrl(url)}" is not a URL EdgeSense can send webhooks to: set URL in the node or msg.url.`);
      const chosen = listParam(msg, 'events', config.events);
      const events = chosen.length > 0 ? chosen : ALL_EVENTS();
      const secret = typeof msg.secret === 'string' && msg.secret !== '' ? msg.secret : (vendor?.secrets()[0] ?? '');
      if (secret === '') {
        throw invalidInput('Set a signing secret: choose the devicehook vendor configuration (EdgeSense) whose secret the receiving node checks, or pass msg.secret.');
      }
      const registered = await edgesenseApi.registerWebhook(request, { url, events, secret });
      return { ...registered, url: redactUrl(url), events };
    },
    done: (result) => `registered ${(result as { webhookId: string }).webhookId}`,
  },
  list: {
    async run({ request }) {
      return (await edgesenseApi.listWebhooks(request)).map((hook) => ({ ...edgesenseApi.redactWebhook(hook.raw), webhookId: hook.webhookId }));
    },
    done: (result) => `${(result as unknown[]).length} listed`,
  },
  delete: {
    async run({ msg, config, request }) {
      const webhookId = textParam(msg, 'webhookId', config.webhookId);
      if (webhookId === '') throw invalidInput('Set the webhook ID to delete: in the node or as msg.webhookId.');
      return await edgesenseApi.deleteWebhook(request, webhookId);
    },
    done: (result) => ((result as { existed: boolean }).existed ? 'deleted' : 'was already gone'),
  },
};

export = function register(RED: RED): void {
  function DevicehookEdgeSense(this: RedNode, config: EdgeSenseDef) {
    RED.nodes.createNode(this, config);
    apiOperationNode(RED, this, config, 'edgesense', operations);
  }
  RED.nodes.registerType('devicehook edgesense', DevicehookEdgeSense);
};
