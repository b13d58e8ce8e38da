/**
 * Faithful forwarding in a real n8n (2.41.1 on Node 24 and 2.8.4 on Node 20; DEVICEHOOK_N8N_VERSIONS picks), the
 * release tarball installed as a community package: an InHand alert holding values n8n's data model would
 * change (a big integer, 1.0, -0.0, an integer-like key last) is received by the InHand trigger with
 * "Include Body Text" and forwarded by the Signed Webhook with the Raw Text body `{{ $json.bodyText }}`. The
 * receiver gets the alert byte for byte, and InHand's own Python check accepts it with the downstream secret
 * (and refuses it with the upstream one: the copy is signed afresh, not passed through).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonJsonDumps, sign, vendors } from '../../shared/src/index';
import { NODE_TYPE_PREFIX, startN8n, stopAllN8n, type N8nRuntime, type N8nVersion, type N8nWorkflow } from '../helpers/n8n-runtime';
import { pythonVerdicts } from '../helpers/python-verifiers';
import { startReceiver, type Receiver } from '../helpers/receiver';

const IN_SECRET = 'forward-e2e-upstream-secret';
const OUT_SECRET = 'forward-e2e-downstream-secret';
const CREDENTIALS = [
  { id: 'credfwdupstream0', name: 'forward e2e upstream', type: 'inHandWebhookApi', data: { secret: IN_SECRET, previousSecret: '' } },
  { id: 'credfwddownstrm0', name: 'forward e2e downstream', type: 'inHandWebhookApi', data: { secret: OUT_SECRET, previousSecret: '' } },
];
const VERSIONS = (process.env.DEVICEHOOK_N8N_VERSIONS ?? '2.41.1,2.8.4').split(',').map((v) => v.trim()) as N8nVersion[];
const WEBHOOK_ID = 'd3e2e000-0000-4000-8000-f00000000001';
const WORKFLOW_ID = 'wfforwardbytes00';

/** InHand's offline sample in its Python form, with values JSON.parse cannot keep. */
const ALERT_TEXT = pythonJsonDumps(JSON.stringify(vendors['inhand-dm'].samples['offline'])).replace(/\}$/, ', "counter": 12345678901234567891, "ratio": 1.0, "offset": -0.0, "7": "seven"}');

function forwardingWorkflow(receiverUrl: string): N8nWorkflow {
  return {
    id: WORKFLOW_ID,
    name: 'e2e forward an InHand alert byte for byte',
    nodes: [
      {
        id: 'trigger',
        name: 'Trigger',
        type: `${NODE_TYPE_PREFIX}inHandDeviceManagerTrigger`,
        typeVersion: 1,
        position: [0, 0],
        webhookId: WEBHOOK_ID,
        parameters: { eventTypes: [], routeByType: false, output: 'event', allowUnsigned: false, options: { includeBodyText: true } },
        credentials: { inHandWebhookApi: { id: CREDENTIALS[0]!.id, name: CREDENTIALS[0]!.name } },
      },
      {
        id: 'forward',
        name: 'Forward',
        type: `${NODE_TYPE_PREFIX}signedWebhook`,
        typeVersion: 1.1,
        position: [300, 0],
        parameters: {
          scheme: 'inhand-dm',
          url: `${receiverUrl}/next`,
          method: 'POST',
          body: 'text',
          textBody: '={{ $json.bodyText }}',
          // The receiver listens on 127.0.0.1: private targets are allowed explicitly.
          allowPrivateNetworkTargets: true,
          retryPolicy: 'none',
          options: {},
        },
        credentials: { inHandWebhookApi: { id: CREDENTIALS[1]!.id, name: CREDENTIALS[1]!.name } },
      },
    ],
    connections: { Trigger: { main: [[{ node: 'Forward', type: 'main', index: 0 }]] } },
  };
}

describe.each(VERSIONS)('n8n %s: InHand trigger → Signed Webhook forwards the alert byte for byte', (version) => {
  let runtime: N8nRuntime;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startN8n({ version, credentials: CREDENTIALS, workflows: [forwardingWorkflow(receiver.url)] });
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
    await stopAllN8n();
  });

  it('big integers, 1.0, -0.0 and key order arrive unchanged, re-signed for the new target, and InHand’s Python code accepts the copy', async () => {
    const signed = sign({ vendor: 'inhand-dm', body: ALERT_TEXT, secret: IN_SECRET });
    expect(signed.body.toString('utf8')).toBe(ALERT_TEXT); // already in InHand's signed form
    const headers = Object.fromEntries(Object.entries({ 'content-type': 'application/json', ...signed.headers }).map(([k, v]) => [k.toLowerCase(), v]));
    const answer = await fetch(runtime.webhookUrl(WEBHOOK_ID), { method: 'POST', headers, body: new Uint8Array(signed.body), signal: AbortSignal.timeout(30_000) });
    expect(answer.status).toBe(200);

    const [execution] = await runtime.waitForExecutions(WORKFLOW_ID, 1);
    expect(execution!.error).toBeUndefined();
    expect(execution!.status).toBe('success');
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request.body.toString('utf8')).toBe(ALERT_TEXT);
    const signature = String(request.headers['x-signature']);
    expect(pythonVerdicts([{ scheme: 'inhand', body: request.body, signature, secret: OUT_SECRET }])).toEqual([true]);
    expect(pythonVerdicts([{ scheme: 'inhand', body: request.body, signature, secret: IN_SECRET }])).toEqual([false]);
  });
});
