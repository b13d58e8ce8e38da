import type { INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { checkSigningSecret } from '../shared/credential-test';
import { handleTriggerWebhook, triggerWebhooks } from '../shared/trigger/handler';
import { outputsExpression } from '../shared/trigger/outputs';
import { triggerProperties } from '../shared/trigger/parameters';

export class InCloudManagerTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'InHand InCloud Manager Trigger',
		name: 'inCloudManagerTrigger',
		icon: { light: 'file:../../icons/inhand.svg', dark: 'file:../../icons/inhand.dark.svg' },
		group: ['trigger'],
		// 1.1: n8n evaluates no expression of its own per request (see nodes/shared/trigger/handler.ts).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["routeByType"] ? "routed by alert type" : "alerts"}}',
		description: 'Starts the workflow when InHand InCloud Manager sends a signed alert webhook',
		defaults: { name: 'InHand InCloud Manager Trigger' },
		inputs: [],
		outputs: outputsExpression('incloud-manager'),
		credentials: [{ name: 'inHandWebhookApi', required: true, testedBy: 'checkSigningSecret' }],
		webhooks: triggerWebhooks,
		properties: triggerProperties({ vendor: 'incloud-manager', noun: 'Alert' }),
	};

	methods = { credentialTest: { checkSigningSecret } };

	// Alert webhooks are set up in InCloud Manager's UI: nothing to register.
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
		return await handleTriggerWebhook.call(this, { vendor: 'incloud-manager', credentialName: 'inHandWebhookApi' });
	}
}
