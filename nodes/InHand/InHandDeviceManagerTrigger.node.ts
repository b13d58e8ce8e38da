import type { INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { checkSigningSecret } from '../shared/credential-test';
import { handleTriggerWebhook, triggerWebhooks } from '../shared/trigger/handler';
import { outputsExpression } from '../shared/trigger/outputs';
import { triggerProperties } from '../shared/trigger/parameters';

export class InHandDeviceManagerTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'InHand Device Manager Trigger',
		name: 'inHandDeviceManagerTrigger',
		icon: { light: 'file:../../icons/inhand.svg', dark: 'file:../../icons/inhand.dark.svg' },
		group: ['trigger'],
		// 1.1: n8n evaluates no expression of its own per request (see nodes/shared/trigger/handler.ts).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["routeByType"] ? "routed by alert type" : "alerts"}}',
		description: 'Starts the workflow when InHand Device Manager sends a signed alert webhook',
		defaults: { name: 'InHand Device Manager Trigger' },
		inputs: [],
		outputs: outputsExpression('inhand-dm'),
		credentials: [{ name: 'inHandWebhookApi', required: true, testedBy: 'checkSigningSecret' }],
		webhooks: triggerWebhooks,
		properties: triggerProperties({ vendor: 'inhand-dm', noun: 'Alert' }),
	};

	methods = { credentialTest: { checkSigningSecret } };

	// Alerts are set up in Device Manager's UI, which has no API for it: nothing to register.
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
		return await handleTriggerWebhook.call(this, { vendor: 'inhand-dm', credentialName: 'inHandWebhookApi' });
	}
}
