/**
 * devicehook in: owns an HTTP endpoint and answers every request with what the core's host kit decides
 * (`createReceiver`: the same answers as the n8n triggers), then sends an accepted event out of the output
 * of its type. Only glue lives here: the path, the bytes, the saved list of received ids, the status.
 */
import { answerModeSettings, createReceiver, processingAnswer, refusal, type Decision, type HostAnswer, type ProcessingOutcome } from '@devicehook/core';
import { closeLog, recordDecision } from '../lib/log-admin';
import { installMockAdmin, registerMockTarget, unregisterMockTarget } from '../lib/mock-admin';
import { adminPathConflict, fullPath, installRawCapture, normalizePath, receivedText, registerPath, sourceOf, unregisterPath, writeAnswer } from '../lib/raw-capture';
import type { HttpRequest, HttpResponse, NodeMessage, NodeStatus, RED, RedNode } from '../lib/red';
import { ANSWER_KEY, holdAnswer, releaseAnswer } from '../lib/pending-answers';
import { startRegistration, type RegistrationDef } from '../lib/registration';
import { removeRoute } from '../lib/routes';
import { seenIds } from '../lib/seen-ids';
import { vendorConfig } from '../lib/vendor-config';

interface DevicehookInDef extends RegistrationDef {
  name?: string;
  url: string;
  vendor: string;
  types?: string[];
  maxBytes?: string | number;
  strict?: boolean;
  /** Allowed source addresses and CIDR ranges, comma- or space-separated; empty: any. */
  sources?: string;
  /** Also allow the vendor's published addresses (1NCE). */
  vendorSources?: boolean;
  /** When an accepted request is answered: `at_once` (default) or `after_flow` (by a devicehook response node). */
  answer?: string;
  /** The status for a failed flow (after_flow): 400–599, default 500. */
  failureStatus?: string | number;
  /** How long to wait for the flow, in ms (after_flow); empty: the vendor's deadline less 0.5 s. */
  answerTimeout?: string | number;
  /** The status when the wait ends: 503 (default) or 200. */
  timeoutStatus?: string | number;
}

/**
 * Headers that describe this request's framing, not the event. Left out of msg.headers because a
 * following http request node sends msg.headers as its own, and a stale content-length breaks it.
 * (Headers that carry a secret are left out by the core: Receiver.safeHeaders.)
 */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'keep-alive', 'expect', 'upgrade', 'te', 'trailer']);

function eventHeaders(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (!FRAMING_HEADERS.has(name.toLowerCase())) kept[name] = value;
  return kept;
}

export = function register(RED: RED): void {
  installRawCapture(RED);
  installMockAdmin(RED);

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
    const adminConflict = adminPathConflict(RED, capturePath);
    if (adminConflict) {
      node.status({ fill: 'red', shape: 'ring', text: 'devicehook-in.status.admin-path' });
      node.error(RED._('devicehook-in.errors.admin-path', { path: capturePath, reason: adminConflict }));
      return;
    }
    const maxBytes = config.maxBytes === undefined || String(config.maxBytes).trim() === '' ? undefined : Number(config.maxBytes);
    const receiver = createReceiver({
      ...vendor.receiverConfig(),
      strictSchema: Boolean(config.strict),
      types: config.types,
      unchosenTypes: 'route',
      ...(maxBytes !== undefined ? { maxBytes } : {}),
      allowedSources: config.sources ?? '',
      vendorSources: config.vendorSources === true,
    });
    // The capture refuses a source the allow-list does not take before the body arrives: counted in the status too.
    const conflict = registerPath(capturePath, node.id, {
      maxBytes: receiver.maxBytes,
      tooLarge: receiver.tooLarge,
      timedOut: receiver.timedOut,
      checkSource: (source) => {
        const decision = receiver.checkSource(source);
        if (decision?.kind === 'refused' && decision.code === 'source_not_allowed') {
          counts.refused++;
          showCounts();
        }
        return decision;
      },
    });
    if (conflict) {
      node.status({ fill: 'red', shape: 'ring', text: 'devicehook-in.status.path-in-use' });
      node.error(RED._('devicehook-in.errors.path-in-use', { path: capturePath }));
      return;
    }
    // Duplicates: the list lives in Node-RED's global context under a key derived from the path, so a
    // redeploy (or, with a persistent or shared context store, a restart or another instance) keeps it.
    const seen = receiver.duplicates.on ? seenIds(node, `devicehook in ${capturePath}`) : undefined;

    const counts = { accepted: 0, refused: 0, failed: 0, late: 0 };
    const baseStatus = (): NodeStatus | undefined => {
      if (receiver.problem) return { fill: 'red', shape: 'ring', text: receiver.problem.code === 'not_configured' ? 'devicehook-in.status.not-configured' : 'devicehook-in.status.invalid-options' };
      if (answerProblem) return { fill: 'red', shape: 'ring', text: 'devicehook-in.status.invalid-options' };
      if (receiver.mode === 'unauthenticated') return { fill: 'yellow', shape: 'ring', text: RED._('devicehook-in.status.unauthenticated', counts) };
      return undefined;
    };
    const showCounts = () =>
      node.status(
        baseStatus() ?? {
          fill: counts.refused + counts.failed + counts.late > 0 ? 'yellow' : 'green',
          shape: 'dot',
          text: RED._(settings?.mode === 'after_flow' ? 'devicehook-in.status.counts-after-flow' : 'devicehook-in.status.counts', counts),
        },
      );
    // Answer mode: checked by the core; unusable settings refuse every request, as other bad settings do.
    const answerMode = answerModeSettings(
      { mode: config.answer, failureStatus: config.failureStatus, timeoutMs: config.answerTimeout, timeoutStatus: config.timeoutStatus },
      receiver.profile,
    );
    const answerProblem = answerMode.ok ? undefined : refusal('invalid_input', answerMode.message);
    const settings = answerMode.ok ? answerMode.settings : undefined;
    if (answerMode.ok && answerMode.warning) node.warn(answerMode.warning);
    /** Answers held until a devicehook response (or the timeout): key → the request's timer and writer. */
    const held = new Map<string, { timer: ReturnType<typeof setTimeout>; write: (outcome: ProcessingOutcome) => number }>();

    if (receiver.problem) node.error(receiver.problem.message);
    if (answerProblem?.kind === 'refused') node.error(answerProblem.message);
    if (receiver.mode === 'unauthenticated') node.warn(RED._('devicehook-in.warn.unauthenticated', { path: capturePath }));
    node.status(baseStatus() ?? { fill: 'grey', shape: 'ring', text: RED._('devicehook-in.status.listening', { path: capturePath }) });

    /** `verified`: the bytes the decision was made on (its text becomes msg.rawBody when accepted). */
    const answer = (req: HttpRequest, res: HttpResponse, decision: Decision, verified: Buffer | string | undefined): void => {
      if (decision.kind === 'accepted') counts.accepted++;
      else if (decision.kind === 'refused') counts.refused++;
      showCounts();
      const facts = { headers: req.headers, body: req.rawBody ?? req.body, vendor };
      const waits = decision.kind === 'accepted' && settings?.mode === 'after_flow';
      let key: string | undefined;
      if (decision.kind === 'accepted' && waits && settings) {
        // Held until a devicehook response settles it, or the timeout (below the vendor's own wait) ends it.
        const type = decision.event.type;
        const heldKey = RED.util.generateId();
        key = heldKey;
        const write = (outcome: ProcessingOutcome): number => {
          const entry = held.get(heldKey);
          if (entry) clearTimeout(entry.timer);
          held.delete(heldKey);
          releaseAnswer(heldKey);
          const final: HostAnswer = processingAnswer(type, outcome, settings);
          if (outcome === 'failed') counts.failed++;
          if (outcome === 'timed_out') counts.late++;
          showCounts();
          const written: Decision =
            final.status === 200 ? { ...decision, answer: final } : { kind: 'refused', code: outcome === 'failed' ? 'processing_failed' : 'processing_timeout', status: final.status, message: String(final.body['message']), answer: final };
          writeAnswer(res, written);
          recordDecision(RED, node, written, facts);
          return final.status;
        };
        const timer = setTimeout(() => write('timed_out'), settings.timeoutMs);
        held.set(heldKey, { timer, write });
        holdAnswer(heldKey, { settle: (outcome) => write(outcome) });
        // The sender gave up (closed the connection): nothing left to answer.
        res.once('close', () => {
          const entry = held.get(heldKey);
          if (!entry) return;
          clearTimeout(entry.timer);
          held.delete(heldKey);
          releaseAnswer(heldKey);
        });
      } else {
        writeAnswer(res, decision); // at once: EdgeSense wants an answer within 3 s, 1NCE within 20 s
        recordDecision(RED, node, decision, facts);
      }
      if (decision.kind !== 'accepted') return;
      const event = decision.event;
      const msg: NodeMessage = {
        _msgid: RED.util.generateId(),
        payload: event,
        raw: event.raw,
        // The text as received, so devicehook out forwards the alert byte for byte (see forwardedBody).
        rawBody: receivedText(verified),
        topic: event.type,
        headers: eventHeaders(receiver.safeHeaders(req.headers)),
        authentication: decision.authentication,
        ...(key !== undefined ? { [ANSWER_KEY]: key } : {}),
      };
      const outputs: Array<NodeMessage | null> = new Array(receiver.types.length + 1).fill(null);
      outputs[decision.output] = msg;
      node.send(outputs);
    };

    const handler = (req: HttpRequest, res: HttpResponse): void => {
      // Without the capture (another middleware read the stream first) there are no bytes to verify.
      const rawBody = req.rawBody ?? (Buffer.isBuffer(req.body) ? req.body : undefined);
      const source = sourceOf(req);
      const request = { headers: req.headers, rawBody: rawBody ?? (typeof req.body === 'string' ? req.body : undefined), ...(source !== undefined ? { source } : {}) };
      if (answerProblem) {
        answer(req, res, answerProblem, undefined);
        return;
      }
      if (!seen || receiver.problem) {
        answer(req, res, receiver.receive(request), request.rawBody);
        return;
      }
      seen.around((replayStore) => receiver.receive({ ...request, replayStore })).then(
        (decision) => answer(req, res, decision, request.rawBody),
        (error: Error) => {
          // Not expected (the list's read and write errors are caught): answer without the saved list.
          node.error(`devicehook in could not use its received-ids list: ${error.message}`);
          answer(req, res, receiver.receive(request), request.rawBody);
        },
      );
    };
    RED.httpNode.post(routePath, handler);
    registerMockTarget(node.id, { vendor: vendor.vendor, secret: () => vendor.secrets()[0], scheme: { ...vendor.schemeOptions }, path: capturePath, types: receiver.types });
    // EdgeSense / 1NCE: register this URL at the vendor now, remove it when the node is removed (lib/registration).
    const registration = startRegistration(RED, node, config, { vendor, path: capturePath });

    node.on('close', (removed, done) => {
      // Redeployed or stopped with answers still held: the flow will not finish them; the sender retries.
      for (const entry of [...held.values()]) entry.write('timed_out');
      removeRoute(RED.httpNode, handler);
      unregisterMockTarget(node.id);
      unregisterPath(capturePath, node.id);
      void Promise.all([closeLog(RED, node.id, removed), registration.close(removed)]).then(() => done());
    });
  }
  RED.nodes.registerType('devicehook in', DevicehookIn);
};
