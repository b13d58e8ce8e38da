/**
 * InHand InCloud Manager alert webhooks (docs/vendors.md#inhand-incloud-manager). Same transport and signature as
 * Device Manager; the type is the field `type`, mirrored in `data.reason`.
 */
import { z } from 'zod';
import { inhandScheme } from '../schemes/inhand';
import type { VendorProfile } from '../types';
import { catalogue, compact, isoTime, jsonSchemaOf, schemaPair, text, valueAt } from './profile-kit';
import { inhandDm } from './inhand-dm';

const eventTypes = catalogue([
  ['connected', 'Connect to Platform', 'The device connected to InCloud Manager.'],
  ['disconnected', 'Disconnect from Platform', 'The device disconnected from InCloud Manager.'],
  ['config_sync_failed', 'Configuration Sync Failed', 'The configuration could not be synchronized to the device.'],
  ['sim_switch', 'SIM Switch', 'The device switched SIM cards.'],
  ['local_config_update', 'Configuration Modified Locally', 'Someone changed the configuration on the device itself.'],
  ['reboot', 'Reboot', 'The device rebooted.'],
  ['firmware_upgrade', 'Firmware Changed', 'The device firmware changed.'],
  ['license_expiring', 'License Expiring Soon', 'The device licence expires soon.'],
  ['license_expired', 'License Expired', 'The device licence expired.'],
  ['uplink_switch', 'Primary Uplink Switch', 'The primary uplink changed.'],
  ['ethernet_wan_connected', 'Wired WAN Connected', 'The wired WAN link came up.'],
  ['ethernet_wan_disconnected', 'Wired WAN Disconnected', 'The wired WAN link went down.'],
  ['modem_wan_connected', 'Cellular WAN Connected', 'The cellular WAN link came up.'],
  ['modem_wan_disconnected', 'Cellular WAN Disconnected', 'The cellular WAN link went down.'],
  ['wwan_connected', 'Wi-Fi (STA) WAN Connected', 'The Wi-Fi client WAN link came up.'],
  ['wwan_disconnected', 'Wi-Fi (STA) WAN Disconnected', 'The Wi-Fi client WAN link went down.'],
  ['client_connected', 'Client Online', 'A client joined the network.'],
  ['client_disconnected', 'Client Offline', 'A client left the network.'],
  ['cell_traffic_reach_threshold', 'Cellular Usage Threshold Reached', 'Cellular usage reached its threshold.'],
  ['bridge_loop_detect', 'Loop Detection', 'A bridging loop was detected.'],
  ['cell_operator_switch', 'Carrier Switched', 'The cellular carrier changed.'],
  ['uplink_status_change', 'Link Up/Down', 'An uplink went up or down.'],
  ['device_power_off', 'Device Power Off', 'The device lost power.'],
  ['high_average_cpu_utilization', 'High Average CPU Utilization', 'Average CPU load stayed above the threshold.'],
  ['high_memory_utilization', 'High Memory Utilization', 'Memory use stayed above the threshold.'],
  ['poor_cellular_signal_strength', 'Poor Cellular Signal Strength', 'The cellular signal stayed weak.'],
]);

const named = (object: Parameters<Parameters<typeof schemaPair>[0]>[0]) =>
  object({ _id: z.string().optional(), name: z.string().optional() }).optional();

const schema = schemaPair((object) =>
  object({
    _id: z.string().optional(),
    ack: z.boolean().optional(),
    app: z.string().optional(),
    content: z.string().optional(),
    data: object({
      ruleId: z.string().optional(),
      reason: z.string().optional(),
      serialNumber: z.string().optional(),
      retention: z.union([z.string(), z.number()]).optional(),
      timestamp: z.string().optional(),
    }).optional(),
    deviceId: z.string().optional(),
    entityId: z.string().optional(),
    entityName: z.string().optional(),
    entityType: z.string().optional(),
    oid: z.string().optional(),
    org: named(object),
    title: z.string().optional(),
    // Optional here: the type may come from data.reason alone; its presence is checked before the schema.
    type: z.string().optional(),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
    deviceGroupId: z.string().optional(),
    deviceGroup: named(object),
    closedAt: z.string().optional(),
    status: z.enum(['active', 'closed']).optional(),
    priority: z.number().int().optional(),
  }),
);

const samples = Object.fromEntries(
  eventTypes.map(({ value, label }, n) => [
    value,
    {
      oid: '65e6cd35361ee640b6a04ec7',
      org: { name: 'inhand00356', _id: '65e6cd35361ee640b6a04ec7' },
      app: 'nezha',
      type: value,
      title: label,
      content: `${label} on device EF605231726YKLU.`,
      deviceId: '66ea69ab06eccf714c377403',
      entityId: '66ea69ab06eccf714c377403',
      entityName: 'EF605231726YKLU',
      entityType: 'device',
      data: { ruleId: '677791e7c0015635b5df77aa', reason: value, serialNumber: 'EF605231726YKLU', timestamp: '2025-01-06T10:01:38Z' },
      createdAt: '2025-01-06T10:01:38Z',
      updatedAt: '2025-01-06T10:01:38Z',
      ack: false,
      status: 'active',
      priority: 2,
      deviceGroupId: '66ea775522b4cd7a3dda4005',
      deviceGroup: { name: '605', _id: '66ea775522b4cd7a3dda4005' },
      _id: `677baa025a34db68978609${(0xb0 + n).toString(16)}`,
    },
  ]),
);

export const incloudManager: VendorProfile = {
  id: 'incloud-manager',
  label: 'InHand InCloud Manager',
  aliases: ['InCloud', 'InCloud Manager', 'InHand InCloud', 'InHand'],
  description: 'Alert webhooks from InHand InCloud Manager (routers and access points: uplinks, clients, licences, reboots).',
  scheme: inhandScheme,
  typeField: 'type',
  eventTypes,
  schema,
  jsonSchema: jsonSchemaOf(schema),
  samples,
  retryPolicy: inhandDm.retryPolicy,
  // The same sender as InHand Device Manager: retries 10 s, 10 s, 10 s; kept an hour.
  duplicates: { horizonSeconds: 3600, onByDefault: inhandScheme.needsReplayProtection },
  // As InHand DM: request timeouts are retried, no timeout named; 5 s assumed.
  answerDeadline: { ms: 5000, documented: false },
  bodyStyle: 'python',
  typeOf: (body) => text(body['type']) ?? text(valueAt(body, 'data.reason')),
  normalize: (body) => ({
    ...compact({
      id: text(body['_id']),
      occurredAt: isoTime(body['createdAt']) ?? isoTime(valueAt(body, 'data.timestamp')),
      message: text(body['content']) ?? text(body['title']),
    }),
    device: compact({
      id: text(body['deviceId']) ?? text(body['entityId']),
      name: text(body['entityName']),
      serialNumber: text(valueAt(body, 'data.serialNumber')),
    }),
  }),
};
