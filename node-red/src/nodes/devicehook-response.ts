/**
 * devicehook response: ends a flow started by a `devicehook in` whose Answer is "when the flow has
 * finished", and lets that node answer the sender: 200 `{received:true, type}` on success, the node's
 * failure status `{code:"processing_failed"}` on failure — a message from a catch node (it carries
 * msg.error), or any message when this node is set to "failure". The answer itself is decided by the core
 * (processingAnswer) and written by devicehook in, which also enforces the timeout.
 *
 * Not core `http response`: that writes msg.payload with msg.statusCode as they are, so the answer would
 * not be the one shape every receiver gives, a catch path would need the user to set the status, and
 * devicehook in could not stop its timeout or log the outcome.
 */
import { ANSWER_KEY, settleAnswer } from '../lib/pending-answers';
import type { RED, RedNode } from '../lib/red';

interface DevicehookResponseDef {
  name?: string;
  /** `auto`: failure when the message carries msg.error (a catch node's), success otherwise; `failure`: always failure. */
  outcome?: string;
}

export = function register(RED: RED): void {
  function DevicehookResponse(this: RedNode, config: DevicehookResponseDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const alwaysFailure = config.outcome === 'failure';
    node.on('input', (msg, _send, done) => {
      const failed = alwaysFailure || (msg['error'] !== undefined && msg['error'] !== null);
      const status = settleAnswer(msg[ANSWER_KEY], failed ? 'failed' : 'finished');
      if (status === undefined) {
        // Already answered (by another response node or the timeout), answered at once, or not from devicehook in.
        node.status({ fill: 'grey', shape: 'ring', text: typeof msg[ANSWER_KEY] === 'string' ? 'devicehook-response.status.already' : 'devicehook-response.status.nothing' });
      } else {
        node.status({ fill: status === 200 ? 'green' : 'red', shape: 'dot', text: RED._('devicehook-response.status.answered', { status }) });
      }
      done();
    });
  }
  RED.nodes.registerType('devicehook response', DevicehookResponse);
};
