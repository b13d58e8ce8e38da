/**
 * Proves the real-n8n harness (test/helpers/n8n-runtime.ts) on n8n 2.41.1 (Node 24) and 2.8.4 (Node 20):
 * our package, installed from its release tarball with the README's command, loads from
 * <userFolder>/.n8n/nodes/node_modules, an imported credential is decrypted for
 * the trigger, an imported and published workflow answers on its production URL, executions are read back
 * from the database, a restart keeps it all, and the REST API unpublishes a workflow while n8n runs.
 *
 * Run: npm run build && npx vitest run --config vitest.e2e.config.ts test/e2e/n8n-runtime-harness.e2e.test.ts
 * The first run installs n8n and Node 24 into ~/.cache/devicehook (or $DEVICEHOOK_CACHE).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getVendor, sign } from '../../shared/src/index';
import { NODE_TYPE_PREFIX, startN8n, stopAllN8n, type N8nRuntime, type N8nVersion, type N8nWorkflow } from '../helpers/n8n-runtime';

const SECRET = 'harness-secret';
const WEBHOOK_ID = '6a2f0d1e-0000-4000-8000-000000000001';
const WORKFLOW_ID = 'harnessInHand001';
const PARKED_ID = 'harnessParked001';

const workflow: N8nWorkflow = {
  id: WORKFLOW_ID,
  name: 'Harness InHand',
  nodes: [
    {
      id: 'trigger',
      name: 'InHand',
      type: `${NODE_TYPE_PREFIX}inHandDeviceManagerTrigger`,
      typeVersion: 1,
      position: [0, 0],
      webhookId: WEBHOOK_ID,
      parameters: {},
      credentials: { inHandWebhookApi: { id: 'harnessCred00001', name: 'InHand harness' } },
    },
    { id: 'noop', name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
  ],
  connections: { InHand: { main: [[{ node: 'Done', type: 'main', index: 0 }]] } },
};
/** Imported but not published: its webhook must not answer. */
const parked: N8nWorkflow = {
  ...workflow,
  id: PARKED_ID,
  name: 'Harness parked',
  active: false,
  nodes: workflow.nodes.map((node) => (node.webhookId ? { ...node, webhookId: '6a2f0d1e-0000-4000-8000-000000000002' } : node)),
};

async function postSigned(runtime: N8nRuntime, webhookId = WEBHOOK_ID): Promise<{ status: number; body: unknown }> {
  const signed = sign({ vendor: 'inhand-dm', body: getVendor('inhand-dm')!.samples.offline, secret: SECRET });
  const res = await fetch(runtime.webhookUrl(webhookId), {
    method: 'POST',
    // sign() already sets Content-Type; a second spelling would reach n8n as "application/json, application/json".
    headers: signed.headers,
    body: new Uint8Array(signed.body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (n8n's own 404 pages are JSON, but keep the text otherwise)
  }
  return { status: res.status, body };
}

afterAll(async () => {
  await stopAllN8n();
});

describe.each([
  ['2.41.1', 'v24.'],
  ['2.8.4', process.version.split('.')[0] + '.'],
] as Array<[N8nVersion, string]>)('n8n %s harness', (version, nodePrefix) => {
  let runtime: N8nRuntime;

  beforeAll(async () => {
    runtime = await startN8n({
      version,
      credentials: [{ id: 'harnessCred00001', name: 'InHand harness', type: 'inHandWebhookApi', data: { secret: SECRET } }],
      workflows: [workflow, parked],
    });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('runs on the expected Node and loads the package installed from its tarball into nodes/node_modules', () => {
    expect(runtime.install.nodeVersion.startsWith(nodePrefix)).toBe(true);
    const nodesDir = path.join(runtime.userFolder, '.n8n', 'nodes');
    const pkgDir = path.join(nodesDir, 'node_modules', 'n8n-nodes-devicehook');
    // The README's command, and what it leaves: the package alone (no n8n-workflow beside it), a real
    // folder (not a link to the workspace), recorded in nodes/package.json as the tarball it came from.
    expect(runtime.logs()).toMatch(/\$ cd \S+\/\.n8n\/nodes && npm install --legacy-peer-deps \S+\/n8n-nodes-devicehook-[\d.]+\.tgz/);
    expect(fs.readdirSync(path.join(nodesDir, 'node_modules')).filter((f) => !f.startsWith('.'))).toEqual(['n8n-nodes-devicehook']);
    expect(fs.lstatSync(pkgDir).isSymbolicLink()).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(nodesDir, 'package.json'), 'utf8')).dependencies['n8n-nodes-devicehook']).toMatch(/^file:.*n8n-nodes-devicehook-[\d.]+\.tgz$/);
    expect(fs.existsSync(path.join(pkgDir, 'package.json'))).toBe(true);
    expect(fs.existsSync(path.join(pkgDir, 'dist', 'nodes', 'shared', 'core.js'))).toBe(true);
    expect(runtime.logs()).toContain(`Version: ${version}`);
    expect(runtime.logs()).not.toMatch(/Unrecognized node type|could not be found/i);
  });

  it('serves the published workflow and records its execution', async () => {
    const answer = await postSigned(runtime);
    expect(answer).toEqual({ status: 200, body: { received: true, type: 'offline' } });
    const [execution, ...more] = await runtime.waitForExecutions(WORKFLOW_ID, 1);
    expect(more).toEqual([]);
    expect(execution).toMatchObject({ workflowId: WORKFLOW_ID, status: 'success', mode: 'webhook', finished: true, nodes: ['InHand', 'Done'] });
    expect(execution!.outputs.Done![0]![0]).toMatchObject({ vendor: 'inhand-dm', type: 'offline', authentication: 'verified' });
  });

  it('does not serve an imported workflow that was not published', async () => {
    const answer = await postSigned(runtime, '6a2f0d1e-0000-4000-8000-000000000002');
    expect(answer.status).toBe(404);
    expect(await runtime.executions(PARKED_ID)).toEqual([]);
  });

  it('keeps workflows, credentials and executions across a restart', async () => {
    const pidBefore = runtime.pid;
    await runtime.restart();
    expect(runtime.pid).not.toBe(pidBefore);
    expect((await postSigned(runtime)).status).toBe(200);
    const all = await runtime.waitForExecutions(WORKFLOW_ID, 2);
    expect(all.map((e) => e.status)).toEqual(['success', 'success']);
  });

  it('unpublishes and republishes a workflow through the REST API while running', async () => {
    await runtime.deactivate(WORKFLOW_ID);
    expect((await postSigned(runtime)).status).toBe(404);
    await runtime.activate(WORKFLOW_ID);
    expect((await postSigned(runtime)).status).toBe(200);
    await runtime.waitForExecutions(WORKFLOW_ID, 3);
  });
});
