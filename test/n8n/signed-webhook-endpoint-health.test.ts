/**
 * Endpoint health in the Signed Webhook node: the 1NCE and EdgeSense retry policies disable an endpoint
 * after a delivery that failed all its attempts (1NCE's INTEGRATION_FAILED), and any policy after 410
 * Gone; the state lives in the node's workflow static data (n8n saves it with the workflow after
 * production runs, where every n8n process reads it); a disabled endpoint is refused before anything is
 * sent, with an error that says how to re-enable it; a new Re-Enable Stamp re-enables it once.
 * n8n's context is the package's mock (test/helpers/n8n-context.ts), sharing one static data object
 * between runs as n8n shares the saved one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NodeApiError } from 'n8n-workflow';
import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData } from 'n8n-workflow';
import { SignedWebhook } from '../../nodes/SignedWebhook/SignedWebhook.node';
import { RETRY_FIELD } from '../../nodes/SignedWebhook/SignedWebhookDescription';
import { executeContext } from '../helpers/n8n-context';
import { startReceiver, type Behaviour, type Receiver } from '../helpers/receiver';

const node = new SignedWebhook();
const ONENCE = { baseUrl: 'https://api.1nce.invalid', username: 'u', password: 'p', authHeaderName: 'x-1nce-auth', secret: 'static-header-value' };
const HMAC = { secret: 'hmac-secret', header: 'X-Signature', algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent: 'body' };
const CREDENTIALS: Record<string, ICredentialDataDecryptedObject> = { oneNceApi: ONENCE, genericHmacApi: HMAC };

let receiver: Receiver | undefined;
afterEach(async () => {
	await receiver?.close();
	receiver = undefined;
});
async function receive(script: (n: number) => Behaviour): Promise<Receiver> {
	receiver = await startReceiver(script);
	return receiver;
}

async function run(parameters: Record<string, unknown>, items: IDataObject[], staticData: IDataObject, continueOnFail = false): Promise<INodeExecutionData[][]> {
	const harness = executeContext({
		nodeType: node,
		parameters: { allowPrivateNetworkTargets: true, ...parameters },
		credentials: CREDENTIALS,
		continueOnFail,
		staticData,
		inputData: items.map((json) => ({ json })),
		node: { id: 'n1', name: 'Signed Webhook', typeVersion: 1.1 },
	});
	return await node.execute.call(harness.context);
}

/** Runs the 1NCE schedule (5 attempts) through the Retry output, feeding each retry back in at once. */
async function oneNceDelivery(url: string, staticData: IDataObject, options: IDataObject = {}): Promise<INodeExecutionData[]> {
	const parameters = { scheme: '1nce', url, retryPolicy: '1nce', retryWaits: 'output', options };
	let items: IDataObject[] = [{ type: 'LIFECYCLE', iccid: '8988' }];
	for (;;) {
		const [sent, retry] = await run(parameters, items, staticData, true);
		if (retry!.length === 0) return sent!;
		items = retry!.map((item) => ({ ...item.json, [RETRY_FIELD]: { ...(item.json[RETRY_FIELD] as IDataObject), waitUntil: new Date().toISOString() } }));
	}
}

describe('Signed Webhook: endpoint health', () => {
	it('1NCE: a delivery that fails all 5 attempts disables the endpoint; the next item is refused unsent, naming how to re-enable', async () => {
		const r = await receive(() => ({ status: 500 }));
		const staticData: IDataObject = {};
		const [failed] = await oneNceDelivery(r.url, staticData);
		expect(failed!.json).toMatchObject({ delivered: false, outcome: 'failed', endpoint: { status: 'failed', consecutiveFailures: 1 } });
		expect(r.requests).toHaveLength(5);
		expect((staticData.endpoints as IDataObject)[r.url]).toMatchObject({ status: 'failed', reason: 'The receiver answered HTTP 500 after 5 attempts.' });

		const error = await run({ scheme: '1nce', url: r.url, retryPolicy: '1nce' }, [{ type: 'LIFECYCLE' }], staticData).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as NodeApiError).message).toMatch(
			new RegExp(`^The endpoint ${r.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is disabled since \\S+ after 1 failed delivery \\(The receiver answered HTTP 500 after 5 attempts\\)\\. Set Options → Re-Enable Stamp to a new value and save the workflow to send again\\.$`),
		);
		expect((error as NodeApiError).description).toMatch(/^Nothing was sent\./);
		expect(r.requests).toHaveLength(5);
	});

	it('a new Re-Enable Stamp re-enables the endpoint once; the same token again does not re-enable it a second time', async () => {
		let answer = 500;
		const r = await receive(() => ({ status: answer }));
		const staticData: IDataObject = {};
		await oneNceDelivery(r.url, staticData);
		answer = 200;
		const [sent] = await run({ scheme: '1nce', url: r.url, retryPolicy: '1nce', options: { reenableStamp: '2026-12-03' } }, [{ type: 'LIFECYCLE' }], staticData);
		expect(sent![0]!.json).toMatchObject({ delivered: true, reenabledEndpoints: [r.url], endpoint: { status: 'active', consecutiveFailures: 0 } });
		expect(r.requests).toHaveLength(6);
		expect(staticData.endpoints).toEqual({}); // healthy endpoints are not stored
		expect(staticData.reenableStamp).toBe('2026-12-03');

		answer = 500;
		await oneNceDelivery(r.url, staticData, { reenableStamp: '2026-12-03' });
		const [refused] = await run({ scheme: '1nce', url: r.url, retryPolicy: '1nce', options: { reenableStamp: '2026-12-03' } }, [{ type: 'LIFECYCLE' }], staticData, true);
		expect(refused![0]!.json).toMatchObject({ outcome: 'endpoint_failed', delivered: false });
		expect(String(refused![0]!.json.error)).toMatch(/is disabled since/);
		expect(r.requests).toHaveLength(11);
	});

	it('410 Gone disables the endpoint under any policy; other endpoints of the node still send', async () => {
		const r = await receive(() => ({ status: 410 }));
		const other = await startReceiver(() => ({ status: 200 }));
		try {
			const staticData: IDataObject = {};
			await run({ scheme: 'generic-hmac', url: r.url, retryPolicy: 'default' }, [{ type: 'x' }], staticData, true);
			const [again] = await run({ scheme: 'generic-hmac', url: r.url, retryPolicy: 'default' }, [{ type: 'x' }], staticData, true);
			expect(again![0]!.json.outcome).toBe('endpoint_failed');
			expect(r.requests).toHaveLength(1);
			const [fine] = await run({ scheme: 'generic-hmac', url: other.url, retryPolicy: 'default' }, [{ type: 'x' }], staticData);
			expect(fine![0]!.json.delivered).toBe(true);
		} finally {
			await other.close();
		}
	});

	it('the Default policy counts failures without disabling; a success clears the count', async () => {
		let answer = 400;
		const r = await receive(() => ({ status: answer }));
		const staticData: IDataObject = {};
		for (let n = 0; n < 3; n++) await run({ scheme: 'generic-hmac', url: r.url, retryPolicy: 'default' }, [{ type: 'x' }], staticData, true);
		expect((staticData.endpoints as IDataObject)[r.url]).toMatchObject({ status: 'active', consecutiveFailures: 3 });
		answer = 200;
		const [sent] = await run({ scheme: 'generic-hmac', url: r.url, retryPolicy: 'default' }, [{ type: 'x' }], staticData);
		expect(sent![0]!.json.delivered).toBe(true);
		expect(staticData.endpoints).toEqual({});
		expect(r.requests).toHaveLength(4);
	});
});
