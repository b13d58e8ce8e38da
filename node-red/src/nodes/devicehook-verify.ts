/**
 * devicehook verify: the same checks mid-flow, for messages from core `http in` with "Do not parse
 * request body", from MQTT or anything else. Outputs: one per chosen type, "other", then "rejected".
 * Every decision comes from the core's host kit, as in `devicehook in`; a following http response node
 * can answer with `msg.statusCode` and `msg.answer` (the same body `devicehook in` would send).
 */
import { createReceiver, refusal, type Decision, type Receiver } from '@devicehook/core';
import { closeLog, recordDecision } from '../lib/log-admin';
import { receivedText } from '../lib/raw-capture';
import { refusedOutput } from '../lib/refused-output';
import type { NodeMessage, NodeStatus, RED, RedNode } from '../lib/red';
import { seenIds, type SeenIds } from '../lib/seen-ids';
import { vendorConfig } from '../lib/vendor-config';

interface DevicehookVerifyDef {
  name?: string;
  vendor: string;
  types?: string[];
  strict?: boolean;
  maxBytes?: string | number;
  /** Allowed source addresses and CIDR ranges (checked against msg.req.ip); empty: any. */
  sources?: string;
  vendorSources?: boolean;
  /** One more output, "refused", after "rejected", with a report per refused request (lib/refused-output). */
  refusedOutput?: boolean;
}

export = function register(RED: RED): void {
  function DevicehookVerify(this: RedNode, config: DevicehookVerifyDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const vendor = vendorConfig(RED, config.vendor);
    const maxBytes = config.maxBytes === undefined || String(config.maxBytes).trim() === '' ? undefined : Number(config.maxBytes);
    // Without a vendor configuration there is no secret: the core's not_configured answer says so.
    const receiver: Receiver = createReceiver({
      ...(vendor ? vendor.receiverConfig() : { vendor: 'inhand-dm' }),
      strictSchema: Boolean(config.strict),
      types: config.types,
      unchosenTypes: 'route',
      ...(maxBytes !== undefined ? { maxBytes } : {}),
      allowedSources: config.sources ?? '',
      vendorSources: config.vendorSources === true,
    });
    const types = receiver.types;
    const rejectedOutput = types.length + 1;
    const refused = refusedOutput(RED, config.refusedOutput, types.length + 2, receiver, vendor);
    const counts = { accepted: 0, refused: 0 };
    const seen: SeenIds | undefined = vendor && receiver.duplicates.on ? seenIds(node, `devicehook verify ${node.id}`) : undefined;

    const baseStatus = (): NodeStatus | undefined => {
      if (!vendor) return { fill: 'red', shape: 'ring', text: 'devicehook-verify.status.no-vendor' };
      if (receiver.problem) return { fill: 'red', shape: 'ring', text: receiver.problem.code === 'not_configured' ? 'devicehook-verify.status.not-configured' : 'devicehook-verify.status.invalid-options' };
      if (receiver.mode === 'unauthenticated') return { fill: 'yellow', shape: 'ring', text: RED._('devicehook-verify.status.unauthenticated', counts) };
      return undefined;
    };
    const initial = baseStatus();
    if (initial) node.status(initial);
    if (vendor && receiver.problem) node.error(receiver.problem.message);

    node.on('input', (msg, send, done) => {
      const outputs: Array<NodeMessage | null> = new Array(refused.outputs).fill(null);
      /** `verified`: the bytes the decision was made on (its text becomes msg.rawBody when accepted). */
      const finish = (decision: Decision, verified?: Buffer | string) => {
        const requestHeaders = (msg.req as { headers?: Record<string, string> } | undefined)?.headers ?? (msg.headers as Record<string, string>);
        const entry = recordDecision(RED, node, decision, { headers: requestHeaders, body: msg.payload, vendor });
        // The report goes out with the rejected message, in the same send (one per request).
        const report = refused.message(decision, { headers: requestHeaders, requestId: entry?.requestId });
        if (report && refused.index !== undefined) outputs[refused.index] = report;
        if (decision.kind === 'accepted') {
          counts.accepted++;
          // The text as received, so devicehook out forwards the alert byte for byte (see forwardedBody).
          msg.rawBody = receivedText(verified);
          msg.payload = decision.event;
          msg.raw = decision.event.raw;
          msg.topic = decision.event.type;
          msg.authentication = decision.authentication;
          outputs[decision.output] = msg;
        } else {
          // Refused, or a duplicate (statusCode 200: answer it so the sender stops retrying; start nothing).
          if (decision.kind === 'refused') counts.refused++;
          const code = decision.kind === 'refused' || decision.kind === 'duplicate' ? decision.code : 'ignored';
          msg.statusCode = decision.answer.status;
          msg.answer = decision.answer.body;
          msg.error = { status: decision.answer.status, code, message: decision.message };
          outputs[rejectedOutput] = msg;
        }
        node.status(baseStatus() ?? { fill: counts.refused > 0 ? 'yellow' : 'green', shape: 'dot', text: RED._('devicehook-verify.status.counts', counts) });
        send(outputs);
        done();
      };

      if (!vendor) return finish(refusal('not_configured', RED._('devicehook-verify.errors.no-vendor')));
      const req = msg.req as { headers?: Record<string, string | string[] | undefined>; rawBody?: Buffer; ip?: unknown } | undefined;
      // The source is the one core http in's Express gave (req.ip, after Node-RED's trust proxy setting);
      // a message that did not come from http in (MQTT, inject) has none: with allowed sources it is refused.
      const source = typeof req?.ip === 'string' ? req.ip : undefined;
      const blocked = receiver.checkSource(source);
      if (blocked?.kind === 'refused' && blocked.code === 'source_not_allowed') return finish(blocked);
      const payload = msg.payload;
      const rawBody = Buffer.isBuffer(payload) || typeof payload === 'string' ? payload : req?.rawBody;
      const headers = req?.headers ?? (msg.headers as Record<string, string>) ?? {};
      if (rawBody === undefined && !receiver.problem) {
        const unreadable = receiver.unreadable({});
        // The core's code and status; the message says what to change in this flow.
        if (unreadable.kind === 'refused') unreadable.message = RED._('devicehook-verify.errors.parsed-payload');
        if (unreadable.kind === 'refused') unreadable.answer.body.message = unreadable.message;
        return finish(unreadable);
      }
      const request = { headers, rawBody, ...(source !== undefined ? { source } : {}) };
      if (!seen || receiver.problem) return finish(receiver.receive(request), rawBody);
      seen.around((replayStore) => receiver.receive({ ...request, replayStore })).then(
        (decision) => finish(decision, rawBody),
        (error: Error) => {
          node.error(`devicehook verify could not use its received-ids list: ${error.message}`);
          finish(receiver.receive(request), rawBody);
        },
      );
    });
    node.on('close', (removed, done) => void closeLog(RED, node.id, removed).then(done));
  }
  RED.nodes.registerType('devicehook verify', DevicehookVerify);
};
