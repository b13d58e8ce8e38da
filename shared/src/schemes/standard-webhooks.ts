/**
 * Standard Webhooks (the open spec behind Svix and others): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` = space-separated `v1,<base64 HMAC-SHA256>` over `${id}.${timestamp}.${body}`,
 * keyed with the base64 secret after its `whsec_` prefix. Several signatures allow key rotation on the
 * sender's side; several secrets allow it on ours. Pure module.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
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

/**
 * Decoded keys of the few secrets in use (decoding on every request shows in profiles), as KeyObjects so
 * createHmac takes the prepared bytes; bounded.
 */
const keyCache = new Map<string, KeyObject | null>();

/** The key, or null when the secret is not base64. */
function usableKey(secret: string): KeyObject | null {
  let key = keyCache.get(secret);
  if (key === undefined) {
    const base64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? standardWebhooksKey(secret) : undefined;
    key = bytes !== undefined && bytes.length > 0 ? createSecretKey(bytes) : null;
    if (keyCache.size >= 64) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}

/** Whitespace as `\s` means it: the separator between signatures. */
const WHITESPACE = /\s/;
const WHITESPACE_RUN = /\s+/;

function isUsableSecret(secret: string): boolean {
  return usableKey(secret) !== null;
}

/** Adds the MAC of a `v1,<base64>` signature to `candidates`; other versions and malformed ones are skipped. */
function addCandidate(candidates: Buffer[], part: string): void {
  const comma = part.indexOf(',');
  if (comma !== 2 || part.charCodeAt(0) !== 0x76 /* v */ || part.charCodeAt(1) !== 0x31 /* 1 */) return;
  const mac = decodeSignature(part.slice(comma + 1), 'base64', 32);
  if (mac) candidates.push(mac);
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
    // One signature (no whitespace) is the common case: no split.
    if (!WHITESPACE.test(signatureHeader)) addCandidate(candidates, signatureHeader);
    else for (const part of signatureHeader.split(WHITESPACE_RUN)) addCandidate(candidates, part);
    if (candidates.length === 0) {
      return refuse(
        'signature_malformed',
        `The webhook-signature header holds no "v1,<base64>" signature; got "${truncate(signatureHeader, 60)}".`,
      );
    }
    const prefix = `${id}.${timestamp.seconds}.`;
    let usable = 0;
    for (let s = 0; s < input.secrets.length; s++) {
      const key = usableKey(input.secrets[s] as string);
      if (key === null) continue;
      usable++;
      const expected = createHmac('sha256', key).update(prefix).update(input.rawBody).digest();
      for (let c = 0; c < candidates.length; c++) if (macEquals(expected, candidates[c] as Buffer)) return { ok: true, messageId: id };
    }
    if (usable === 0) {
      return refuse('invalid_input', 'The Standard Webhooks secret must be base64, usually written "whsec_…".');
    }
    return refuse(
      'signature_mismatch',
      `No webhook-signature matches${usable > 1 ? ` any of the ${usable} secrets` : ' the secret'}: ` +
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
