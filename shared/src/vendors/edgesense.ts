/**
 * EdgeSense.io webhooks (docs/vendors.md#edgesenseio). Documented: HMAC-SHA256 in hex, a `signature`
 * field in the body, 5 retries with exponential backoff then the webhook is disabled.
 * [assumed] The signature also travels in header `X-EdgeSense-Signature`, and is computed over the body
 * without its `signature` member, cut out losslessly; a header signature over the raw bytes is accepted too.
 */
import { z } from 'zod';
import { edgesenseScheme } from '../schemes/edgesense';
import type { VendorProfile } from '../types';
import { exponentialDelays, NON_2XX_STATUSES, retryPolicy, TIME } from '../delivery/retry-policies';
import { catalogue, isoTime, jsonSchemaOf, put, schemaPair, text, freeForm } from './profile-kit';

const eventTypes = catalogue([
  ['device.data', 'Device data', 'A new sensor reading from a device.'],
  ['device.alert', 'Device alert', 'A threshold was breached.'],
  ['device.status', 'Device status', 'A device went online or offline.'],
  ['config.update', 'Configuration update', 'A configuration change was pushed to devices.'],
]);

const schema = schemaPair((object) =>
  object({
    event: z.string(),
    timestamp: z.union([z.string(), z.number()]).optional(),
    deviceId: z.string().optional(),
    payload: freeForm().optional(),
    signature: z.string().optional(),
  }),
);

const payloads: Record<string, Record<string, unknown>> = {
  'device.data': { temperature: 75.3, humidity: 42.5, pressure: 101.2 },
  'device.alert': { metric: 'temperature', value: 91.2, threshold: 85, severity: 'critical', message: 'Temperature above 85' },
  'device.status': { status: 'offline', lastSeen: '2025-07-24T10:30:02Z' },
  'config.update': { version: 14, changed: ['sampling.intervalSeconds'], appliedBy: 'ops@example.com' },
};

const samples = Object.fromEntries(
  eventTypes.map(({ value }) => [value, { event: value, timestamp: '2025-07-24T10:35:17Z', deviceId: 'edge-node-321', payload: payloads[value] }]),
);

export const edgesense: VendorProfile = {
  id: 'edgesense',
  label: 'EdgeSense.io',
  aliases: ['EdgeSense', 'Edge Sense', 'EdgeSense.io'],
  description: 'Real-time data, alerts and status from EdgeSense.io IoT gateways.',
  scheme: edgesenseScheme,
  typeField: 'event',
  eventTypes,
  schema,
  jsonSchema: jsonSchemaOf(schema),
  samples,
  retryPolicy: retryPolicy({
    id: 'edgesense',
    label: 'EdgeSense (5 retries, exponential)',
    description:
      'EdgeSense: any answer other than 2xx is retried, 5 times with exponential backoff, then the webhook is disabled until ' +
      're-enabled (documented). Assumed: the first retry after 10 s, doubling each time, ±10 % jitter; timeouts and unreachable ' +
      'endpoints count as failures too.',
    retryDelaysMs: exponentialDelays(5, 10 * TIME.SECOND),
    retryStatuses: NON_2XX_STATUSES,
    jitterRatio: 0.1,
    retryOnNetworkError: true,
    retryOnUnreachable: true,
    failEndpointAfter: 1,
    documented: true,
  }),
  // Retries 10 s, 20 s, 40 s, 80 s, 160 s (±10 %): about 6 min in all; kept an hour.
  duplicates: { horizonSeconds: 3600, onByDefault: edgesenseScheme.needsReplayProtection },
  // The page: answer 200 within 3 s and queue the work.
  answerDeadline: { ms: 3000, documented: true },
  bodyStyle: 'compact',
  typeOf: (body) => text(body['event']),
  normalize: (body) => {
    const payload = body['payload'];
    const message = payload && typeof payload === 'object' ? text((payload as Record<string, unknown>)['message']) : undefined;
    const fields: Record<string, unknown> = {};
    put(fields, 'occurredAt', isoTime(body['timestamp']));
    put(fields, 'message', message);
    const device: Record<string, unknown> = {};
    put(device, 'id', text(body['deviceId']));
    fields['device'] = device;
    return fields as ReturnType<VendorProfile['normalize']>;
  },
};
