/**
 * EdgeSense.io webhooks (docs/vendors.md#edgesenseio). Documented: HMAC-SHA256 in hex, a `signature`
 * field in the body, 5 retries with exponential backoff then the webhook is disabled.
 * [assumed] The signature also travels in header `X-EdgeSense-Signature`, and is computed over the body
 * without its `signature` member, cut out losslessly; a header signature over the raw bytes is accepted too.
 */
import { z } from 'zod';
import { decodeJsonString, topLevelMembers, withoutMember } from '../json/lossless-json';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderConfig } from '../schemes/hmac-header';
import type { SignatureScheme, VendorProfile } from '../types';
import { catalogue, compact, exponentialDelays, isoTime, jsonSchemaOf, retryPolicy, schemaPair, text, TIME, freeForm } from './profile-kit';

const SIGNATURE_FIELD = 'signature';

function signatureMember(bodyText: string) {
  try {
    return topLevelMembers(bodyText)?.filter((member) => member.key === SIGNATURE_FIELD).pop();
  } catch {
    return undefined; // Malformed JSON: the header path, then the JSON check, report it.
  }
}

const config: HmacHeaderConfig = {
  algorithm: 'sha256',
  encoding: 'hex',
  header: 'X-EdgeSense-Signature',
  prefix: '',
  label: "EdgeSense's signature",
  readSignature(input) {
    const fromHeader = input.headers.all('x-edgesense-signature');
    if (fromHeader.length > 0) return fromHeader;
    const member = signatureMember(input.text);
    if (!member || input.text.charCodeAt(member.valueStart) !== 34) return [];
    return [decodeJsonString(input.text, member.valueStart, member.valueEnd)];
  },
  *bodyForms(input) {
    const member = signatureMember(input.text);
    if (member) yield withoutMember(input.text, member);
    yield input.rawBody;
  },
};

export const edgesenseScheme: SignatureScheme = {
  description:
    'HMAC-SHA256 in hex over the body without its "signature" member, sent in header X-EdgeSense-Signature and in the body ' +
    '(header and placement assumed; a header signature over the raw bytes is accepted too).',
  signatureHeaders: () => ['x-edgesense-signature'],
  verify: (input) => verifyHmacHeader(input, config),
  sign({ text: bodyText, secret }) {
    const existing = signatureMember(bodyText);
    const unsigned = existing ? withoutMember(bodyText, existing) : bodyText;
    const mac = signHmacHeader(config, secret, unsigned);
    const members = topLevelMembers(unsigned);
    if (members === undefined) throw new TypeError('An EdgeSense body must be a JSON object.');
    const last = members[members.length - 1];
    // Insert right after the last value (or the opening brace), so cutting the member out restores `unsigned` exactly.
    const at = last ? last.valueEnd : unsigned.indexOf('{') + 1;
    const member = `${last ? ',' : ''}"${SIGNATURE_FIELD}":"${mac}"`;
    return {
      text: unsigned.slice(0, at) + member + unsigned.slice(at),
      headers: { 'Content-Type': 'application/json', 'X-EdgeSense-Signature': mac },
    };
  },
};

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
      'EdgeSense: 5 retries with exponential backoff, then the webhook is disabled until re-enabled (documented). ' +
      'Assumed: the first retry after 10 s, doubling each time, ±10 % jitter; 429 and 5xx retried.',
    retryDelaysMs: exponentialDelays(5, 10 * TIME.SECOND),
    jitterRatio: 0.1,
    retryOnNetworkError: true,
    retryOnUnreachable: true,
    failEndpointAfter: 1,
    documented: true,
  }),
  // Retries 10 s, 20 s, 40 s, 80 s, 160 s (±10 %): about 6 min in all; kept an hour.
  duplicates: { horizonSeconds: 3600, onByDefault: false },
  bodyStyle: 'compact',
  typeOf: (body) => text(body['event']),
  normalize: (body) => {
    const payload = body['payload'];
    const message = payload && typeof payload === 'object' ? text((payload as Record<string, unknown>)['message']) : undefined;
    return {
      ...compact({ occurredAt: isoTime(body['timestamp']), message }),
      device: compact({ id: text(body['deviceId']) }),
    };
  },
};
