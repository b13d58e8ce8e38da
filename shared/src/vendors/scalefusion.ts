/**
 * Scalefusion MDM webhooks (docs/vendors.md#scalefusion): `X-SF-Signature`, lower-case hex HMAC-SHA256 of
 * the raw body. [assumed] Event names follow `device.enrolled` for every event of the vendor's table.
 */
import { z } from 'zod';
import { scalefusionScheme } from '../schemes/scalefusion';
import type { VendorProfile } from '../types';
import { retryPolicy } from '../delivery/retry-policies';
import { catalogue, isoTime, jsonSchemaOf, put, schemaPair, text, valueAt } from './profile-kit';

const eventTypes = catalogue([
  ['device.enrolled', 'Device Enrolled', 'A device was enrolled (Android, iOS, macOS, Windows, Linux).'],
  ['device.activated', 'Device Activated', 'A device was activated (Android).'],
  ['device.unenrolled', 'Device Unenrolled', 'A device was unenrolled (macOS, Windows).'],
  ['device.deleted', 'Device Deleted', 'A device was deleted.'],
  ['device.unlocked', 'Device Unlocked', 'A device was unlocked.'],
  ['device.locked', 'Device Locked', 'A device was locked.'],
  ['device.lost', 'Device Lost', 'A device was marked lost.'],
  ['device.found', 'Device Found', 'A lost device was found.'],
  ['device.user_signed_in', 'Device User Signed In', 'A user signed in on a device.'],
  ['device.user_signed_out', 'Device User Signed Out', 'A user signed out of a device.'],
  ['device.shutdown', 'Device Shutdown', 'A device shut down.'],
  ['device.reboot', 'Device Reboot', 'A device rebooted.'],
  ['device.custom_properties_updated', 'Device Custom Properties Updated', "A device's custom properties changed."],
  ['device.sim_swap', 'Device Sim Swap', 'The SIM card of a device was swapped (Android).'],
]);

const schema = schemaPair((object) =>
  object({
    id: z.string().optional(),
    event: z.string(),
    created_at: z.union([z.string(), z.number()]).optional(),
    data: object({
      devices: z
        .array(
          object({
            id: z.union([z.string(), z.number()]).optional(),
            name: z.string().optional(),
            serial_no: z.string().optional(),
            model: z.string().optional(),
            make: z.string().optional(),
            os_version: z.string().optional(),
          }),
        )
        .optional(),
    }).optional(),
  }),
);

const samples = Object.fromEntries(
  eventTypes.map(({ value }, n) => [
    value,
    {
      id: `5f1c2a9e-7b3d-4e8a-9c61-0d2e4f6a8b${(10 + n).toString().padStart(2, '0')}`,
      event: value,
      created_at: '2025-02-11T09:12:44Z',
      data: { devices: [{ name: 'TEST001', serial_no: '12345', model: 'iPhone 12', make: 'Apple', os_version: '17.4' }] },
    },
  ]),
);

export const scalefusion: VendorProfile = {
  id: 'scalefusion',
  label: 'Scalefusion',
  aliases: ['Scalefusion', 'Scale Fusion', 'MDM'],
  description: 'Device lifecycle and management events from the Scalefusion MDM.',
  scheme: scalefusionScheme,
  typeField: 'event',
  eventTypes,
  schema,
  jsonSchema: jsonSchemaOf(schema),
  samples,
  retryPolicy: retryPolicy({
    id: 'scalefusion',
    label: 'Scalefusion (no retries)',
    description: 'Scalefusion documents no retries; its dashboard logs every invocation as succeeded or failed. Assumed: one attempt.',
    retryDelaysMs: [],
    jitterRatio: 0,
    retryOnNetworkError: false,
    retryOnUnreachable: false,
    documented: false,
  }),
  // Scalefusion does not retry; a copy sent by hand within an hour is still recognised.
  duplicates: { horizonSeconds: 3600, onByDefault: scalefusionScheme.needsReplayProtection },
  // Not documented: 5 s assumed.
  answerDeadline: { ms: 5000, documented: false },
  bodyStyle: 'python',
  typeOf: (body) => text(body['event']),
  normalize: (body) => {
    // An event may list several devices; the event's device is the first.
    const first = firstDevice(body);
    const fields: Record<string, unknown> = {};
    put(fields, 'id', text(body['id']));
    put(fields, 'occurredAt', isoTime(body['created_at']));
    const device: Record<string, unknown> = {};
    if (first !== undefined) {
      put(device, 'id', text(first['id']));
      put(device, 'name', text(first['name']));
      put(device, 'serialNumber', text(first['serial_no']));
    }
    fields['device'] = device;
    return fields as ReturnType<VendorProfile['normalize']>;
  },
};

/** The first object in `data.devices`, if any. */
function firstDevice(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const list = valueAt(body, 'data.devices');
  if (!Array.isArray(list)) return undefined;
  for (let i = 0; i < list.length; i++) {
    const d: unknown = list[i];
    if (d !== null && typeof d === 'object') return d as Record<string, unknown>;
  }
  return undefined;
}
