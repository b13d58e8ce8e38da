/**
 * The generic HMAC scheme: algorithm, encoding, header, prefix and signed content are settings, which
 * covers GitHub (`X-Hub-Signature-256: sha256=<hex>`), Shopify (base64) and most other senders. A
 * configuration of `hmac-header.ts`. Pure module.
 */
import { isSafeHeaderValue, isValidHeaderName } from '../headers';
import { DeliveryError } from '../delivery/errors';
import type { SchemeOptions, SignatureScheme } from '../types';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderConfig } from './hmac-header';

/** The settings when not given: a plain hex HMAC-SHA256 of the body in X-Signature. */
const DEFAULTS = {
  header: 'X-Signature',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: '',
  signedContent: 'body',
  timestampHeader: 'X-Timestamp',
} as const satisfies SchemeOptions;

/** The scheme settings with defaults filled in; throws a {@link DeliveryError} on settings that cannot work. */
export function genericHmacConfig(options: SchemeOptions): HmacHeaderConfig {
  const header = options.header?.trim() || DEFAULTS.header;
  if (!isValidHeaderName(header)) throw new DeliveryError('invalid_header', `"${header}" is not a valid header name.`);
  const algorithm = options.algorithm ?? DEFAULTS.algorithm;
  if (!['sha1', 'sha256', 'sha512'].includes(algorithm)) throw new DeliveryError('config', `Unsupported HMAC algorithm "${algorithm}": use sha1, sha256 or sha512.`);
  const encoding = options.encoding ?? DEFAULTS.encoding;
  if (encoding !== 'hex' && encoding !== 'base64') throw new DeliveryError('config', `Unsupported signature encoding "${encoding}": use hex or base64.`);
  const prefix = options.prefix ?? DEFAULTS.prefix;
  if (!isSafeHeaderValue(prefix)) throw new DeliveryError('invalid_header', 'The signature prefix may not contain CR, LF or NUL.');
  const config: HmacHeaderConfig = { algorithm, encoding, header, prefix, label: `The ${header} signature` };
  if (options.signedContent === 'timestamp.body') {
    const timestampHeader = options.timestampHeader?.trim() || DEFAULTS.timestampHeader;
    if (!isValidHeaderName(timestampHeader)) throw new DeliveryError('invalid_header', `"${timestampHeader}" is not a valid header name.`);
    config.timestampHeader = timestampHeader;
  }
  return config;
}

export const genericHmacScheme: SignatureScheme = {
  description: 'HMAC (sha1/sha256/sha512) in hex or base64 in a header of your choice, optional prefix, over the raw body or timestamp.body.',
  keepsMessageIdAcrossRetries: false,
  needsReplayProtection: false,
  settings: ['header', 'algorithm', 'encoding', 'prefix', 'signedContent', 'timestampHeader', 'typeField', 'typeHeader'],
  defaults: DEFAULTS,
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
