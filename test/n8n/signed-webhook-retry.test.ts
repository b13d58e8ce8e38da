/**
 * The Signed Webhook's "Long Retry Waits: Through the Retry Output": a retry due in 65 s or more ends the
 * node's run and the item leaves on the Retry output with its progress (`devicehookRetry`), for a Wait
 * node that n8n persists and that leads back into the node. Fed back in, the item continues the schedule:
 * the next attempt number, the same Standard Webhooks message id, the same body (without the retry
 * field). n8n's context is the package's mock (test/helpers/n8n-context.ts), sending to a local receiver;
 * the real n8n restart is test/e2e/n8n-signed-webhook-retry.e2e.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData } from 'n8n-workflow';
import { verify } from '../../shared/src/index';
import { SignedWebhook } from '../../nodes/SignedWebhook/SignedWebhook.node';
import { LONG_WAIT_SECONDS, RETRY_FIELD } from '../../nodes/SignedWebhook/SignedWebhookDescription';
import { executeContext } from '../helpers/n8n-context';
import { startReceiver, type Behaviour, type Receiver, type ReceivedRequest } from '../helpers/receiver';

const node = new SignedWebhook();
const STANDARD = { secret: `whsec_${Buffer.from('a 24-byte test signing key').toString('base64')}` };
const HMAC = { secret: 'hmac-secret', header: 'X-Signature', algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent: 'body' };
const CREDENTIALS: Record<string, ICredentialDataDecryptedObject> = { standardWebhooksApi: STANDARD, genericHmacApi: HMAC };

let receiver: Receiver | undefined;
afterEach(async () => {
	await receiver?.close();
	receiver = undefined;
});
async function receive(script: (n: number, request: ReceivedRequest) => Behaviour): Promise<Receiver> {
	receiver = await startReceiver(script);
	return receiver;
}

/** Runs execute() and returns every output (Sent, Retry). */
async function run(parameters: Record<string, unknown>, items: IDataObject[], continueOnFail = false): Promise<INodeExecutionData[][]> {
	const harness = executeContext({
		nodeType: node,
		parameters,
		credentials: CREDENTIALS,
		continueOnFail,
		inputData: items.map((json) => ({ json })),
		node: { id: 'n1', name: 'Signed Webhook', typeVersion: 1.1 },
	});
	return await node.execute.call(harness.context);
}

const throughOutput = (url: string, scheme = 'standard-webhooks') => ({
	scheme,
	url,
	allowPrivateNetworkTargets: true,
	retryPolicy: 'custom',
	customRetries: 3,
	customDelaySeconds: 70,
	customBackoff: true,
	retryWaits: 'output',
});

/** What the Wait node does to the item: nothing, but the time passes (here: the due time is moved to now). */
function dueNow(item: INodeExecutionData): IDataObject {
	const state = item.json[RETRY_FIELD] as IDataObject;
	return { ...item.json, [RETRY_FIELD]: { ...state, waitUntil: new Date().toISOString() } };
}

describe('Signed Webhook: long retry waits through the Retry output', () => {
	it('a retry due in 70 s leaves on the Retry output at once with its progress; nothing more is sent', async () => {
		const r = await receive(() => ({ status: 503, body: 'down for maintenance' }));
		const started = Date.now();
		const outputs = await run(throughOutput(r.url), [{ type: 'device.alert', device: { iccid: '8988' } }]);
		expect(Date.now() - started).toBeLessThan(10_000);
		expect(outputs).toHaveLength(2);
		const [sent, retry] = outputs;
		expect(sent).toEqual([]);
		expect(retry).toHaveLength(1);
		expect(r.requests).toHaveLength(1);
		const item = retry![0]!;
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json.type).toBe('device.alert'); // the item's own fields stay
		const state = item.json[RETRY_FIELD] as IDataObject;
		expect(state).toMatchObject({ attempt: 2, waitSeconds: 70, vendor: 'standard-webhooks', url: r.url, lastError: 'HTTP 503', messageId: r.requests[0]!.headers['webhook-id'] });
		const due = Date.parse(String(state.waitUntil));
		expect(due - started).toBeGreaterThanOrEqual(70_000);
		expect(due - Date.now()).toBeLessThanOrEqual(70_000);
		expect(state.attempts).toHaveLength(1);
		expect((state.attempts as IDataObject[])[0]).toMatchObject({ attempt: 1, statusCode: 503, verdict: 'retry', nextRetryInMs: 70_000 });
	});

	it('fed back in after the wait: attempt 2 with the same message id and the same body, signed afresh; delivered on Sent', async () => {
		const r = await receive((n) => (n === 0 ? { status: 503 } : { status: 200, body: 'ok' }));
		const [, retry] = await run(throughOutput(r.url), [{ type: 'device.alert', n: 1 }]);
		const outputs = await run(throughOutput(r.url), [dueNow(retry![0]!)]);
		expect(outputs[1]).toEqual([]);
		expect(r.requests).toHaveLength(2);
		const [first, second] = r.requests;
		expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
		expect(second!.body.toString('utf8')).toBe(first!.body.toString('utf8'));
		expect(second!.body.toString('utf8')).not.toContain(RETRY_FIELD);
		expect(JSON.parse(second!.body.toString('utf8'))).toEqual({ type: 'device.alert', n: 1 });
		expect(verify({ vendor: 'standard-webhooks', rawBody: second!.body, headers: second!.headers, secrets: [STANDARD.secret] }).ok).toBe(true);
		const result = outputs[0]![0]!.json;
		expect(result).toMatchObject({ delivered: true, outcome: 'delivered', statusCode: 200 });
		expect((result.attempts as IDataObject[]).map((a) => [a.attempt, a.statusCode, a.verdict])).toEqual([
			[1, 503, 'retry'],
			[2, 200, 'delivered'],
		]);
		expect(result[RETRY_FIELD]).toBeUndefined();
	});

	it('continues the schedule (70 s, then 140 s) and fails for good after the last retry, with every attempt in the log', async () => {
		const r = await receive(() => ({ status: 500 }));
		const parameters = { ...throughOutput(r.url, 'generic-hmac'), customRetries: 2 };
		const [, first] = await run(parameters, [{ type: 'x' }]);
		expect((first![0]!.json[RETRY_FIELD] as IDataObject).waitSeconds).toBe(70);
		const [, second] = await run(parameters, [dueNow(first![0]!)]);
		expect(second![0]!.json[RETRY_FIELD]).toMatchObject({ attempt: 3, waitSeconds: 140 });
		const [sent, retry] = await run(parameters, [dueNow(second![0]!)], true);
		expect(retry).toEqual([]);
		expect(r.requests).toHaveLength(3);
		expect(sent![0]!.json).toMatchObject({ delivered: false, outcome: 'failed', error: 'The receiver answered HTTP 500 after 3 attempts.' });
		expect((sent![0]!.json.attempts as IDataObject[]).map((a) => a.attempt)).toEqual([1, 2, 3]);
	});

	it('an item let out early by its Wait node goes back to the Retry output unchanged, without sending', async () => {
		const r = await receive(() => ({ status: 503 }));
		const [, retry] = await run(throughOutput(r.url), [{ type: 'x' }]);
		const [sent, again] = await run(throughOutput(r.url), [retry![0]!.json]);
		expect(sent).toEqual([]);
		expect(r.requests).toHaveLength(1);
		expect(again![0]!.json[RETRY_FIELD]).toMatchObject({ attempt: 2, waitUntil: (retry![0]!.json[RETRY_FIELD] as IDataObject).waitUntil });
	});

	it(`waits shorter than ${LONG_WAIT_SECONDS} s stay in the execution: delivered on Sent, nothing on Retry`, async () => {
		const r = await receive((n) => (n === 0 ? { status: 503 } : { status: 200 }));
		const [sent, retry] = await run({ ...throughOutput(r.url), customDelaySeconds: 0.05 }, [{ type: 'x' }]);
		expect(retry).toEqual([]);
		expect(sent![0]!.json).toMatchObject({ delivered: true });
		expect(r.requests).toHaveLength(2);
	});

	it('a "devicehookRetry" field that is not a retry state is refused before sending, naming the field', async () => {
		const r = await receive(() => ({ status: 200 }));
		await expect(run(throughOutput(r.url), [{ [RETRY_FIELD]: { attempts: 'many', waitUntil: 'soon' } }])).rejects.toThrow(
			/"devicehookRetry" field is not a retry from this node's Retry output: "attempts" is not a list/,
		);
		expect(r.requests).toHaveLength(0);
	});

	it('Inside the Execution (the default) has one output and treats the field as part of the item', () => {
		const outputs = (parameters: Record<string, unknown>) => {
			const source = String(node.description.outputs).slice(3, -2);
			return new Function('$parameter', `return ${source};`)(parameters) as Array<{ displayName?: string }>;
		};
		expect(outputs({ retryWaits: 'inline' })).toHaveLength(1);
		expect(outputs({}).length).toBe(1);
		expect(outputs({ retryWaits: 'output' }).map((o) => o.displayName)).toEqual(['Sent', 'Retry']);
		const parameter = node.description.properties.find((p) => p.name === 'retryWaits')!;
		expect(parameter.default).toBe('inline');
	});
});

describe('the example workflow examples/n8n/signed-webhook-retry-survives-restart.json', () => {
	interface Node {
		name: string;
		type: string;
		typeVersion: number;
		parameters: Record<string, unknown>;
	}
	const workflow = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../examples/n8n/signed-webhook-retry-survives-restart.json'), 'utf8')) as {
		nodes: Node[];
		connections: Record<string, { main: Array<Array<{ node: string; index: number }>> }>;
	};

	it('wires Retry → Wait (until devicehookRetry.waitUntil) → back into the Signed Webhook, and Sent elsewhere', () => {
		const send = workflow.nodes.find((n) => n.type === 'n8n-nodes-devicehook.signedWebhook')!;
		expect(send.parameters.retryWaits).toBe('output');
		const [sent, retry] = workflow.connections[send.name]!.main;
		const wait = workflow.nodes.find((n) => n.name === retry![0]!.node)!;
		expect(wait.type).toBe('n8n-nodes-base.wait');
		expect(wait.parameters).toEqual({ resume: 'specificTime', dateTime: `={{ $json.${RETRY_FIELD}.waitUntil }}` });
		expect(workflow.connections[wait.name]!.main[0]).toEqual([{ node: send.name, type: 'main', index: 0 }]);
		expect(sent!.map((c) => c.node)).not.toContain(wait.name);
	});
});
