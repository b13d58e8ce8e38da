/**
 * Answer modes in Node-RED: `devicehook in` with Answer "when the flow has finished" holds the sender's
 * answer until a `devicehook response` node gets the message — 200 on success, the failure status from a
 * catch node's path, 503 (or 200) after the timeout — while refusals are still answered at once.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { sign, vendors } from '../../shared/src/index';

const require = createRequire(__filename);
const helper = require('node-red-node-test-helper');
const DIST = join(__dirname, '..', '..', 'node-red', 'dist', 'nodes');
const vendorNode = require(join(DIST, 'devicehook-vendor.js'));
const inNode = require(join(DIST, 'devicehook-in.js'));
const responseNode = require(join(DIST, 'devicehook-response.js'));
const functionNode = require('@node-red/nodes/core/function/10-function.js');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

helper.init(require.resolve('node-red'));
const userDir = mkdtempSync(join(tmpdir(), 'devicehook-nr-answer-'));

let RED: { httpNode: unknown } | undefined;
const capturing = (module: (red: never) => void) => (red: never) => {
  RED = red;
  return module(red);
};

beforeAll(() => helper.settings({ userDir }));
afterEach(async () => {
  await helper.unload();
});
afterAll(() => rmSync(userDir, { recursive: true, force: true }));

const SECRET = 'nr-answer-secret';
const NODES = [vendorNode, capturing(inNode), responseNode, functionNode, catchNode];

/** devicehook in (answer settings `answer`) → function (`code`) → devicehook response; catch → devicehook response. */
function flow(answer: Record<string, unknown>, code = 'return msg;') {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'v1', z: 'f1', type: 'devicehook-vendor', vendor: 'inhand-dm' },
    { id: 'in1', z: 'f1', type: 'devicehook in', url: '/hooks/answer', vendor: 'v1', types: [], outputs: 1, ...answer, wires: [['fn1']] },
    { id: 'fn1', z: 'f1', type: 'function', func: code, outputs: 1, wires: [['r1']] },
    { id: 'r1', z: 'f1', type: 'devicehook response', outcome: 'auto', wires: [] },
    { id: 'c1', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['r2']] },
    { id: 'r2', z: 'f1', type: 'devicehook response', outcome: 'auto', wires: [] },
  ];
}

function post(body = vendors['inhand-dm'].samples['offline'], secret = SECRET) {
  const signed = sign({ vendor: 'inhand-dm', body, secret });
  return supertest(RED!.httpNode as never).post('/hooks/answer').set(signed.headers).send(signed.body.toString());
}

describe('devicehook in, Answer "when the flow has finished"', () => {
  it('answers 200 {received, type} once the message reached devicehook response, not before', async () => {
    // The function node holds the message 300 ms: the answer must not come earlier.
    await helper.load(NODES, flow({ answer: 'after_flow' }, 'setTimeout(() => { node.send(msg); node.done(); }, 300); return null;'), { v1: { secret: SECRET } });
    const statuses: unknown[] = [];
    helper.getNode('r1').on('call:status', (call: { args: unknown[] }) => statuses.push(call.args[0]));
    const res = await post();
    // By the time the sender has its answer, the response node has already had the message.
    expect(statuses).toEqual([expect.objectContaining({ fill: 'green', text: 'devicehook-response.status.answered' })]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, type: 'offline' });
  });

  it("answers the failure status (500 by default) processing_failed when a node fails and a catch node's message reaches devicehook response", async () => {
    await helper.load(NODES, flow({ answer: 'after_flow' }, 'throw new Error("database down: password=hunter2");'), { v1: { secret: SECRET } });
    const res = await post();
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: 'processing_failed', message: expect.stringContaining('offline') });
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    const in1 = helper.getNode('in1');
    const own = in1.status.getCalls().filter((call: { thisValue: unknown }) => call.thisValue === in1);
    expect(own.at(-1).args[0]).toMatchObject({ fill: 'yellow', text: 'devicehook-in.status.counts-after-flow' });
  });

  it('answers the chosen failure status (400, as InHand allows)', async () => {
    await helper.load(NODES, flow({ answer: 'after_flow', failureStatus: '400' }, 'throw new Error("nope");'), { v1: { secret: SECRET } });
    const res = await post();
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('processing_failed');
  });

  it('a devicehook response set to "failure" answers the failure status for any message', async () => {
    const nodes = flow({ answer: 'after_flow', failureStatus: '502' });
    (nodes.find((n) => n.id === 'r1') as Record<string, unknown>)['outcome'] = 'failure';
    await helper.load(NODES, nodes, { v1: { secret: SECRET } });
    const res = await post();
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('processing_failed');
  });

  it('answers 503 processing_timeout when no devicehook response comes within the timeout', async () => {
    await helper.load(NODES, flow({ answer: 'after_flow', answerTimeout: '200' }, 'return null;'), { v1: { secret: SECRET } });
    const res = await post();
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ code: 'processing_timeout', message: expect.stringContaining('200 ms') });
  });

  it('answers 200 after the timeout when chosen, and a late devicehook response changes nothing', async () => {
    await helper.load(NODES, flow({ answer: 'after_flow', answerTimeout: '150', timeoutStatus: '200' }, 'setTimeout(() => { node.send(msg); node.done(); }, 400); return null;'), {
      v1: { secret: SECRET },
    });
    const statuses: unknown[] = [];
    helper.getNode('r1').on('call:status', (call: { args: unknown[] }) => statuses.push(call.args[0]));
    const res = await post();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, type: 'offline', message: expect.stringContaining('150 ms') });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(statuses).toContainEqual(expect.objectContaining({ text: 'devicehook-response.status.already' }));
  });

  it('still refuses a bad signature at once, starting nothing', async () => {
    await helper.load(NODES, flow({ answer: 'after_flow', answerTimeout: '5000' }), { v1: { secret: SECRET } });
    const res = await post(vendors['inhand-dm'].samples['offline'], 'wrong-secret');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('signature_mismatch');
  });

  it('refuses every request 400 invalid_input naming the field when the failure status is unusable, with a red status', async () => {
    await helper.load(NODES, flow({ answer: 'after_flow', failureStatus: '200' }), { v1: { secret: SECRET } });
    const res = await post();
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 'invalid_input', message: expect.stringContaining('options.failureStatus') });
    expect(helper.getNode('in1').status.lastCall.args[0]).toMatchObject({ fill: 'red', text: 'devicehook-in.status.invalid-options' });
  });

  it('answers 503 to a held request when the flow is redeployed before it finished', async () => {
    await helper.load(NODES, flow({ answer: 'after_flow', answerTimeout: '10000' }, 'return null;'), { v1: { secret: SECRET } });
    const pending = post();
    const answered = pending.then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await helper.unload();
    const res = await answered;
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('processing_timeout');
  });
});

describe('devicehook in, Answer "at once" (the default)', () => {
  it('answers 200 before the flow has run, a failing flow changes nothing, and devicehook response has nothing to answer', async () => {
    await helper.load(NODES, flow({}, 'setTimeout(() => { node.send(msg); node.done(); }, 300); return null;'), { v1: { secret: SECRET } });
    const statuses: unknown[] = [];
    helper.getNode('r1').on('call:status', (call: { args: unknown[] }) => statuses.push(call.args[0]));
    const res = await post();
    // Answered while the flow still holds the message: the response node has not seen it yet.
    expect(statuses).toEqual([]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, type: 'offline' });
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(statuses).toContainEqual(expect.objectContaining({ text: 'devicehook-response.status.nothing' }));
  });
});
