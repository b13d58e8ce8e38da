/**
 * A generic HMAC scheme: algorithm, encoding, header, prefix and signed content are settings, which
 * covers GitHub (`X-Hub-Signature-256: sha256=<hex>`), Shopify (base64) and most other senders.
 */
import { z } from 'zod';
import { isSafeHeaderValue, isValidHeaderName } from '../headers';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderConfig } from '../schemes/hmac-header';
import type { SchemeOptions, SignatureScheme, VendorProfile } from '../types';
import { compact, exponentialDelays, isoTime, jsonSchemaOf, retryPolicy, schemaPair, text, TIME, valueAt, freeForm } from './profile-kit';

const DEFAULT_HEADER = 'X-Signature';
const DEFAULT_TIMESTAMP_HEADER = 'X-Timestamp';

/** The scheme settings with defaults filled in; throws on settings that cannot work. */
export function genericHmacConfig(options: SchemeOptions): HmacHeaderConfig {
  const header = options.header?.trim() || DEFAULT_HEADER;
  if (!isValidHeaderName(header)) throw new TypeError(`"${header}" is not a valid header name.`);
  const algorithm = options.algorithm ?? 'sha256';
  if (!['sha1', 'sha256', 'sha512'].includes(algorithm)) throw new TypeError(`Unsupported HMAC algorithm "${algorithm}": use sha1, sha256 or sha512.`);
  const encoding = options.encoding ?? 'hex';
  if (encoding !== 'hex' && encoding !== 'base64') throw new TypeError(`Unsupported signature encoding "${encoding}": use hex or base64.`);
  const prefix = options.prefix ?? '';
  if (!isSafeHeaderValue(prefix)) throw new TypeError('The signature prefix may not contain CR, LF or NUL.');
  const config: HmacHeaderConfig = { algorithm, encoding, header, prefix, label: `The ${header} signature` };
  if (options.signedContent === 'timestamp.body') {
    const timestampHeader = options.timestampHeader?.trim() || DEFAULT_TIMESTAMP_HEADER;
    if (!isValidHeaderName(timestampHeader)) throw new TypeError(`"${timestampHeader}" is not a valid header name.`);
    config.timestampHeader = timestampHeader;
  }
  return config;
}

export const genericHmacScheme: SignatureScheme = {
  description: 'HMAC (sha1/sha256/sha512) in hex or base64 in a header of your choice, optional prefix, over the raw body or timestamp.body.',
  signatureHeaders: (options) => {
    const config = genericHmacConfig(options);
    return [config.header.toLowerCase(), ...(config.timestampHeader ? [config.timestampHeader.toLowerCase()] : [])];
  },
  verify(input) {
    let config: HmacHeaderConfig;
    try {
      config = genericHmacConfig(input.options);
    } catch (error) {
      return { ok: false, status: 400, code: 'invalid_input', message: (error as Error).message };
    }
    return verifyHmacHeader(input, config);
  },
  sign({ text: body, secret, options, nowMs }) {
    const config = genericHmacConfig(options);
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    let content = body;
    if (config.timestampHeader) {
      const timestamp = options.timestamp ?? Math.floor(nowMs / 1000);
      headers[config.timestampHeader] = String(timestamp);
      content = `${timestamp}.${body}`;
    }
    headers[config.header] = signHmacHeader(config, secret, content);
    return { text: body, headers };
  },
};

// The body is the sender's own: nothing to check beyond it being an object.
const schema = schemaPair(() => freeForm());

export const genericHmac: VendorProfile = {
  id: 'generic-hmac',
  label: 'Generic HMAC',
  aliases: ['HMAC', 'GitHub', 'Shopify', 'Custom', 'Generic'],
  description: 'Any sender that signs its body with an HMAC in a header: choose algorithm, encoding, header, prefix and signed content.',
  scheme: genericHmacScheme,
  typeField: 'type',
  eventTypes: [],
  schema,
  jsonSchema: jsonSchemaOf(schema),
  samples: {
    'device.alert': { type: 'device.alert', id: 'evt_01J9Z7', timestamp: '2025-07-24T10:35:17Z', deviceId: 'gw-0042', message: 'Temperature above 85' },
  },
  retryPolicy: retryPolicy({
    id: 'default',
    label: 'Default (3 retries: 10 s, 1 min, 6 min)',
    description: 'Our default: 3 retries growing sixfold from 10 s with ±20 % jitter; timeouts, network errors, 429 and 5xx retried.',
    retryDelaysMs: exponentialDelays(3, 10 * TIME.SECOND, 6),
    jitterRatio: 0.2,
    retryOnNetworkError: true,
    retryOnUnreachable: true,
    documented: false,
  }),
  // Senders differ (Shopify retries for 48 h, GitHub not at all); our assumed default spans ~9 min. Kept two days.
  duplicates: { horizonSeconds: 2 * 24 * 3600, onByDefault: false },
  bodyStyle: 'compact',
  typeOf: (body, headers, options) => {
    // A type field or header the user named must be there; without one, any body is accepted as "webhook".
    if (options.typeHeader) return headers.get(options.typeHeader);
    if (options.typeField) return text(valueAt(body, options.typeField));
    return text(body['type']) ?? 'webhook';
  },
  normalize: (body) => ({
    ...compact({
      id: text(body['id']),
      occurredAt: isoTime(body['timestamp']) ?? isoTime(body['created_at']),
      message: text(body['message']),
    }),
    device: compact({ id: text(body['deviceId']) ?? text(body['device_id']) }),
  }),
};
