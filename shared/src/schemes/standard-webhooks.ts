/**
 * Standard Webhooks (the open spec behind Svix and others): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` = space-separated `v1,<base64 HMAC-SHA256>` over `${id}.${timestamp}.${body}`,
 * keyed with the base64 secret after its `whsec_` prefix. Several signatures allow key rotation on the
 * sender's side; several secrets allow it on ours. Pure module.
 */
import { createHmac } from 'node:crypto';
import { decodeSignature, hmac, macEquals } from '../mac';
import { checkTimestamp, refuse, truncate } from '../results';
import { DeliveryError } from '../delivery/errors';
import { newMessageId } from '../delivery/message-id';
import type { SchemeVerifyResult, SignatureScheme } from '../types';

/** The key bytes of a Standard Webhooks secret (`whsec_` + base64; the prefix is optional). */
export function standardWebhooksKey(secret: string): Buffer {
  const base64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  return Buffer.from(base64, 'base64');
}

/** Decoded keys of the few secrets in use (decoding on every request shows in profiles); bounded. */
const keyCache = new Map<string, Buffer | null>();

/** The key bytes, or null when the secret is not base64. */
function usableKey(secret: string): Buffer | null {
  let key = keyCache.get(secret);
  if (key === undefined) {
    const base64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
    key = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? standardWebhooksKey(secret) : null;
    if (key !== null && key.length === 0) key = null;
    if (keyCache.size >= 64) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}

function isUsableSecret(secret: string): boolean {
  return usableKey(secret) !== null;
}

export const standardWebhooksScheme: SignatureScheme = {
  description: 'Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature (v1, base64 HMAC-SHA256 of id.timestamp.body).',
  signatureHeaders: () => ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
  keepsMessageIdAcrossRetries: true,
  needsReplayProtection: true,
  signatureListHeader: 'webhook-signature',
  settings: [],
  verify(input): SchemeVerifyResult {
    const signatureHeader = input.headers.get('webhook-signature');
    if (signatureHeader === undefined) return { ok: false, unsigned: true };
    const id = input.headers.get('webhook-id');
    if (id === undefined || id === '') return refuse('message_id_missing', 'The webhook-id header is missing; Standard Webhooks signs it.');
    const timestamp = checkTimestamp(input.headers.get('webhook-timestamp'), 'webhook-timestamp', input.nowMs, input.toleranceSeconds);
    if (!timestamp.ok) return timestamp;

    const candidates: Buffer[] = [];
    for (const part of signatureHeader.split(/\s+/)) {
      const comma = part.indexOf(',');
      if (comma < 0 || part.slice(0, comma) !== 'v1') continue;
      const mac = decodeSignature(part.slice(comma + 1), 'base64', 32);
      if (mac) candidates.push(mac);
    }
    if (candidates.length === 0) {
      return refuse(
        'signature_malformed',
        `The webhook-signature header holds no "v1,<base64>" signature; got "${truncate(signatureHeader, 60)}".`,
      );
    }
    const secrets = input.secrets.filter(isUsableSecret);
    if (secrets.length === 0) {
      return refuse('invalid_input', 'The Standard Webhooks secret must be base64, usually written "whsec_…".');
    }
    const prefix = `${id}.${timestamp.seconds}.`;
    for (const secret of secrets) {
      const expected = createHmac('sha256', usableKey(secret) as Buffer).update(prefix).update(input.rawBody).digest();
      if (candidates.some((mac) => macEquals(expected, mac))) return { ok: true, messageId: id };
    }
    return refuse(
      'signature_mismatch',
      `No webhook-signature matches${secrets.length > 1 ? ` any of the ${secrets.length} secrets` : ' the secret'}: ` +
        'the secret is most likely wrong, or the body was re-serialized before verification (verify the raw bytes).',
      'secret_or_body',
    );
  },
  sign({ text, secret, options, nowMs }) {
    if (!isUsableSecret(secret)) throw new DeliveryError('config', 'The Standard Webhooks secret must be base64, usually written "whsec_…".');
    const id = options.messageId ?? newMessageId();
    const timestamp = options.timestamp ?? Math.floor(nowMs / 1000);
    const mac = hmac('sha256', standardWebhooksKey(secret), `${id}.${timestamp}.${text}`).toString('base64');
    return {
      text,
      headers: {
        'Content-Type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': `v1,${mac}`,
      },
    };
  },
};
