/**
 * Generic HMAC: any sender that signs with an HMAC in a header (scheme in `schemes/generic-hmac.ts`), which
 * covers GitHub (`X-Hub-Signature-256: sha256=<hex>`), Shopify (base64) and most other senders.
 */
import { genericHmacScheme } from '../schemes/generic-hmac';
import type { VendorProfile } from '../types';
import { exponentialDelays, retryPolicy, TIME } from '../delivery/retry-policies';
import { isoTime, jsonSchemaOf, put, schemaPair, text, valueAt, freeForm } from './profile-kit';

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
  duplicates: { horizonSeconds: 2 * 24 * 3600, onByDefault: genericHmacScheme.needsReplayProtection },
  // Any sender: 5 s assumed.
  answerDeadline: { ms: 5000, documented: false },
  bodyStyle: 'compact',
  typeOf: (body, headers, options) => {
    // A type field or header the user named must be there; without one, any body is accepted as "webhook".
    if (options.typeHeader) return headers.get(options.typeHeader);
    if (options.typeField) return text(valueAt(body, options.typeField));
    return text(body['type']) ?? 'webhook';
  },
  normalize: (body) => {
    const fields: Record<string, unknown> = {};
    put(fields, 'id', text(body['id']));
    put(fields, 'occurredAt', isoTime(body['timestamp']) ?? isoTime(body['created_at']));
    put(fields, 'message', text(body['message']));
    const device: Record<string, unknown> = {};
    put(device, 'id', text(body['deviceId']) ?? text(body['device_id']));
    fields['device'] = device;
    return fields as ReturnType<VendorProfile['normalize']>;
  },
};
