/**
 * Forwarding a received alert: which body to send on. A receiver hands its flow the normalized event
 * (with the parsed vendor body in `raw`) and the bytes it received; `JSON.parse` has changed those values
 * (integers past 2^53 lose digits, `1.0` becomes `1`, integer-like keys move first), so re-serializing
 * `raw` would forward — and sign — a different alert. The received text is forwarded instead, byte for
 * byte, as long as the flow left the vendor's body as it was; a body the flow changed is sent as changed.
 * Pure module (n8n may load it).
 */
import type { NormalizedEvent } from './types';
import { vendorIds } from './vendors/index';

/** Whether a value is a DeviceHook normalized event (what a receiver puts in msg.payload / the item). */
export function isNormalizedEvent(value: unknown): value is NormalizedEvent {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Partial<NormalizedEvent>;
  return (
    typeof v.vendor === 'string' &&
    (vendorIds as readonly string[]).includes(v.vendor) &&
    typeof v.type === 'string' &&
    !!v.raw &&
    typeof v.raw === 'object' &&
    !!v.device &&
    typeof v.device === 'object'
  );
}

/**
 * The body to forward for a message whose payload is `payload`, when the receiver also kept the text it
 * received (`receivedText`):
 * - a normalized event whose `raw` still equals what the received text parses to → the received text,
 *   exactly (the sender's number spelling, key order and escapes);
 * - a normalized event whose `raw` the flow changed → `raw` (the vendor's body as changed, not the wrapper);
 * - anything else → `payload` as it is.
 */
export function forwardedBody(payload: unknown, receivedText: string | undefined): unknown {
  if (!isNormalizedEvent(payload)) return payload;
  if (receivedText !== undefined) {
    let received: unknown;
    try {
      received = JSON.parse(receivedText);
    } catch {
      received = undefined;
    }
    if (received !== undefined && sameJson(received, payload.raw)) return receivedText;
  }
  return payload.raw;
}

/** Deep equality of JSON values (what JSON.parse produces), key order ignored. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  for (const key of aKeys) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
