/**
 * devicehook out: delivers each message as a signed webhook with the core's deliver(): the vendor's
 * scheme, placeholders from the message, a retry policy. Output 1: delivered; output 2: failed — both
 * with the delivery log, so a dead-letter path can be wired. Pending deliveries are kept in the core's
 * outbox under `<userDir>/devicehook/outbox/<hash of the node id>/`, one file per message: a restart or a
 * redeploy resumes them; past its cap a message goes to the failed output with code `outbox_full`.
 */
import { join } from 'node:path';
import { CREDENTIAL_HEADERS, deliver, forwardedBody, isDeliveryError, newMessageId, NO_RETRIES, placeholdersOf, prepareDelivery, redactUrl, vendors, type DeliveryResult, type PlaceholderValues, type PreparedDelivery } from '@devicehook/core';
import {
  createNodeTransport,
  DEFAULT_OUTBOX_MAX_BYTES,
  DEFAULT_OUTBOX_MAX_ENTRIES,
  nodeSleep,
  openOutbox,
  outboxFolder,
  readLegacyOutbox,
  type Outbox,
  type OutboxEntry,
} from '@devicehook/core/node';
import { bodyText, closeLog, endpointHealth, recordDelivery } from '../lib/log-admin';
import { installMockAdmin, registerMockTarget, unregisterMockTarget, type MockSendResult } from '../lib/mock-admin';
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
  /**
   * Refuse private, loopback, link-local and reserved addresses. Absent means on: the editor has saved
   * this property (false by default until now) in every devicehook out it ever created, so only a flow
   * written by hand or by a script lacks it, and that gets the safe default.
   */
  ssrfGuard?: boolean;
  /** Most messages pending in the outbox. @defaultValue 10 000 */
  maxPending?: string | number;
  /** Most MiB pending in the outbox. @defaultValue 64 */
  maxPendingMiB?: string | number;
  /** The sample type the mock button sends (empty: the vendor's first sample). */
  mockType?: string;
}

/**
 * Headers of a stored message that may carry a secret, never written to the outbox: the core's credential
 * headers, every vendor's signature/authentication headers, and any name that looks like one (the message
 * may come from anywhere, e.g. a core `http in`).
 */
const SECRET_HEADER_NAMES = new Set<string>([
  ...CREDENTIAL_HEADERS,
  'set-cookie',
  ...Object.values(vendors).flatMap((profile) => {
    try {
      return profile.scheme.signatureHeaders({}).map((name) => name.toLowerCase());
    } catch {
      return [];
    }
  }),
]);
const isSecretHeader = (name: string) => SECRET_HEADER_NAMES.has(name.toLowerCase()) || /signature|secret|token|api-?key|auth/i.test(name);

/** What of a message survives in the outbox: JSON-safe, without req/res and without secret-bearing headers. */
function storableMessage(msg: NodeMessage): Record<string, unknown> {
  // rawBody is the body itself when forwarding (entry.body): not stored twice.
  const { req: _req, res: _res, rawBody: _rawBody, ...rest } = msg;
  let copy: Record<string, unknown>;
  try {
    copy = JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
  } catch {
    return { topic: msg.topic };
  }
  const headers = copy.headers;
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    copy.headers = Object.fromEntries(Object.entries(headers as Record<string, unknown>).filter(([name]) => !isSecretHeader(name)));
  }
  return copy;
}

/** `:iccid:`, `:imsi:`, `:ip:` for a message: `msg.placeholders` first, then its payload (decided in the core). */
function messagePlaceholders(msg: NodeMessage): PlaceholderValues {
  return placeholdersOf(msg.payload, msg.placeholders as PlaceholderValues | undefined);
}

function positive(value: unknown, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? n : fallback;
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
      const message = isDeliveryError(error) ? error.message : String(error);
      node.status({ fill: 'red', shape: 'ring', text: 'devicehook-out.status.bad-config' });
      node.error(RED._('devicehook-out.errors.bad-config', { message }));
      return;
    }
    const config_ = prepared;
    const target = redactUrl(config_.url);
    const transport = createNodeTransport({ ssrfGuard: config.ssrfGuard === undefined ? true : config.ssrfGuard === true || String(config.ssrfGuard) === 'true' });
    const userDir = RED.settings.userDir ?? '.';
    const abort = new AbortController();
    const inFlight = new Set<Promise<void>>();
    const counts = { sent: 0, failed: 0, retrying: 0 };
    const health = endpointHealth(RED, node, () => showCounts()); // disabled after the preset's failures; re-enabled from the sidebar
    const showCounts = () =>
      node.status(
        health.status() ?? {
          fill: counts.failed > 0 ? 'yellow' : counts.retrying > 0 ? 'blue' : 'green',
          shape: counts.retrying > 0 ? 'ring' : 'dot',
          text: RED._('devicehook-out.status.counts', counts),
        },
      );

    /** Sends a message that never entered the outbox to the failed output, with a reason code. */
    const refuse = (msg: NodeMessage, code: string, message: string): void => {
      recordDelivery(RED, node, { deliveryId: newMessageId(), code, result: { attempts: [], url: target, vendor: config_.vendor, outcome: 'failed', error: message }, body: bodyText(msg.payload), secrets: config_.secrets, type: msg.topic });
      counts.failed++;
      msg.error = { message, outcome: code, code };
      node.send([null, msg]);
      showCounts();
    };

    const run = (outbox: Outbox, entry: OutboxEntry, msg: NodeMessage): void => {
      let retrying = false;
      const task = deliver(
        { config: config_, body: entry.body, placeholders: (entry.placeholders ?? {}) as PlaceholderValues, signal: abort.signal, ...(entry.progress ? { resume: entry.progress } : {}) },
        {
          transport,
          sleep: nodeSleep,
          endpointStore: health.store,
          onAttempt: (attempt, progress) => {
            if (attempt.verdict === 'retry') {
              if (progress.attempts.length === 1) recordDelivery(RED, node, { deliveryId: entry.id, outcome: 'retrying', result: { attempts: progress.attempts, url: target, vendor: config_.vendor }, body: bodyText(entry.body), secrets: config_.secrets, type: msg.topic });
              if (!retrying) counts.retrying++;
              retrying = true;
              void outbox.update({ ...entry, progress: JSON.parse(JSON.stringify(progress)) }).catch((error: unknown) => node.warn(`outbox: ${String(error)}`));
              showCounts();
            }
          },
        },
      ).then(async (result: DeliveryResult) => {
        if (retrying) counts.retrying--;
        if (result.outcome === 'aborted') return showCounts(); // closing: the outbox keeps it for the next start
        await outbox.remove(entry.id);
        recordDelivery(RED, node, { deliveryId: entry.id, result, body: bodyText(entry.body), secrets: config_.secrets, type: msg.topic });
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

    // The outbox opens asynchronously; messages that arrive meanwhile wait for it.
    const opening: Promise<Outbox | undefined> = (async () => {
      const problem = (text: string) => node.warn(text);
      const outbox = await openOutbox(outboxFolder(join(userDir, 'devicehook', 'outbox'), node.id), {
        maxEntries: Math.floor(positive(config.maxPending, DEFAULT_OUTBOX_MAX_ENTRIES)),
        maxBytes: positive(config.maxPendingMiB, DEFAULT_OUTBOX_MAX_BYTES / 1024 / 1024) * 1024 * 1024,
        onProblem: problem,
      });
      const pending = [...outbox.loaded];
      // The previous version's single outbox file, read once (only when it is where and what it should be).
      const legacy = await readLegacyOutbox(userDir, node.id, { onProblem: problem });
      if (legacy) {
        for (const old of legacy.entries) {
          const entry: OutboxEntry = { ...old, target, ...(old.extra ? { extra: storableMessage(old.extra as NodeMessage) } : {}) };
          await outbox.put(entry, { ignoreCap: true });
          pending.push(entry);
        }
        await legacy.remove();
      }
      // Deliveries a previous run (or the previous deploy) left pending.
      for (const entry of pending) run(outbox, entry, { _msgid: RED.util.generateId(), ...(entry.extra ?? {}), payload: entry.body });
      showCounts();
      return outbox;
    })().catch((error: unknown) => {
      node.status({ fill: 'red', shape: 'ring', text: 'devicehook-out.status.no-outbox' });
      node.error(RED._('devicehook-out.errors.no-outbox', { message: String((error as Error)?.message ?? error) }));
      return undefined;
    });

    // The mock button (POST devicehook/mock/:id): one signed sample through this node's own delivery path —
    // same config, signing, headers and transport (SSRF guard) — with a single attempt and no outbox, so a
    // test never waits for the vendor's retry schedule nor survives a restart. It is logged like any delivery
    // and shown in the status; it leaves the endpoint's health alone.
    registerMockTarget(node.id, {
      kind: 'out',
      vendor: config_.vendor,
      send: async (body, type): Promise<MockSendResult> => {
        await opening; // the node's start-up status (counts) first, then the mock's
        node.status({ fill: 'blue', shape: 'ring', text: `mock ${type}: sending…` });
        const deliveryId = newMessageId();
        const placeholders = placeholdersOf(body);
        let result: DeliveryResult;
        try {
          result = await deliver(
            { config: { ...config_, retryPolicy: NO_RETRIES }, body, placeholders, signal: abort.signal, resume: { attempts: [], messageId: deliveryId } },
            { transport, sleep: nodeSleep },
          );
        } catch (error) {
          // Signing failed before anything was sent (a secret the scheme cannot use): shown like a failed delivery.
          const message = `Not sent: ${String((error as Error)?.message ?? error)}`;
          node.status({ fill: 'red', shape: 'dot', text: `mock ${type}: not sent` });
          return { delivered: false, outcome: 'failed', url: target, error: message };
        }
        recordDelivery(RED, node, { deliveryId, result, body: bodyText(body), secrets: config_.secrets, type });
        const shown = result.statusCode !== undefined ? `HTTP ${result.statusCode}` : result.outcome;
        node.status({ fill: result.delivered ? 'green' : 'red', shape: 'dot', text: `mock ${type}: ${shown}` });
        return {
          delivered: result.delivered,
          outcome: result.outcome,
          url: result.url,
          ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
          ...(result.error ? { error: result.error } : {}),
        };
      },
    });
    installMockAdmin(RED);

    node.on('input', (msg, _send, done) => {
      if (msg.reenable === true) return void health.reenable().then(() => done(), done); // a control message, not delivered
      void opening.then(async (outbox) => {
        if (!outbox) {
          refuse(msg, 'outbox_unavailable', RED._('devicehook-out.errors.no-outbox', { message: 'see the log' }));
          return done();
        }
        // One id for the message: the outbox entry's, the log's and (Standard Webhooks) the webhook-id.
        const messageId = newMessageId();
        const entry: OutboxEntry = {
          id: messageId,
          createdAt: Date.now(),
          // A devicehook in event is forwarded as the vendor's body: the bytes received while the flow left it as it
          // was (JSON.parse changed big integers, 1.0, key order), the body as changed otherwise — never the wrapper.
          body: Buffer.isBuffer(msg.payload) ? msg.payload.toString('utf8') : forwardedBody(msg.payload, typeof msg.rawBody === 'string' ? msg.rawBody : undefined),
          placeholders: messagePlaceholders(msg) as Record<string, string | undefined>,
          target,
          extra: storableMessage(msg),
          // The message id is fixed before the first attempt, so a copy resent after a crash mid-attempt
          // carries the same webhook-id and receivers can drop it (Standard Webhooks; others ignore it).
          progress: { attempts: [], messageId },
        };
        let stored;
        try {
          stored = await outbox.put(entry);
        } catch (error) {
          refuse(msg, 'outbox_unavailable', RED._('devicehook-out.errors.no-outbox', { message: String((error as Error)?.message ?? error) }));
          return done();
        }
        if (!stored.ok) {
          refuse(msg, stored.reason, stored.message);
          return done();
        }
        run(outbox, entry, msg);
        done();
      });
    });

    node.on('close', (removed, done) => {
      unregisterMockTarget(node.id);
      abort.abort(); // ends waits and requests at once; pending entries stay in the outbox
      void opening.then(async (outbox) => {
        await Promise.allSettled([...inFlight]);
        transport.close();
        if (outbox) {
          await outbox.flush();
          if (removed) {
            const dropped = await outbox.removeAll();
            if (dropped > 0) node.warn(RED._('devicehook-out.warn.dropped', { count: dropped }));
          }
        }
        await closeLog(RED, node.id, removed);
        done();
      });
    });
  }
  RED.nodes.registerType('devicehook out', DevicehookOut);
};
