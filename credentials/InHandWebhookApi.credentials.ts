import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/** The secret InHand Device Manager and InCloud Manager sign alert webhooks with (HMAC-SHA256, base64). */
export class InHandWebhookApi implements ICredentialType {
	name = 'inHandWebhookApi';

	displayName = 'InHand Webhook Secret API';

	icon = { light: 'file:../icons/inhand.svg', dark: 'file:../icons/inhand.dark.svg' } as const;

	documentationUrl = 'https://github.com/devicehook/devicehook#inhand-webhook-secret';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The secret set on the webhook in InHand Device Manager or InCloud Manager. Active triggers use a changed value within 10 seconds.',
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
