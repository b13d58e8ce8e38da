import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/** The secret Scalefusion signs webhooks with (X-SF-Signature, HMAC-SHA256 hex of the raw body). */
export class ScalefusionWebhookApi implements ICredentialType {
	name = 'scalefusionWebhookApi';

	displayName = 'Scalefusion Webhook Secret API';

	icon = { light: 'file:../icons/scalefusion.svg', dark: 'file:../icons/scalefusion.dark.svg' } as const;

	documentationUrl = 'https://github.com/devicehook/devicehook#scalefusion-webhook-secret';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The webhook secret from the Scalefusion dashboard. Active triggers use a changed value within 10 seconds.',
		},
		{
			displayName: 'Previous Secret',
			name: 'previousSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'During a rotation, the old secret; requests signed with either are accepted. Leave empty otherwise.',
		},
	];
}
