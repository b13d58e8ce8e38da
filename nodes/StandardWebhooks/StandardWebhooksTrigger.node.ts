import type { INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { checkSigningSecret } from '../shared/credential-test';
import { handleTriggerWebhook, triggerWebhooks } from '../shared/trigger/handler';
import { outputsExpression } from '../shared/trigger/outputs';
import { triggerProperties } from '../shared/trigger/parameters';

export class StandardWebhooksTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Standard Webhooks Trigger',
		name: 'standardWebhooksTrigger',
		icon: { light: 'file:../../icons/standard-webhooks.svg', dark: 'file:../../icons/standard-webhooks.dark.svg' },
		group: ['trigger'],
		// 1.1: n8n evaluates no expression of its own per request (see nodes/shared/trigger/handler.ts).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["routeByType"] ? "routed by event type" : "events"}}',
		description: 'Starts the workflow when a Standard Webhooks sender (Svix and others) posts a signed event',
		defaults: { name: 'Standard Webhooks Trigger' },
		inputs: [],
		outputs: outputsExpression('standard-webhooks'),
		credentials: [{ name: 'standardWebhooksApi', required: true, testedBy: 'checkSigningSecret' }],
		webhooks: triggerWebhooks,
		properties: triggerProperties({ vendor: 'standard-webhooks', noun: 'Event' }),
	};

	methods = { credentialTest: { checkSigningSecret } };

	// Each sender has its own way to add an endpoint: nothing to register here.
	webhookMethods = {
		default: {
			async checkExists(): Promise<boolean> {
				return true;
			},
			async create(): Promise<boolean> {
				return true;
			},
			async delete(): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleTriggerWebhook.call(this, { vendor: 'standard-webhooks', credentialName: 'standardWebhooksApi' });
	}
}
