/**
 * InHand Device Manager alert webhooks (docs/vendors.md#inhand-device-manager).
 */
import { z } from 'zod';
import { inhandScheme } from '../schemes/inhand';
import type { VendorProfile } from '../types';
import { retryPolicy, TIME } from '../delivery/retry-policies';
import { catalogue, isoTime, jsonSchemaOf, put, schemaPair, text } from './profile-kit';

const eventTypes = catalogue([
  ['online', 'Gateway online', 'The gateway connected to Device Manager.'],
  ['offline', 'Gateway offline', 'The gateway lost its connection to Device Manager.'],
  ['link_change', 'Interface up/down', 'A network interface went up or down.'],
  ['link_backup', 'Link backup', 'Traffic moved to the backup link.'],
  ['sim_switch', 'SIM switch', 'The gateway switched to its other SIM card.'],
  ['hourly_traffic_excess', 'Hourly traffic alarm', 'Cellular traffic in the last hour passed the threshold.'],
  ['daily_traffic_excess', 'Daily traffic alarm', 'Cellular traffic today passed the threshold.'],
  ['monthly_traffic_excess', 'Monthly traffic alarm', 'Cellular traffic this month passed the threshold.'],
  ['power_switch', 'Power type switch', 'The gateway switched between mains and battery power.'],
  ['power_fault', 'Battery fault', 'The battery reported a fault.'],
  ['power_recovery', 'Battery fault recovery', 'The battery recovered from a fault.'],
]);

const schema = schemaPair((object) =>
  object({
    _id: z.string().optional(),
    oid: z.string().optional(),
    deviceId: z.string().optional(),
    deviceName: z.string().optional(),
    serialNumber: z.string().optional(),
    ruleId: z.string().optional(),
    ruleName: z.string().optional(),
    alertType: z.string(),
    notify: object({ users: z.array(z.string()).optional(), types: z.array(z.string()).optional() }).optional(),
    alertAt: z.string().optional(),
    content: z.string().optional(),
    updateAt: z.string().optional(),
  }),
);

const contentByType: Record<string, string> = {
  online: 'Your gateway device (gateway name: RF3151342000003, serial number: RF3151342000003) is online.',
  offline: 'Your gateway device (gateway name: RF3151342000003, serial number: RF3151342000003) has been offline since 2025-03-21 05:52:36 UTC.',
  link_change: 'Interface cellular1 of gateway RF3151342000003 changed state to down.',
  link_backup: 'Gateway RF3151342000003 switched from wan1 to its backup link cellular1.',
  sim_switch: 'Gateway RF3151342000003 switched from SIM1 to SIM2.',
  hourly_traffic_excess:
    'Your gateway device on the Device Manager platform (gateway name: RF3151342000003, serial number: RF3151342000003) has used 93.66 MB of traffic for SIM2 between 2025-03-21 04:52:36 UTC and 2025-03-21 05:52:36 UTC.',
  daily_traffic_excess: 'Gateway RF3151342000003 has used 1.2 GB of traffic for SIM1 today, above the 1 GB threshold.',
  monthly_traffic_excess: 'Gateway RF3151342000003 has used 21.4 GB of traffic for SIM1 this month, above the 20 GB threshold.',
  power_switch: 'Gateway RF3151342000003 switched from mains power to battery.',
  power_fault: 'The battery of gateway RF3151342000003 reported a fault.',
  power_recovery: 'The battery of gateway RF3151342000003 recovered from its fault.',
};

const samples = Object.fromEntries(
  eventTypes.map(({ value }, n) => [
    value,
    {
      oid: '6527bb9cf2246b000178a1ec',
      deviceId: '67da8c16c351850001bdb5c2',
      deviceName: 'RF3151342000003',
      serialNumber: 'RF3151342000003',
      ruleId: '67dcfbb33abb850001bbc6c2',
      ruleName: `${value} rule`,
      alertType: value,
      notify: { users: ['6527bb9df2246b000178a1f0'], types: ['webhook', 'email'] },
      alertAt: '2025-03-21T05:52:36Z',
      content: contentByType[value] as string,
      updateAt: '2025-03-21T05:52:36Z',
      _id: `67dcfeaa3abb850001bbc6${(0xd0 + n).toString(16)}`,
    },
  ]),
);

export const inhandDm: VendorProfile = {
  id: 'inhand-dm',
  label: 'InHand Device Manager',
  aliases: ['InHand', 'InHand Networks', 'Device Manager', 'DM', 'InHand DM'],
  description: 'Alert webhooks from InHand Device Manager (gateways online/offline, traffic, SIM and power alerts).',
  scheme: inhandScheme,
  typeField: 'alertType',
  eventTypes,
  schema,
  jsonSchema: jsonSchemaOf(schema),
  samples,
  retryPolicy: retryPolicy({
    id: 'inhand',
    label: 'InHand (3 retries 10 s apart on timeouts and network errors; none when the receiver is unreachable)',
    description:
      'InHand: 3 retries 10 s apart on network errors and timeouts; no retry when the receiver cannot be reached (DNS failure, ' +
      'connection refused). Documented. Assumed: 429 and 5xx are retried, other 4xx are not.',
    retryDelaysMs: [10 * TIME.SECOND, 10 * TIME.SECOND, 10 * TIME.SECOND],
    jitterRatio: 0,
    retryOnNetworkError: true,
    retryOnUnreachable: false,
    documented: true,
  }),
  // Retries 10 s, 10 s, 10 s: 30 s in all; kept an hour.
  duplicates: { horizonSeconds: 3600, onByDefault: inhandScheme.needsReplayProtection },
  // The page retries on request timeouts but names no timeout: 5 s assumed.
  answerDeadline: { ms: 5000, documented: false },
  bodyStyle: 'python',
  typeOf: (body) => text(body['alertType']),
  normalize: (body) => {
    const fields: Record<string, unknown> = {};
    put(fields, 'id', text(body['_id']));
    put(fields, 'occurredAt', isoTime(body['alertAt']));
    put(fields, 'message', text(body['content']));
    const device: Record<string, unknown> = {};
    put(device, 'id', text(body['deviceId']));
    put(device, 'name', text(body['deviceName']));
    put(device, 'serialNumber', text(body['serialNumber']));
    fields['device'] = device;
    return fields as ReturnType<VendorProfile['normalize']>;
  },
};
