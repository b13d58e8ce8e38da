/**
 * The optional "refused" output of `devicehook in` and `devicehook verify` ("Send refusals to an extra
 * output", off by default): when on, the node has one more output, last, which receives one message per
 * refused request: `msg.payload` = { code, status, message, vendor, requestId }, `msg.headers` without
 * the headers that carry a secret, `msg.topic` = the code. No body (the core's refusalReport decides).
 * Nothing else changes: accepted, ignored and duplicate requests never reach it, and with the option off
 * the outputs are the node's usual ones.
 */
import { refusalReport, type Decision, type Receiver } from '@devicehook/core';
import type { NodeMessage, RED } from './red';

export interface RefusedOutput {
  /** Whether the option is on. */
  readonly on: boolean;
  /** How many outputs the node has: its usual ones, plus one when the option is on. */
  readonly outputs: number;
  /** The index of the "refused" output (when on). */
  readonly index: number | undefined;
  /**
   * The message for the "refused" output, or undefined (option off, or not a refusal). Put it at
   * {@link index} of the outputs array the node sends: one message per request, never more.
   */
  message(decision: Decision, request: { headers?: unknown; requestId?: string | undefined }): NodeMessage | undefined;
  /** An outputs array of {@link outputs} nulls, with the refusal's message in its place (or undefined when there is none). */
  only(decision: Decision, request: { headers?: unknown; requestId?: string | undefined }): Array<NodeMessage | null> | undefined;
}

/**
 * `usualOutputs`: the node's outputs without this one (`devicehook in`: one per type + "other";
 * `devicehook verify`: one per type + "other" + "rejected").
 */
export function refusedOutput(
  red: RED,
  option: unknown,
  usualOutputs: number,
  receiver: Pick<Receiver, 'safeHeaders'>,
  vendor: { vendor: string; secrets(): string[] } | undefined,
): RefusedOutput {
  const on = option === true || option === 'true';
  const index = on ? usualOutputs : undefined;
  const outputs = usualOutputs + (on ? 1 : 0);
  const message: RefusedOutput['message'] = (decision, request) => {
    if (!on) return undefined;
    const report = refusalReport(decision, {
      safeHeaders: (headers) => receiver.safeHeaders(headers),
      headers: request.headers,
      ...(vendor ? { vendor: vendor.vendor, secrets: vendor.secrets() } : {}),
      ...(request.requestId ? { requestId: request.requestId } : {}),
    });
    if (!report) return undefined;
    return { _msgid: red.util.generateId(), payload: report.payload, headers: report.headers, topic: report.payload.code };
  };
  return {
    on,
    outputs,
    index,
    message,
    only(decision, request) {
      const msg = message(decision, request);
      if (!msg || index === undefined) return undefined;
      const all: Array<NodeMessage | null> = new Array(outputs).fill(null);
      all[index] = msg;
      return all;
    },
  };
}
