/**
 * Scalefusion's scheme: `X-SF-Signature`, lower-case hex HMAC-SHA256 of the raw body. A configuration of
 * `hmac-header.ts`. Pure module.
 */
import type { SignatureScheme } from '../types';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderConfig } from './hmac-header';

const config: HmacHeaderConfig = { algorithm: 'sha256', encoding: 'hex', header: 'X-SF-Signature', prefix: '', label: "Scalefusion's X-SF-Signature" };

export const scalefusionScheme: SignatureScheme = {
  description: 'HMAC-SHA256 in lower-case hex, header X-SF-Signature, over the raw body.',
  signatureHeaders: () => ['x-sf-signature'],
  keepsMessageIdAcrossRetries: false,
  needsReplayProtection: false,
  settings: [],
  verify: (input) => verifyHmacHeader(input, config),
  sign: ({ text: body, secret }) => ({
    text: body,
    headers: { 'Content-Type': 'application/json', 'X-SF-Signature': signHmacHeader(config, secret, body) },
  }),
};
