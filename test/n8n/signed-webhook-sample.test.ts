/**
 * The Signed Webhook's "Vendor Sample Event" body: every sample of every vendor's catalogue, chosen by
 * type, signed as the vendor signs; what arrives verifies with the core and reads as the chosen type, and
 * a DeviceHook trigger given the same bytes starts an execution with it (what a user does by aiming the
 * node at the trigger's test URL). n8n's context is the package's mock (test/helpers/n8n-context.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ICredentialDataDecryptedObject, IDataObject, INodeProperties } from 'n8n-workflow';
import { vendorIds, vendors, verify, type VendorId } from '../../shared/src/index';
import { SignedWebhook } from '../../nodes/SignedWebhook/SignedWebhook.node';
import { ScalefusionTrigger } from '../../nodes/Scalefusion/ScalefusionTrigger.node';
import { credentialSchemeOptions } from '../../nodes/shared/trigger/credentials';
import { executeContext, webhookContext } from '../helpers/n8n-context';
import { startReceiver, type Receiver } from '../helpers/receiver';

const node = new SignedWebhook();
const CREDENTIALS: Record<string, ICredentialDataDecryptedObject> = {
	genericHmacApi: { secret: 'hmac-secret', header: 'X-Signature', algorithm: 'sha256', encoding: 'hex', prefix: '', signedContent: 'body' },
	standardWebhooksApi: { secret: `whsec_${Buffer.from('a 24-byte test signing key').toString('base64')}` },
	inHandWebhookApi: { secret: 'inhand-secret' },
	scalefusionWebhookApi: { secret: 'sf-secret' },
	edgeSenseApi: { baseUrl: 'https://api.edgesense.invalid', headerName: 'X-API-Key', apiKey: 'k', secret: 'edge-secret' },
	oneNceApi: { baseUrl: 'https://api.1nce.invalid', username: 'u', password: 'p', authHeaderName: 'x-1nce-auth', secret: 'static-header-value' },
};
const CREDENTIAL_OF: Record<VendorId, string> = {
	'1nce': 'oneNceApi',
	edgesense: 'edgeSenseApi',
	'generic-hmac': 'genericHmacApi',
	'incloud-manager': 'inHandWebhookApi',
	'inhand-dm': 'inHandWebhookApi',
	scalefusion: 'scalefusionWebhookApi',
	'standard-webhooks': 'standardWebhooksApi',
};

let receiver: Receiver | undefined;
afterEach(async () => {
	await receiver?.close();
	receiver = undefined;
});

async function sendSample(scheme: VendorId, sampleType: string, url: string) {
	const harness = executeContext({
		nodeType: node,
		parameters: { scheme, url, body: 'sample', sampleType, allowPrivateNetworkTargets: true, retryPolicy: 'none' },
		credentials: CREDENTIALS,
		inputData: [{ json: { unrelated: 'item fields are not sent' } }],
		node: { id: 'n1', name: 'Signed Webhook', typeVersion: 1.1 },
	});
	return await node.execute.call(harness.context);
}

describe('Signed Webhook: Vendor Sample Event body', () => {
	it('each scheme offers exactly its vendor\'s sample types, shown only for that scheme', () => {
		const parameters = node.description.properties.filter((p) => p.name === 'sampleType');
		expect(parameters).toHaveLength(vendorIds.length);
		for (const vendor of vendorIds) {
			const parameter = parameters.find((p) => (p.displayOptions?.show?.scheme as string[] | undefined)?.includes(vendor)) as INodeProperties;
			expect(parameter.displayOptions?.show).toEqual({ body: ['sample'], scheme: [vendor] });
			expect((parameter.options as Array<{ value: string }>).map((o) => o.value).sort()).toEqual(Object.keys(vendors[vendor].samples).sort());
			expect(Object.keys(vendors[vendor].samples)).toContain(parameter.default);
		}
	});

	it.each(vendorIds.flatMap((vendor) => Object.keys(vendors[vendor].samples).map((type) => [vendor, type] as const)))(
		'%s "%s": sent signed, verified by the core as that type',
		async (vendor, type) => {
			receiver = await startReceiver(() => ({ status: 200 }));
			const [[result]] = (await sendSample(vendor, type, receiver.url)) as [[{ json: IDataObject }]];
			expect(result.json.delivered).toBe(true);
			const [request] = receiver.requests;
			const credentials = CREDENTIALS[CREDENTIAL_OF[vendor]]!;
			const verdict = verify({ vendor, rawBody: request!.body, headers: request!.headers, secrets: [String(credentials.secret)], options: { scheme: credentialSchemeOptions(vendor, credentials) } });
			expect(verdict.ok ? verdict.event.type : verdict).toBe(type);
			expect(request!.body.toString('utf8')).not.toContain('item fields are not sent');
		},
	);

	it('a sample type the scheme does not have is refused before sending, listing the ones it has', async () => {
		receiver = await startReceiver(() => ({ status: 200 }));
		await expect(sendSample('scalefusion', 'offline', receiver.url)).rejects.toThrow('There is no Scalefusion sample event of type "offline".');
		expect(receiver.requests).toHaveLength(0);
	});

	it('a DeviceHook trigger with the same secret accepts what the node sent and starts an execution of that type', async () => {
		receiver = await startReceiver(() => ({ status: 200 }));
		await sendSample('scalefusion', 'device.lost', receiver.url);
		const [request] = receiver.requests;
		const trigger = new ScalefusionTrigger();
		const harness = webhookContext({
			nodeType: trigger,
			parameters: { eventTypes: [], routeByType: false, output: 'event', options: {} },
			credentials: { scalefusionWebhookApi: CREDENTIALS.scalefusionWebhookApi! },
			request: { body: request!.body, headers: Object.fromEntries(Object.entries(request!.headers).map(([k, v]) => [k, String(v)])) },
			overrides: { getWorkflow: () => ({ id: 'wf-sample', name: 'sample', active: true }) },
		});
		const answer = await trigger.webhook.call(harness.context);
		const items = answer.workflowData?.flat() ?? [];
		expect(items).toHaveLength(1);
		expect(items[0]!.json).toMatchObject({ vendor: 'scalefusion', type: 'device.lost', authentication: 'verified' });
	});
});
