/**
 * Answer modes in real Node-RED (4 on Node 20, 5 on Node 24), the @devicehook/node-red release tarball
 * installed as the palette manager installs it, flows deployed through the admin API: `devicehook in` with
 * Answer "when the flow has finished" answers 200 when its flow reached `devicehook response`, the failure
 * status when a node failed and a catch node's message reached it, and 503 when nothing answered in time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign, vendors } from '../../shared/src/index';
import { startNodeRed, stopAll, type FlowNode, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { releaseTarballs } from '../helpers/release-tarballs';

const SECRET = 'e2e-answer-secret';

/** Three receivers in after_flow mode: one whose flow succeeds, one whose function node throws (caught), one that never answers. */
function flows(): FlowNode[] {
  const receiver = (id: string, extra: Record<string, unknown>, wires: string[]): FlowNode => ({
    id,
    type: 'devicehook in',
    z: 'tab',
    url: `/hooks/${id}`,
    vendor: 'cfg',
    types: [],
    outputs: 1,
    answer: 'after_flow',
    ...extra,
    wires: [wires],
  });
  return [
    { id: 'tab', type: 'tab', label: 'answers' },
    { id: 'cfg', type: 'devicehook-vendor', vendor: 'edgesense', credentials: { secret: SECRET } },
    receiver('ok', {}, ['fnok']),
    { id: 'fnok', type: 'function', z: 'tab', func: 'msg.processed = true; return msg;', outputs: 1, wires: [['respok']] },
    { id: 'respok', type: 'devicehook response', z: 'tab', outcome: 'auto', wires: [] },
    receiver('fail', { failureStatus: '500' }, ['fnfail']),
    { id: 'fnfail', type: 'function', z: 'tab', func: 'throw new Error("the database is down");', outputs: 1, wires: [['respfailunused']] },
    { id: 'respfailunused', type: 'devicehook response', z: 'tab', outcome: 'auto', wires: [] },
    { id: 'catchfail', type: 'catch', z: 'tab', scope: ['fnfail'], uncaught: false, wires: [['respfail']] },
    { id: 'respfail', type: 'devicehook response', z: 'tab', outcome: 'auto', wires: [] },
    receiver('late', { answerTimeout: '400', timeoutStatus: '503' }, ['fnlate']),
    { id: 'fnlate', type: 'function', z: 'tab', func: 'return null;', outputs: 1, wires: [[]] },
  ];
}

afterAll(() => stopAll());

describe.each(['4', '5'] as const)('Node-RED %s: answer when the flow has finished', (major) => {
  let runtime: NodeRedRuntime;
  beforeAll(async () => {
    runtime = await startNodeRed({ major, packages: [releaseTarballs().nodeRed] });
    await runtime.deploy(flows());
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  const post = (path: string) => {
    const signed = sign({ vendor: 'edgesense', body: vendors.edgesense.samples['device.alert'], secret: SECRET });
    return fetch(`${runtime.url}/hooks/${path}`, { method: 'POST', headers: signed.headers, body: new Uint8Array(signed.body) });
  };

  it('the flow succeeds → 200 {received, type}; a node fails → 500 processing_failed; nothing answers → 503 processing_timeout', async () => {
    const ok = await post('ok');
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(await ok.json()).toEqual({ received: true, type: 'device.alert' });

    const failed = await post('fail');
    expect(failed.status).toBe(500);
    const failure = await failed.json();
    expect(failure).toEqual({ code: 'processing_failed', message: expect.stringContaining('device.alert') });
    expect(JSON.stringify(failure)).not.toContain('database');

    const late = await post('late');
    expect(late.status).toBe(503);
    expect(await late.json()).toEqual({ code: 'processing_timeout', message: expect.stringContaining('400 ms') });
  });

  it('still refuses a bad signature at once', async () => {
    const forged = sign({ vendor: 'edgesense', body: vendors.edgesense.samples['device.alert'], secret: 'not-the-secret' });
    const res = await fetch(`${runtime.url}/hooks/ok`, { method: 'POST', headers: forged.headers, body: new Uint8Array(forged.body) });
    expect(res.status).toBe(401);
  });
});
