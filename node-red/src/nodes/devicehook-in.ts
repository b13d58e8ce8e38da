/**
 * devicehook in: owns an HTTP endpoint, verifies the exact bytes of each request with the core, answers
 * at once (200, or the core's 4xx with its message), and sends the event out of the output of its type.
 */
import { createMemoryReplayStore, outputIndexForType, verify } from '@devicehook/core';
import { fullPath, installRawCapture, normalizePath, registerPath, unregisterPath } from '../lib/raw-capture';
import type { HttpRequest, HttpResponse, NodeMessage, RED, RedNode } from '../lib/red';
import { removeRoute } from '../lib/routes';
import { vendorConfig } from '../lib/vendor-config';

interface DevicehookInDef {
  name?: string;
  url: string;
  vendor: string;
  types?: string[];
  maxBytes?: string | number;
  strict?: boolean;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;
/**
 * Headers that describe this request's framing, not the event. Left out of msg.headers because a
 * following http request node sends msg.headers as its own, and a stale content-length breaks it.
 */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'keep-alive', 'expect', 'upgrade', 'te', 'trailer']);

function eventHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !FRAMING_HEADERS.has(name)) kept[name] = value;
  return kept;
}

export = function register(RED: RED): void {
  installRawCapture(RED);

  function DevicehookIn(this: RedNode, config: DevicehookInDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const vendor = vendorConfig(RED, config.vendor);
    if (!vendor) {
      node.status({ fill: 'red', shape: 'ring', text: 'devicehook-in.status.no-vendor' });
      node.error(RED._('devicehook-in.errors.no-vendor'));
      return;
    }
    if (!config.url || !/^\/?[\w\-./~%:@]*$/.test(config.url)) {
      node.status({ fill: 'red', shape: 'ring', text: 'devicehook-in.status.bad-url' });
      node.error(RED._('devicehook-in.errors.bad-url', { url: config.url }));
      return;
    }
    const routePath = normalizePath(config.url);
    const capturePath = fullPath(RED, routePath);
    const types = Array.isArray(config.types) ? config.types.filter((t) => typeof t === 'string' && t !== '') : [];
    const maxBytes = Number(config.maxBytes) > 0 ? Number(config.maxBytes) : DEFAULT_MAX_BYTES;
    const conflict = registerPath(capturePath, node.id, maxBytes);
    if (conflict) {
      node.status({ fill: 'red', shape: 'ring', text: 'devicehook-in.status.path-in-use' });
      node.error(RED._('devicehook-in.errors.path-in-use', { path: capturePath }));
      return;
    }
    const counts = { accepted: 0, refused: 0 };
    const showCounts = () =>
      node.status({ fill: counts.refused > 0 ? 'yellow' : 'green', shape: 'dot', text: RED._('devicehook-in.status.counts', counts) });
    node.status({ fill: 'grey', shape: 'ring', text: RED._('devicehook-in.status.listening', { path: capturePath }) });

    // Standard Webhooks asks receivers to refuse a message id seen before; one Node-RED process, so memory.
    const replayStore = vendor.vendor === 'standard-webhooks' ? createMemoryReplayStore() : undefined;
    const handler = (req: HttpRequest, res: HttpResponse): void => {
      // Without the capture (another middleware read the stream first) there are no bytes to verify.
      const rawBody = req.rawBody ?? (Buffer.isBuffer(req.body) ? req.body : undefined);
      const result = verify({
        vendor: vendor.vendor,
        rawBody: rawBody ?? (req.body as never),
        headers: req.headers,
        secrets: vendor.secrets(),
        options: vendor.verifyOptions({ maxBytes, strictSchema: Boolean(config.strict), ...(replayStore ? { replayStore } : {}) }),
      });
      if (!result.ok) {
        counts.refused++;
        showCounts();
        res.status(result.status).json({ code: result.code, message: result.message });
        return;
      }
      counts.accepted++;
      showCounts();
      res.status(200).json({ ok: true }); // at once: EdgeSense wants an answer within 3 s, 1NCE within 20 s
      const event = result.event;
      const msg: NodeMessage = {
        _msgid: RED.util.generateId(),
        payload: event,
        raw: event.raw,
        topic: event.type,
        headers: eventHeaders(req.headers),
        authentication: result.authentication,
      };
      const outputs: Array<NodeMessage | null> = new Array(types.length + 1).fill(null);
      outputs[outputIndexForType(types, event.type)] = msg;
      node.send(outputs);
    };
    RED.httpNode.post(routePath, handler);

    node.on('close', (_removed, done) => {
      removeRoute(RED.httpNode, handler);
      unregisterPath(capturePath, node.id);
      done();
    });
  }
  RED.nodes.registerType('devicehook in', DevicehookIn);
};
