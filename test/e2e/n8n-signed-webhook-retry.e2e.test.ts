/**
 * A Signed Webhook retry survives an n8n restart, in real n8n 2.41.1 (test/helpers/n8n-runtime.ts), with
 * the shipped example workflow examples/n8n/signed-webhook-retry-survives-restart.json as it is, except
 * the receiver URL, the credentials and a shorter schedule (one retry after 120 s: n8n's Wait node keeps
 * waits under 65 s in the process; 120 s leaves time to stop n8n before the retry is due).
 *
 * A signed InHand alert starts the workflow; the receiver answers the first attempt 503. The Signed
 * Webhook sends the item out of its Retry output to the Wait node, and the execution is "waiting" in n8n's
 * database. n8n is stopped (SIGTERM) and started again; n8n's wait tracker resumes the execution when it
 * is due, the Wait node passes the item back to the Signed Webhook, and attempt 2 reaches the receiver
 * after the restart — with the same webhook-id, the same body and a valid signature.
 *
 * Run: npm run build && npx vitest run --config vitest.e2e.config.ts test/e2e/n8n-signed-webhook-retry.e2e.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getVendor, sign, verify } from '../../shared/src/index';
import { startN8n, stopAllN8n, type N8nNode, type N8nRuntime, type N8nWorkflow } from '../helpers/n8n-runtime';
import { startReceiver, type Receiver } from '../helpers/receiver';

const EXAMPLE = path.resolve(__dirname, '../../examples/n8n/signed-webhook-retry-survives-restart.json');
const WORKFLOW_ID = 'wfswretry0000000';
const INHAND_SECRET = 'retry-e2e-inhand-secret';
const STANDARD_SECRET = `whsec_${Buffer.from('devicehook-e2e-retry-standard-key!').toString('base64')}`;
const RETRY_SECONDS = 120;
const SEND_NODE = 'Forward (Standard Webhooks)';

function exampleWorkflow(receiverUrl: string): N8nWorkflow {
	const example = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as N8nWorkflow & { pinData?: unknown };
	delete example.pinData;
	const nodes = (example.nodes as N8nNode[]).map((node) => {
		if (node.type === 'n8n-nodes-devicehook.inHandDeviceManagerTrigger') {
			return { ...node, credentials: { inHandWebhookApi: { id: 'credswretryinhnd', name: 'retry e2e inhand' } } };
		}
		if (node.name === SEND_NODE) {
			return {
				...node,
				parameters: {
					...node.parameters,
					url: `${receiverUrl}/hooks/devices`,
					allowPrivateNetworkTargets: true,
					retryPolicy: 'custom',
					customRetries: 1,
					customDelaySeconds: RETRY_SECONDS,
					customBackoff: false,
				},
				credentials: { standardWebhooksApi: { id: 'credswretrystdwh', name: 'retry e2e standard' } },
			};
		}
		return node;
	});
	return { ...example, id: WORKFLOW_ID, name: 'e2e signed webhook retry survives restart', nodes };
}

async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

describe('n8n 2.41.1: a Signed Webhook retry through the Retry output and a Wait node survives a restart', () => {
	let runtime: N8nRuntime;
	let receiver: Receiver;

	beforeAll(async () => {
		receiver = await startReceiver((n) => (n === 0 ? { status: 503, body: 'down for maintenance' } : { status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json' } }));
		runtime = await startN8n({
			version: '2.41.1',
			credentials: [
				{ id: 'credswretryinhnd', name: 'retry e2e inhand', type: 'inHandWebhookApi', data: { secret: INHAND_SECRET, previousSecret: '' } },
				{ id: 'credswretrystdwh', name: 'retry e2e standard', type: 'standardWebhooksApi', data: { secret: STANDARD_SECRET } },
			],
			workflows: [exampleWorkflow(receiver.url)],
		});
	});

	afterAll(async () => {
		await runtime?.stop();
		await receiver?.close();
		await stopAllN8n();
	});

	it('the first attempt fails, n8n restarts mid-schedule, and attempt 2 arrives after the restart with the same webhook-id', async () => {
		const example = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as N8nWorkflow;
		const trigger = (example.nodes as N8nNode[]).find((n) => n.type === 'n8n-nodes-devicehook.inHandDeviceManagerTrigger')!;
		const alert = getVendor('inhand-dm')!.samples.offline;
		const signed = sign({ vendor: 'inhand-dm', body: alert, secret: INHAND_SECRET });
		const answer = await fetch(runtime.webhookUrl(trigger.webhookId!), {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v])) },
			body: new Uint8Array(signed.body),
			signal: AbortSignal.timeout(20_000),
		});
		expect(answer.status).toBe(200);

		// Attempt 1 is refused; the execution waits in n8n's database for the retry.
		await eventually(() => receiver.requests.length, (n) => n >= 1, 60_000, 'attempt 1');
		const waiting = await eventually(() => runtime.executions(WORKFLOW_ID), (list) => list.some((e) => e.status === 'waiting'), 60_000, 'a waiting execution');
		expect(waiting).toHaveLength(1);
		const retryItem = waiting[0]!.outputs[SEND_NODE]![1]![0]!;
		const state = retryItem.devicehookRetry as Record<string, unknown>;
		expect(state).toMatchObject({ attempt: 2, waitSeconds: RETRY_SECONDS, lastError: 'HTTP 503', messageId: receiver.requests[0]!.headers['webhook-id'] });

		// Stopped mid-schedule (before the retry is due) and started again; nothing was sent meanwhile. On a
		// loaded machine the start may take longer than the rest of the wait: then the retry is overdue and
		// n8n's wait tracker resumes it as soon as it starts.
		const stoppedAt = Date.now();
		expect(Date.parse(String(state.waitUntil))).toBeGreaterThan(stoppedAt);
		await runtime.stop();
		const downAt = Date.now();
		expect(receiver.requests).toHaveLength(1);
		await runtime.restart(); // starts it again (the process is already stopped)
		const restartedAt = Date.now();
		console.log(
			`[retry-e2e] stop began ${Math.round((Date.parse(String(state.waitUntil)) - stoppedAt) / 1000)} s before the retry was due and took ${Math.round((downAt - stoppedAt) / 1000)} s; the start took ${Math.round((restartedAt - downAt) / 1000)} s`,
		);

		const [execution, ...more] = await runtime.waitForExecutions(WORKFLOW_ID, 1, { timeoutMs: (RETRY_SECONDS + 120) * 1000, settleMs: 1000 });
		expect(restartedAt).toBeGreaterThan(downAt);
		expect(more).toEqual([]);
		expect(execution!.error).toBeUndefined();
		expect(execution!.status).toBe('success');
		expect(receiver.requests).toHaveLength(2);
		const [first, second] = receiver.requests;
		expect(second!.at).toBeGreaterThan(downAt); // sent by the n8n started after the stop
		expect(stoppedAt).toBeGreaterThan(first!.at);
		expect(second!.at - first!.at).toBeGreaterThanOrEqual(RETRY_SECONDS * 1000 - 2000);
		// The same message (webhook-id, bytes) signed afresh, without the retry field; a new request id.
		expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
		expect(second!.headers['x-request-id']).not.toBe(first!.headers['x-request-id']);
		expect(second!.body.toString('utf8')).toBe(first!.body.toString('utf8'));
		expect(second!.body.toString('utf8')).not.toContain('devicehookRetry');
		for (const request of [first!, second!]) {
			const verdict = verify({ vendor: 'standard-webhooks', rawBody: request.body, headers: request.headers, secrets: [STANDARD_SECRET] });
			expect(verdict.ok ? verdict.event.type : verdict).toBe('offline');
		}
		// The Signed Webhook ran twice in the one execution: Retry, then Sent with both attempts logged.
		const runs = execution!.runs[SEND_NODE]!;
		expect(runs).toHaveLength(2);
		const result = runs[1]![0]![0]!;
		expect(result).toMatchObject({ delivered: true, statusCode: 200 });
		expect((result.attempts as Array<Record<string, unknown>>).map((a) => [a.attempt, a.statusCode])).toEqual([
			[1, 503],
			[2, 200],
		]);
		expect(execution!.nodes).toContain('Sent');
	}, 1_500_000);
});
