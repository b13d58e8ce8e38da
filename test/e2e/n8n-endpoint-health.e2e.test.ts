/**
 * Endpoint health in a real n8n (2.41.1 on Node 24; DEVICEHOOK_N8N_VERSIONS picks), the release tarball
 * installed as a community package: a Signed Webhook whose target answers 410 Gone disables that endpoint
 * in the node's workflow static data, which n8n saves after the production execution — so the next
 * execution, and the next one after n8n was restarted, is refused before anything is sent, with an error
 * that says how to re-enable it. (The Re-Enable Stamp itself is covered by test/n8n/signed-webhook-endpoint-health.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign, vendors } from '../../shared/src/index';
import { NODE_TYPE_PREFIX, startN8n, stopAllN8n, type N8nRuntime, type N8nVersion, type N8nWorkflow } from '../helpers/n8n-runtime';
import { startReceiver, type Receiver } from '../helpers/receiver';

const IN_SECRET = 'health-e2e-upstream-secret';
const CREDENTIALS = [
  { id: 'credhealthupstrm', name: 'health e2e upstream', type: 'inHandWebhookApi', data: { secret: IN_SECRET, previousSecret: '' } },
  { id: 'credhealthdownst', name: 'health e2e downstream', type: 'inHandWebhookApi', data: { secret: 'health-e2e-downstream', previousSecret: '' } },
];
const VERSIONS = (process.env.DEVICEHOOK_N8N_VERSIONS ?? '2.41.1').split(',').map((v) => v.trim()) as N8nVersion[];
const WEBHOOK_ID = 'd3e2e000-0000-4000-8000-e00000000001';
const WORKFLOW_ID = 'wfendpointhealth';

function workflow(receiverUrl: string): N8nWorkflow {
  return {
    id: WORKFLOW_ID,
    name: 'e2e endpoint health',
    nodes: [
      {
        id: 'trigger',
        name: 'Trigger',
        type: `${NODE_TYPE_PREFIX}inHandDeviceManagerTrigger`,
        typeVersion: 1,
        position: [0, 0],
        webhookId: WEBHOOK_ID,
        parameters: { eventTypes: [], routeByType: false, output: 'event', allowUnsigned: false, options: {} },
        credentials: { inHandWebhookApi: { id: CREDENTIALS[0]!.id, name: CREDENTIALS[0]!.name } },
      },
      {
        id: 'forward',
        name: 'Forward',
        type: `${NODE_TYPE_PREFIX}signedWebhook`,
        typeVersion: 1.1,
        position: [300, 0],
        parameters: { scheme: 'inhand-dm', url: `${receiverUrl}/gone`, method: 'POST', body: 'item', allowPrivateNetworkTargets: true, retryPolicy: 'none', options: {} },
        credentials: { inHandWebhookApi: { id: CREDENTIALS[1]!.id, name: CREDENTIALS[1]!.name } },
      },
    ],
    connections: { Trigger: { main: [[{ node: 'Forward', type: 'main', index: 0 }]] } },
  };
}

async function alert(runtime: N8nRuntime): Promise<void> {
  const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples['offline'], secret: IN_SECRET });
  const headers = Object.fromEntries(Object.entries({ 'content-type': 'application/json', ...signed.headers }).map(([k, v]) => [k.toLowerCase(), v]));
  const answer = await fetch(runtime.webhookUrl(WEBHOOK_ID), { method: 'POST', headers, body: new Uint8Array(signed.body), signal: AbortSignal.timeout(30_000) });
  expect(answer.status).toBe(200);
}

describe.each(VERSIONS)('n8n %s: a Signed Webhook endpoint that answered 410 stays disabled across executions and a restart', (version) => {
  let runtime: N8nRuntime;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 410, body: 'this endpoint is gone' }));
    runtime = await startN8n({ version, credentials: CREDENTIALS, workflows: [workflow(receiver.url)] });
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
    await stopAllN8n();
  });

  it('410 → the endpoint is disabled; the next executions, before and after a restart, send nothing and say how to re-enable it', async () => {
    await alert(runtime);
    const [first] = await runtime.waitForExecutions(WORKFLOW_ID, 1);
    expect(first!.status).toBe('error');
    expect(receiver.requests).toHaveLength(1);

    await alert(runtime);
    const second = (await runtime.waitForExecutions(WORKFLOW_ID, 2)).find((e) => e.id !== first!.id)!;
    expect(second.status).toBe('error');
    expect(second.error).toMatch(/is disabled since .*Re-Enable Stamp/s);
    expect(receiver.requests).toHaveLength(1); // nothing sent

    await runtime.stop();
    await runtime.restart();
    await alert(runtime);
    const all = await runtime.waitForExecutions(WORKFLOW_ID, 3, { timeoutMs: 120_000 });
    const third = all.find((e) => e.id !== first!.id && e.id !== second.id)!;
    expect(third.status).toBe('error');
    expect(third.error).toMatch(/is disabled since .*Re-Enable Stamp/s);
    expect(receiver.requests).toHaveLength(1);
  });
});
