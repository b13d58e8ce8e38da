import type { IDataObject, IHookFunctions, INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { deleteWebhook, listWebhooks, registerWebhook, type EdgeSenseWebhook } from '../shared/edgesense-api';
import { chosenTypes, handleTriggerWebhook, outputsExpression, routedTypes, triggerProperties, triggerWebhooks } from '../shared/trigger';

/**
 * What the trigger keeps in the workflow's static data about its registration at EdgeSense. "Listen for
 * test event" (mode 'manual') registers the test URL under keys of its own, so that it never touches
 * the production registration of a published workflow.
 */
const PRODUCTION_KEYS = { id: 'webhookId', url: 'webhookUrl', events: 'webhookEvents', stale: 'staleWebhookId' };
const TEST_KEYS = { id: 'testWebhookId', url: 'testWebhookUrl', events: 'testWebhookEvents', stale: 'staleTestWebhookId' };
type Keys = typeof PRODUCTION_KEYS;

/** [assumed] How EdgeSense's list may say that it stopped delivering to a webhook. */
const DISABLED_STATUS = /disabled|inactive|suspended|failed/i;

function keysFor(context: IHookFunctions): Keys {
	return context.getMode() === 'manual' ? TEST_KEYS : PRODUCTION_KEYS;
}

function registrationEnabled(context: IHookFunctions): boolean {
	return context.getNodeParameter('registerWebhook', true) !== false;
}

/** The event types to subscribe to: the chosen ones, or every catalogued type when none are chosen. */
function wantedEvents(context: IHookFunctions): string[] {
	return routedTypes('edgesense', chosenTypes(context.getNodeParameter('eventTypes', [])));
}

function ownUrl(context: IHookFunctions): string {
	const url = context.getNodeWebhookUrl('default');
	if (!url) throw new NodeOperationError(context.getNode(), 'n8n could not tell this trigger\u2019s webhook URL, so it cannot be registered at EdgeSense.');
	return url;
}

function sameEvents(listed: string[] | undefined, wanted: string[]): boolean {
	if (listed === undefined) return true; // EdgeSense did not say: trust the registration
	const a = [...new Set(listed)].sort();
	const b = [...new Set(wanted)].sort();
	return a.length === b.length && a.every((value, index) => value === b[index]);
}

function forget(data: IDataObject, keys: Keys): void {
	delete data[keys.id];
	delete data[keys.url];
	delete data[keys.events];
}

function isOurs(hook: EdgeSenseWebhook, url: string, staleId: unknown): boolean {
	return hook.webhookId === staleId || hook.url === url;
}

export class EdgeSenseTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'EdgeSense Trigger',
		name: 'edgeSenseTrigger',
		icon: { light: 'file:../../icons/edgesense.svg', dark: 'file:../../icons/edgesense.dark.svg' },
		group: ['trigger'],
		version: 1,
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

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				if (!registrationEnabled(this)) return true;
				const keys = keysFor(this);
				const data = this.getWorkflowStaticData('node');
				const webhookId = data[keys.id];
				if (typeof webhookId !== 'string' || webhookId === '') return false;
				const url = ownUrl(this);
				const hook = (await listWebhooks.call(this)).find((entry) => entry.webhookId === webhookId);
				// EdgeSense disables a webhook after repeated failed deliveries (e.g. while n8n was down).
				const disabled = hook?.status !== undefined && DISABLED_STATUS.test(hook.status);
				if (hook && !disabled && (hook.url === undefined || hook.url === url) && sameEvents(hook.events, wantedEvents(this))) return true;
				// Gone, disabled, or pointing elsewhere / at other events: register afresh (create() removes a stale one).
				if (hook) data[keys.stale] = webhookId;
				forget(data, keys);
				const why = !hook ? 'is no longer registered at EdgeSense' : disabled ? `was ${hook.status} by EdgeSense` : 'no longer matches this trigger';
				this.logger.info(`EdgeSense webhook ${webhookId} ${why}; registering it again.`);
				return false;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				if (!registrationEnabled(this)) return true;
				const keys = keysFor(this);
				const url = ownUrl(this);
				const events = wantedEvents(this);
				const credentials = await this.getCredentials('edgeSenseApi');
				const secret = typeof credentials.secret === 'string' ? credentials.secret : '';
				if (secret === '') {
					throw new NodeOperationError(this.getNode(), 'Enter a webhook secret in the EdgeSense API credential: EdgeSense signs its webhooks with it.');
				}
				const data = this.getWorkflowStaticData('node');
				// A registration this workflow lost track of would deliver every event twice: remove it first.
				for (const hook of await listWebhooks.call(this)) {
					if (!isOurs(hook, url, data[keys.stale])) continue;
					await deleteWebhook.call(this, hook.webhookId);
					this.logger.info(`Removed the earlier EdgeSense webhook ${hook.webhookId} of this trigger before registering it again.`);
				}
				delete data[keys.stale];
				const registered = await registerWebhook.call(this, { url, events, secret });
				data[keys.id] = registered.webhookId;
				data[keys.url] = url;
				data[keys.events] = events;
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				if (!registrationEnabled(this)) return true;
				const keys = keysFor(this);
				const data = this.getWorkflowStaticData('node');
				const webhookId = data[keys.id];
				if (typeof webhookId !== 'string' || webhookId === '') return true;
				try {
					await deleteWebhook.call(this, webhookId);
				} catch (error) {
					// Keep the id: the next activation finds the registration again instead of adding a second one.
					this.logger.warn(`Could not remove EdgeSense webhook ${webhookId}: ${(error as Error).message}`);
					return false;
				}
				forget(data, keys);
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleTriggerWebhook.call(this, { vendor: 'edgesense', credentialName: 'edgeSenseApi' });
	}
}
