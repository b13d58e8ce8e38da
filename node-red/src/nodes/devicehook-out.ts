/**
 * devicehook out: delivers each message as a signed webhook with the core's deliver(): the vendor's
 * scheme, placeholders from the message, a retry policy. Output 1: delivered; output 2: failed — both
 * with the delivery log, so a dead-letter path can be wired. Pending retries are kept in an outbox file
 * under the user directory: a restart or a redeploy resumes them; nothing is lost.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { deliver, DeliveryConfigError, prepareDelivery, type DeliveryResult, type PlaceholderValues, type PreparedDelivery } from '@devicehook/core';
import { createNodeTransport, nodeSleep, openFileOutbox, type OutboxEntry } from '@devicehook/core/node';
import type { NodeMessage, RED, RedNode } from '../lib/red';
import { vendorConfig } from '../lib/vendor-config';

interface DevicehookOutDef {
  name?: string;
  vendor: string;
  url: string;
  method?: 'POST' | 'PUT' | 'PATCH';
  headers?: Array<{ name: string; value: string }>;
  retry?: string;
  timeout?: string | number;
  ssrfGuard?: boolean;
}

/** What of a message survives in the outbox: JSON-safe, without req/res. */
function storableMessage(msg: NodeMessage): Record<string, unknown> {
  const { req: _req, res: _res, ...rest } = msg;
  try {
    return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
  } catch {
    return { topic: msg.topic };
  }
}

function placeholdersOf(msg: NodeMessage): PlaceholderValues {
  if (msg.placeholders && typeof msg.placeholders === 'object') return msg.placeholders as PlaceholderValues;
  const payload = msg.payload as { device?: PlaceholderValues } | undefined;
  const device = payload && typeof payload === 'object' ? payload.device : undefined;
  return device && typeof device === 'object' ? { iccid: device.iccid, imsi: device.imsi, ip: device.ip } : {};
}

export = function register(RED: RED): void {
  function DevicehookOut(this: RedNode, config: DevicehookOutDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const vendor = vendorConfig(RED, config.vendor);
    let prepared: PreparedDelivery | undefined;
    try {
      const headers = Object.fromEntries((config.headers ?? []).filter((h) => h && h.name).map((h) => [h.name.trim(), h.value ?? '']));
      prepared = prepareDelivery({
        url: config.url,
        ...(config.method ? { method: config.method } : {}),
        ...(vendor ? { vendor: vendor.vendor as never, secrets: vendor.secrets(), schemeOptions: vendor.schemeOptions } : {}),
        headers,
        ...(config.retry ? { retryPolicy: config.retry } : {}),
        ...(Number(config.timeout) > 0 ? { timeoutMs: Number(config.timeout) } : {}),
        endpointKey: node.id,
      });
    } catch (error) {
      const message = error instanceof DeliveryConfigError ? error.message : String(error);
      node.status({ fill: 'red', shape: 'ring', text: 'devicehook-out.status.bad-config' });
      node.error(RED._('devicehook-out.errors.bad-config', { message }));
      return;
    }
    const config_ = prepared;
    const transport = createNodeTransport({ ssrfGuard: Boolean(config.ssrfGuard) });
    const outbox = openFileOutbox(join(RED.settings.userDir ?? '.', 'devicehook', `outbox-${node.id}.json`));
    const abort = new AbortController();
    const inFlight = new Set<Promise<void>>();
    const counts = { sent: 0, failed: 0, retrying: 0 };
    const showCounts = () =>
      node.status({
        fill: counts.failed > 0 ? 'yellow' : counts.retrying > 0 ? 'blue' : 'green',
        shape: counts.retrying > 0 ? 'ring' : 'dot',
        text: RED._('devicehook-out.status.counts', counts),
      });

    const run = (entry: OutboxEntry, msg: NodeMessage): void => {
      let retrying = false;
      const task = deliver(
        { config: config_, body: entry.body, placeholders: (entry.placeholders ?? {}) as PlaceholderValues, signal: abort.signal, ...(entry.progress ? { resume: entry.progress } : {}) },
        {
          transport,
          sleep: nodeSleep,
          onAttempt: (attempt, progress) => {
            if (attempt.verdict === 'retry') {
              if (!retrying) counts.retrying++;
              retrying = true;
              outbox.put({ ...entry, progress: JSON.parse(JSON.stringify(progress)) });
              showCounts();
            }
          },
        },
      ).then((result: DeliveryResult) => {
        if (retrying) counts.retrying--;
        if (result.outcome === 'aborted') return showCounts(); // closing: the outbox keeps it for the next start
        outbox.remove(entry.id);
        msg.delivery = result;
        if (result.delivered) {
          counts.sent++;
          node.send([msg, null]);
        } else {
          counts.failed++;
          msg.error = { message: result.error, outcome: result.outcome };
          node.send([null, msg]);
        }
        showCounts();
      });
      const tracked = task.catch((error: unknown) => node.error(String(error), msg)).finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    };

    // Deliveries a previous run (or the previous deploy) left pending.
    for (const entry of outbox.entries()) run(entry, { _msgid: RED.util.generateId(), ...(entry.extra ?? {}), payload: entry.body });
    showCounts();

    node.on('input', (msg, _send, done) => {
      const entry: OutboxEntry = {
        id: randomUUID(),
        createdAt: Date.now(),
        body: Buffer.isBuffer(msg.payload) ? msg.payload.toString('utf8') : msg.payload,
        placeholders: placeholdersOf(msg) as Record<string, string | undefined>,
        extra: storableMessage(msg),
        // The message id is fixed before the first attempt, so a copy resent after a crash mid-attempt
        // carries the same webhook-id and receivers can drop it (Standard Webhooks; others ignore it).
        progress: { attempts: [], messageId: `msg_${randomUUID().replace(/-/g, '')}` },
      };
      outbox.put(entry);
      run(entry, msg);
      done();
    });

    node.on('close', (removed, done) => {
      abort.abort(); // ends waits and requests at once; pending entries stay in the outbox
      void Promise.allSettled([...inFlight]).then(() => {
        transport.close();
        if (removed) {
          const dropped = outbox.entries().length;
          if (dropped > 0) node.warn(RED._('devicehook-out.warn.dropped', { count: dropped }));
          for (const entry of outbox.entries()) outbox.remove(entry.id);
        }
        done();
      });
    });
  }
  RED.nodes.registerType('devicehook out', DevicehookOut);
};
