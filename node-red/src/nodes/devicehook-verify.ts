/**
 * devicehook verify: the same checks mid-flow, for messages from core `http in` with "Do not parse
 * request body", from MQTT or anything else. Outputs: one per chosen type, "other", then "rejected".
 */
import { createMemoryReplayStore, outputIndexForType, verify } from '@devicehook/core';
import type { NodeMessage, RED, RedNode } from '../lib/red';
import { vendorConfig } from '../lib/vendor-config';

interface DevicehookVerifyDef {
  name?: string;
  vendor: string;
  types?: string[];
  strict?: boolean;
  maxBytes?: string | number;
}

export = function register(RED: RED): void {
  function DevicehookVerify(this: RedNode, config: DevicehookVerifyDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const vendor = vendorConfig(RED, config.vendor);
    const types = Array.isArray(config.types) ? config.types.filter((t) => typeof t === 'string' && t !== '') : [];
    const rejectedOutput = types.length + 1;
    const counts = { accepted: 0, refused: 0 };
    // Standard Webhooks asks receivers to refuse a message id seen before; one Node-RED process, so memory.
    const replayStore = vendor?.vendor === 'standard-webhooks' ? createMemoryReplayStore() : undefined;
    if (!vendor) node.status({ fill: 'red', shape: 'ring', text: 'devicehook-verify.status.no-vendor' });

    node.on('input', (msg, send, done) => {
      const outputs: Array<NodeMessage | null> = new Array(types.length + 2).fill(null);
      const reject = (status: number, code: string, message: string) => {
        counts.refused++;
        node.status({ fill: 'yellow', shape: 'dot', text: RED._('devicehook-verify.status.counts', counts) });
        msg.statusCode = status;
        msg.error = { status, code, message };
        outputs[rejectedOutput] = msg;
        send(outputs);
        done();
      };
      if (!vendor) return reject(500, 'no_vendor', RED._('devicehook-verify.errors.no-vendor'));
      const req = msg.req as { headers?: Record<string, string | string[] | undefined>; rawBody?: Buffer } | undefined;
      const payload = msg.payload;
      const rawBody = Buffer.isBuffer(payload) || typeof payload === 'string' ? payload : req?.rawBody;
      if (rawBody === undefined) {
        return reject(400, 'invalid_input', RED._('devicehook-verify.errors.parsed-payload'));
      }
      const result = verify({
        vendor: vendor.vendor,
        rawBody,
        headers: req?.headers ?? (msg.headers as Record<string, string>) ?? {},
        secrets: vendor.secrets(),
        options: vendor.verifyOptions({
          strictSchema: Boolean(config.strict),
          ...(Number(config.maxBytes) > 0 ? { maxBytes: Number(config.maxBytes) } : {}),
          ...(replayStore ? { replayStore } : {}),
        }),
      });
      if (!result.ok) return reject(result.status, result.code, result.message);
      counts.accepted++;
      node.status({ fill: counts.refused > 0 ? 'yellow' : 'green', shape: 'dot', text: RED._('devicehook-verify.status.counts', counts) });
      msg.payload = result.event;
      msg.raw = result.event.raw;
      msg.topic = result.event.type;
      msg.authentication = result.authentication;
      outputs[outputIndexForType(types, result.event.type)] = msg;
      send(outputs);
      done();
    });
  }
  RED.nodes.registerType('devicehook verify', DevicehookVerify);
};
