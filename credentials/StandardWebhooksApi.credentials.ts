import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/** A Standard Webhooks signing secret (`whsec_` + base64), as Svix and other senders issue them. */
export class StandardWebhooksApi implements ICredentialType {
	name = 'standardWebhooksApi';

	displayName = 'Standard Webhooks Secret API';

	icon = { light: 'file:../icons/standard-webhooks.svg', dark: 'file:../icons/standard-webhooks.dark.svg' } as const;

	documentationUrl = 'https://github.com/devicehook/devicehook#standard-webhooks-secret';

	properties: INodeProperties[] = [
		{
			displayName: 'Signing Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'whsec_...',
			description: 'The endpoint secret: whsec_ followed by base64. Active triggers use a changed value within 10 seconds.',
		},
		{
			displayName: 'Previous Signing Secret',
			name: 'previousSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'During a rotation, the old secret; requests signed with either are accepted. Leave empty otherwise.',
		},
	];
}
