/**
 * Standard Webhooks (standardwebhooks.com; Svix and others). The payload is `{type, timestamp, data}`;
 * types are the sender's own, so there is no fixed catalogue.
 */
import { z } from 'zod';
import { standardWebhooksScheme } from '../schemes/standard-webhooks';
import type { VendorProfile } from '../types';
import { retryPolicy, TIME } from '../delivery/retry-policies';
import { isoTime, jsonSchemaOf, put, schemaPair, text, freeForm } from './profile-kit';

const schema = schemaPair((object) =>
  object({
    type: z.string(),
    timestamp: z.string().optional(),
    data: freeForm().optional(),
  }),
);

export const standardWebhooks: VendorProfile = {
  id: 'standard-webhooks',
  label: 'Standard Webhooks',
  aliases: ['Standard Webhooks', 'Svix', 'webhook-signature'],
  description: 'Any sender that follows the Standard Webhooks spec (webhook-id, webhook-timestamp, webhook-signature).',
  scheme: standardWebhooksScheme,
  typeField: 'type',
  eventTypes: [],
  schema,
  jsonSchema: jsonSchemaOf(schema),
  samples: {
    'device.alert': {
      type: 'device.alert',
      timestamp: '2025-07-24T10:35:17Z',
      data: { deviceId: 'gw-0042', metric: 'temperature', value: 91.2, threshold: 85 },
    },
  },
  retryPolicy: retryPolicy({
    id: 'standard-webhooks',
    label: 'Standard Webhooks / Svix (8 attempts over ~28 h)',
    description:
      'Svix schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, each with ±20 % jitter (documented); ' +
      '410 disables the endpoint; 3xx is a failure.',
    retryDelaysMs: [5 * TIME.SECOND, 5 * TIME.MINUTE, 30 * TIME.MINUTE, 2 * TIME.HOUR, 5 * TIME.HOUR, 10 * TIME.HOUR, 10 * TIME.HOUR],
    jitterRatio: 0.2,
    retryOnNetworkError: true,
    retryOnUnreachable: true,
    documented: true,
  }),
  // Svix retries over ~27.6 h (+20 % jitter: 33 h); kept two days. The spec asks receivers to refuse repeated ids.
  duplicates: { horizonSeconds: 2 * 24 * 3600, onByDefault: standardWebhooksScheme.needsReplayProtection },
  // The spec names no timeout: 5 s assumed.
  answerDeadline: { ms: 5000, documented: false },
  bodyStyle: 'compact',
  typeOf: (body) => text(body['type']),
  normalize: (body, headers) => {
    const fields: Record<string, unknown> = {};
    put(fields, 'id', headers.get('webhook-id') ?? text(body['id']));
    put(fields, 'occurredAt', isoTime(body['timestamp']));
    fields['device'] = {};
    return fields as ReturnType<VendorProfile['normalize']>;
  },
};
