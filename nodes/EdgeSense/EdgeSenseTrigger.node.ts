import type { IHookFunctions, INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { deleteWebhook, listWebhooks, registerWebhook, type EdgeSenseWebhook } from '../shared/edgesense-api';
import { registrationLifecycle } from '../shared/registration';
import { handleTriggerWebhook, triggerWebhooks } from '../shared/trigger/handler';
import { chosenTypes, outputsExpression, routedTypes } from '../shared/trigger/outputs';
import { triggerProperties } from '../shared/trigger/parameters';

/**
 * What the trigger keeps in the workflow's static data about its registration at EdgeSense. "Listen for
 * test event" (mode 'manual') registers the test URL under keys of its own, so that it never touches
 * the production registration of a published workflow.
 */
const PRODUCTION_KEYS = { id: 'webhookId', url: 'webhookUrl', events: 'webhookEvents', stale: 'staleWebhookId' };
const TEST_KEYS = { id: 'testWebhookId', url: 'testWebhookUrl', events: 'testWebhookEvents', stale: 'staleTestWebhookId' };

/** [assumed] How EdgeSense's list may say that it stopped delivering to a webhook. */
const DISABLED_STATUS = /disabled|inactive|suspended|failed/i;

/** The event types to subscribe to: the chosen ones, or every catalogued type when none are chosen. */
function wantedEvents(context: IHookFunctions): string[] {
	return routedTypes('edgesense', chosenTypes(context.getNodeParameter('eventTypes', [])));
}

function sameEvents(listed: string[] | undefined, wanted: string[]): boolean {
	if (listed === undefined) return true; // EdgeSense did not say: trust the registration
	const a = [...new Set(listed)].sort();
	const b = [...new Set(wanted)].sort();
	return a.length === b.length && a.every((value, index) => value === b[index]);
}

function isOurs(hook: EdgeSenseWebhook, url: string, staleId: unknown): boolean {
	return hook.webhookId === staleId || hook.url === url;
}

/** The trigger's registration at EdgeSense: a webhook, signed with the credential's webhook secret. */
const registration = registrationLifecycle<EdgeSenseWebhook, string>({
	keys: { production: PRODUCTION_KEYS, test: TEST_KEYS },
	noUrlMessage: 'n8n could not tell this trigger\u2019s webhook URL, so it cannot be registered at EdgeSense.',
	wantedEvents() {
		return wantedEvents(this);
	},
	async find(webhookId) {
		return (await listWebhooks.call(this)).find((entry) => entry.webhookId === webhookId);
	},
	problemWith(hook, url) {
		// EdgeSense disables a webhook after repeated failed deliveries (e.g. while n8n was down).
		if (hook.status !== undefined && DISABLED_STATUS.test(hook.status)) return `was ${hook.status} by EdgeSense`;
		if ((hook.url === undefined || hook.url === url) && sameEvents(hook.events, wantedEvents(this))) return undefined;
		return 'no longer matches this trigger';
	},
	async prepare() {
		const credentials = await this.getCredentials('edgeSenseApi');
		const secret = typeof credentials.secret === 'string' ? credentials.secret : '';
		if (secret === '') {
			throw new NodeOperationError(this.getNode(), 'Enter a webhook secret in the EdgeSense API credential: EdgeSense signs its webhooks with it.');
		}
		return secret;
	},
	async removeStale(staleId, url) {
		for (const hook of await listWebhooks.call(this)) {
			if (!isOurs(hook, url, staleId)) continue;
			await deleteWebhook.call(this, hook.webhookId);
			this.logger.info(`Removed the earlier EdgeSense webhook ${hook.webhookId} of this trigger before registering it again.`);
		}
	},
	async register({ url, events, prepared: secret }) {
		return (await registerWebhook.call(this, { url, events, secret })).webhookId;
	},
	async remove(webhookId) {
		await deleteWebhook.call(this, webhookId);
	},
	messages: {
		gone: 'is no longer registered at EdgeSense',
		replacing: (webhookId, why) => `EdgeSense webhook ${webhookId} ${why}; registering it again.`,
		removeFailed: (webhookId, error) => `Could not remove EdgeSense webhook ${webhookId}: ${error}`,
	},
});

export class EdgeSenseTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'EdgeSense Trigger',
		name: 'edgeSenseTrigger',
		icon: { light: 'file:../../icons/edgesense.svg', dark: 'file:../../icons/edgesense.dark.svg' },
		group: ['trigger'],
		// 1.1: n8n evaluates no expression of its own per request (see nodes/shared/trigger/handler.ts).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["routeByType"] ? "routed by event type" : "events"}}',
		description: 'Starts the workflow when EdgeSense.io sends a signed webhook event; registers the webhook at EdgeSense for you',
		defaults: { name: 'EdgeSense Trigger' },
		inputs: [],
		outputs: outputsExpression('edgesense'),
		credentials: [{ name: 'edgeSenseApi', required: true }],
		webhooks: triggerWebhooks,
		properties: triggerProperties({
			vendor: 'edgesense',
			noun: 'Event',
			leading: [
				{
					displayName: 'Register Webhook at EdgeSense',
					name: 'registerWebhook',
					type: 'boolean',
					default: true,
					description:
						'Whether to register this trigger\u2019s URL at EdgeSense (with the chosen event types and the credential\u2019s webhook secret) when the workflow is published, and remove it when it is unpublished',
				},
				{
					displayName:
						'Register this trigger\u2019s production URL at EdgeSense yourself, with the webhook secret of the EdgeSense API credential: requests signed with another secret are refused.',
					name: 'manualRegistrationNotice',
					type: 'notice',
					default: '',
					displayOptions: { show: { registerWebhook: [false] } },
				},
			],
		}),
	};

	webhookMethods = { default: registration };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleTriggerWebhook.call(this, { vendor: 'edgesense', credentialName: 'edgeSenseApi' });
	}
}
