import type { INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { checkSigningSecret } from '../shared/credential-test';
import { handleTriggerWebhook, triggerWebhooks } from '../shared/trigger/handler';
import { outputsExpression } from '../shared/trigger/outputs';
import { triggerProperties } from '../shared/trigger/parameters';

export class ScalefusionTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Scalefusion Trigger',
		name: 'scalefusionTrigger',
		icon: { light: 'file:../../icons/scalefusion.svg', dark: 'file:../../icons/scalefusion.dark.svg' },
		group: ['trigger'],
		// 1.1: n8n evaluates no expression of its own per request (see nodes/shared/trigger/handler.ts).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{$parameter["routeByType"] ? "routed by event type" : "events"}}',
		description: 'Starts the workflow when Scalefusion sends a signed device event',
		defaults: { name: 'Scalefusion Trigger' },
		inputs: [],
		outputs: outputsExpression('scalefusion'),
		credentials: [{ name: 'scalefusionWebhookApi', required: true, testedBy: 'checkSigningSecret' }],
		webhooks: triggerWebhooks,
		properties: triggerProperties({ vendor: 'scalefusion', noun: 'Event' }),
	};

	methods = { credentialTest: { checkSigningSecret } };

	// Webhooks are set up in the Scalefusion dashboard, which has no public API for it: nothing to register.
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
		return await handleTriggerWebhook.call(this, { vendor: 'scalefusion', credentialName: 'scalefusionWebhookApi' });
	}
}
