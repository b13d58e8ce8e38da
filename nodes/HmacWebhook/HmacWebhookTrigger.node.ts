import type { INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { checkSigningSecret } from '../shared/credential-test';
import { handleTriggerWebhook, triggerWebhooks } from '../shared/trigger/handler';
import { outputsExpression } from '../shared/trigger/outputs';
import { triggerProperties } from '../shared/trigger/parameters';

export class HmacWebhookTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HMAC Webhook Trigger',
		name: 'hmacWebhookTrigger',
		icon: { light: 'file:../../icons/devicehook.svg', dark: 'file:../../icons/devicehook.dark.svg' },
		group: ['trigger'],
		// 1.1: n8n evaluates no expression of its own per request (see nodes/shared/trigger/handler.ts).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["routeByType"] ? "routed by event type" : "events"}}',
		description: 'Starts the workflow when a webhook signed with an HMAC in a header arrives (GitHub, Shopify and most senders)',
		defaults: { name: 'HMAC Webhook Trigger' },
		inputs: [],
		outputs: outputsExpression('generic-hmac'),
		credentials: [{ name: 'genericHmacApi', required: true, testedBy: 'checkSigningSecret' }],
		webhooks: triggerWebhooks,
		properties: triggerProperties({
			vendor: 'generic-hmac',
			noun: 'Event',
			extraOptions: [
				{
					displayName: 'Type Field',
					name: 'typeField',
					type: 'string',
					default: 'type',
					description: 'Where the event type is in the body, as a dotted path such as data.event',
				},
				{
					displayName: 'Type Header',
					name: 'typeHeader',
					type: 'string',
					default: '',
					placeholder: 'X-GitHub-Event',
					description: 'Or read the event type from this header instead',
				},
			],
		}),
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
		return await handleTriggerWebhook.call(this, { vendor: 'generic-hmac', credentialName: 'genericHmacApi' });
	}
}
