/**
 * Answer "When the Workflow Has Finished" (n8n's lastNode response mode) in a real n8n (2.41.1 on Node 24;
 * DEVICEHOOK_N8N_VERSIONS=2.41.1,2.8.4 for both), the release tarball installed as a community package:
 * success → 200 with an empty body once the execution has ended; a failing node → n8n's own fixed 500
 * {"message":"Error in workflow"} (no node can choose it); no answer timeout (a 4 s Wait is answered after
 * it); refusals still at once. A small file of its own: the main n8n e2e's set-up publishes 15 workflows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getVendor, sign } from '../../shared/src/index';
import { NODE_TYPE_PREFIX, startN8n, stopAllN8n, type N8nNode, type N8nRuntime, type N8nVersion, type N8nWorkflow } from '../helpers/n8n-runtime';

const SECRET = 'answer-e2e-secret';
const CREDENTIAL = { id: 'credanswer000000', name: 'answer e2e', type: 'inHandWebhookApi', data: { secret: SECRET, previousSecret: '' } };
const VERSIONS = (process.env.DEVICEHOOK_N8N_VERSIONS ?? '2.41.1').split(',').map((v) => v.trim()) as N8nVersion[];

const CASES = {
  ok: { webhookId: 'd3e2e000-0000-4000-8000-a00000000001', next: { id: 'done', name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [300, 0], parameters: {} } },
  fail: {
    webhookId: 'd3e2e000-0000-4000-8000-a00000000002',
    next: { id: 'fail', name: 'Fail', type: 'n8n-nodes-base.stopAndError', typeVersion: 1, position: [300, 0], parameters: { errorType: 'errorMessage', errorMessage: 'processing failed: database password hunter2' } },
  },
  slow: {
    webhookId: 'd3e2e000-0000-4000-8000-a00000000003',
    next: { id: 'slow', name: 'Slow', type: 'n8n-nodes-base.wait', typeVersion: 1.1, position: [300, 0], parameters: { resume: 'timeInterval', amount: 4, unit: 'seconds' } },
  },
} satisfies Record<string, { webhookId: string; next: N8nNode }>;

function workflow(key: keyof typeof CASES): N8nWorkflow {
  const { webhookId, next } = CASES[key];
  return {
    id: `wfanswer${key}`.padEnd(16, '0'),
    name: `e2e answer when finished (${key})`,
    nodes: [
      {
        id: `trigger-${key}`,
        name: 'Trigger',
        type: `${NODE_TYPE_PREFIX}inHandDeviceManagerTrigger`,
        typeVersion: 1,
        position: [0, 0],
        webhookId,
        parameters: { eventTypes: [], routeByType: false, output: 'event', allowUnsigned: false, answer: 'lastNode', options: {} },
        credentials: { inHandWebhookApi: { id: CREDENTIAL.id, name: CREDENTIAL.name } },
      },
      next,
    ],
    connections: { Trigger: { main: [[{ node: next.name, type: 'main', index: 0 }]] } },
  };
}

async function post(url: string, secret = SECRET): Promise<{ status: number; body: unknown }> {
  const signed = sign({ vendor: 'inhand-dm', body: getVendor('inhand-dm')!.samples['offline']!, secret });
  const headers = Object.fromEntries(Object.entries({ 'content-type': 'application/json', ...signed.headers }).map(([k, v]) => [k.toLowerCase(), v]));
  const res = await fetch(url, { method: 'POST', headers, body: new Uint8Array(signed.body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}

afterAll(async () => {
  await stopAllN8n();
});

describe.each(VERSIONS)('n8n %s: Answer "When the Workflow Has Finished"', (version) => {
  let runtime: N8nRuntime;
  beforeAll(async () => {
    runtime = await startN8n({ version, credentials: [CREDENTIAL], workflows: [workflow('ok'), workflow('fail'), workflow('slow')] });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('the workflow succeeds → 200 (empty body) once it has finished; a node fails → n8n answers its own 500; a bad signature is refused at once', async () => {
    const ok = await post(runtime.webhookUrl(CASES.ok.webhookId));
    expect(ok).toEqual({ status: 200, body: '' });
    const [execution] = await runtime.waitForExecutions(workflow('ok').id, 1);
    expect(execution!.status).toBe('success');

    // n8n's fixed answer for a failed execution (webhook-helpers: responseCode 500, "Error in workflow"):
    // no node can choose another status or body; it names nothing of the error.
    const failed = await post(runtime.webhookUrl(CASES.fail.webhookId));
    expect(failed).toEqual({ status: 500, body: { message: 'Error in workflow' } });
    const [failedExecution] = await runtime.waitForExecutions(workflow('fail').id, 1);
    expect(failedExecution!.status).toBe('error');

    const refused = await post(runtime.webhookUrl(CASES.ok.webhookId), 'not-the-secret');
    expect(refused.status).toBe(401);
    expect((refused.body as { code: string }).code).toBe('signature_mismatch');
  });

  it('n8n sets no answer timeout: a workflow that waits 4 s (EdgeSense gives up after 3 s) is answered only when it has finished', async () => {
    const started = Date.now();
    const slow = await post(runtime.webhookUrl(CASES.slow.webhookId));
    expect(slow.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
  });
});
