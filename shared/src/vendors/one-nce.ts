/**
 * 1NCE Cloud Integrator webhooks (docs/vendors.md#1nce-cloud-integrator). No signature: static
 * headers set on the integration authenticate the request.
 */
import { z } from 'zod';
import { staticHeaderScheme } from '../schemes/static-header';
import type { VendorProfile } from '../types';
import { NON_2XX_STATUSES, retryPolicy, TIME } from '../delivery/retry-policies';
import { catalogue, compact, isoTime, jsonSchemaOf, schemaPair, text, valueAt, freeForm } from './profile-kit';

const eventTypes = catalogue([
  ['TELEMETRY_DATA', 'Telemetry data', 'Data a device sent over UDP, CoAP or LwM2M.'],
  ['LIFECYCLE', 'Lifecycle', 'A device lifecycle event, e.g. its first registration.'],
  ['ERROR', 'Error', 'A message could not be processed (e.g. a translator error).'],
  ['GEOFENCE', 'Geofence', 'A device entered or left a geofence.'],
  ['LOCATION', 'Location', 'A device location update.'],
  ['TEST_MESSAGE', 'Test message', 'Sent by the Test and Restart actions of an integration.'],
]);

const schema = schemaPair((object) => {
  const coordinates = z.array(z.union([z.string(), z.number()]));
  return object({
    id: z.string().optional(),
    type: z.string(),
    received: z.string().optional(),
    version: z.string().optional(),
    device: object({ iccid: z.string().optional(), imsi: z.string().optional(), ip: z.string().optional() }).optional(),
    source: z.string().optional(),
    payload: object({
      type: z.string().optional(),
      encoding: z.string().optional(),
      value: z.unknown().optional(),
      topic: z.string().optional(),
    }).optional(),
    lifecycle: object({ type: z.string().optional(), message: z.string().optional() }).optional(),
    error: object({
      id: z.string().optional(),
      type: z.string().optional(),
      message: z.string().optional(),
      description: z.string().optional(),
      payloadExists: z.boolean().optional(),
    }).optional(),
    geofence: object({
      id: z.string().optional(),
      type: z.string().optional(),
      name: z.string().optional(),
      coordinates: coordinates.optional(),
      source: z.string().optional(),
    }).optional(),
    location: object({ source: z.string().optional(), coordinates: coordinates.optional(), metadata: freeForm().optional() }).optional(),
    integration: object({ id: z.string().optional(), name: z.string().optional() }).optional(),
  });
});

const device = { iccid: '8988280666000002864', imsi: '901405100002864', ip: '100.91.200.24' };
const samples: Record<string, Record<string, unknown>> = {
  TELEMETRY_DATA: {
    payload: { type: 'JSON', value: { latitude: 52.520008, longitude: 13.404954, temperature: 21.5 } },
    received: '1670598749915',
    id: '1-6393505d-67fa8489fb9c791fcddd43f0',
    source: 'UDP',
    type: 'TELEMETRY_DATA',
    version: '1.0.0',
    device,
  },
  LIFECYCLE: {
    lifecycle: { type: 'DEVICE_FIRST_TIME_REGISTERED', message: 'New Device successfully registered for the first time - 8988280666000002864' },
    received: '1670830184814',
    id: '1-6396d868-d00f68b911b75bc761768e9b',
    type: 'LIFECYCLE',
    version: '1.0.0',
    device,
  },
  ERROR: {
    id: '1-87654321-4fff5fb82c196babcd00008',
    type: 'ERROR',
    received: '1649931594333',
    device,
    error: {
      id: '3dsd627637267sahdgyasd',
      type: 'DEVICE',
      message: 'Translator[UserPayloadError]',
      description: "Asset path:Temperature, Error: can't extract [200:201] from 2 bytes",
      payloadExists: true,
    },
    version: '1.0.0',
  },
  GEOFENCE: {
    id: '1-87654321-4fff5fb82c196babcd00007',
    type: 'GEOFENCE',
    received: '1649931594333',
    geofence: { id: 'Wg9ys5VqmSNN8M8YN2rv8', name: 'TEST_GEOFENCE_1', coordinates: ['24.166234790073986', '56.977086867785'], source: 'CellTower', type: 'EXIT' },
    device,
    version: '1.0.0',
  },
  LOCATION: {
    id: '1-87654321-4fff5fb82c196babcd00006',
    type: 'LOCATION',
    received: '1649931594333',
    location: {
      source: 'CellTower',
      coordinates: ['24.166234790073986', '56.977086867785'],
      metadata: { verticalAccuracy: 45, verticalConfidenceLevel: 0.68, horizontalAccuracy: 303, horizontalConfidenceLevel: 0.68 },
    },
    device,
    version: '1.0.0',
  },
  TEST_MESSAGE: {
    id: '1-63d889d3-d987cbb90f8f10c76278d8dd',
    type: 'TEST_MESSAGE',
    received: '1675135445411',
    integration: { id: 'X8qB3FhJQyffUH0GqL3gC', name: 'integration-name' },
    version: '1.0.0',
  },
};

function messageOf(body: Record<string, unknown>): string | undefined {
  const errorMessage = text(valueAt(body, 'error.message'));
  const errorDescription = text(valueAt(body, 'error.description'));
  const geofenceType = text(valueAt(body, 'geofence.type'));
  return (
    text(valueAt(body, 'lifecycle.message')) ??
    (errorMessage && errorDescription ? `${errorMessage}: ${errorDescription}` : errorMessage ?? errorDescription) ??
    (geofenceType ? `${geofenceType} ${text(valueAt(body, 'geofence.name')) ?? 'geofence'}` : undefined) ??
    (text(valueAt(body, 'integration.name')) ? `Test message for integration ${text(valueAt(body, 'integration.name'))}` : undefined)
  );
}

export const oneNce: VendorProfile = {
  id: '1nce',
  label: '1NCE Cloud Integrator',
  aliases: ['1NCE', 'ONCE', 'One NCE', 'Cloud Integrator'],
  description: 'Telemetry, lifecycle, location and error events of 1NCE SIMs from the 1NCE Cloud Integrator.',
  scheme: staticHeaderScheme,
  typeField: 'type',
  eventTypes,
  schema,
  jsonSchema: jsonSchemaOf(schema),
  samples,
  retryPolicy: retryPolicy({
    id: '1nce',
    label: '1NCE (5 attempts: 150 s, 180 s, 420 s, 1020 s)',
    description:
      '1NCE: 5 attempts with delays of 150 s, 180 s, 420 s and 1020 s, then the integration becomes INTEGRATION_FAILED until ' +
      'restarted (documented). Every unsuccessful attempt counts: any answer other than 2xx (the receiver must answer 2xx), ' +
      'a timeout, an unreachable endpoint.',
    retryDelaysMs: [150 * TIME.SECOND, 180 * TIME.SECOND, 420 * TIME.SECOND, 1020 * TIME.SECOND],
    retryStatuses: NON_2XX_STATUSES,
    jitterRatio: 0,
    retryOnNetworkError: true,
    retryOnUnreachable: true,
    failEndpointAfter: 1,
    documented: true,
  }),
  // Retries 150 s, 180 s, 420 s, 1020 s: 29.5 min in all; kept two hours.
  duplicates: { horizonSeconds: 2 * 3600, onByDefault: staticHeaderScheme.needsReplayProtection },
  // The page: the receiver must answer 2xx within 20 s.
  answerDeadline: { ms: 20_000, documented: true },
  bodyStyle: 'compact',
  // Published by 1NCE ("Webhook Configuration": "The following IPs will forward data to the webhook endpoint(s)").
  sourceAddresses: ['52.29.71.11', '18.157.211.95'],
  typeOf: (body) => text(body['type']),
  normalize: (body) => ({
    ...compact({ id: text(body['id']), occurredAt: isoTime(body['received']), message: messageOf(body) }),
    device: compact({
      iccid: text(valueAt(body, 'device.iccid')),
      imsi: text(valueAt(body, 'device.imsi')),
      ip: text(valueAt(body, 'device.ip')),
    }),
  }),
};
