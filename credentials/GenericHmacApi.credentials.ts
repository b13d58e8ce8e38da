import type { ICredentialType, INodeProperties } from 'n8n-workflow';
import { getVendor, type SchemeOptions } from '../nodes/shared/core';

/** The scheme's own defaults (the core applies them to an empty field too), shown as the fields' defaults. */
const defaults: SchemeOptions = getVendor('generic-hmac')?.scheme.defaults ?? {};

/** Any sender that signs the body with an HMAC in a header: GitHub, Shopify and most others. */
export class GenericHmacApi implements ICredentialType {
	name = 'genericHmacApi';

	displayName = 'HMAC Webhook Secret API';

	icon = { light: 'file:../icons/devicehook.svg', dark: 'file:../icons/devicehook.dark.svg' } as const;

	documentationUrl = 'https://github.com/devicehook/devicehook#hmac-webhook-secret';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The secret the sender signs with. Active triggers use a changed value within 10 seconds.',
		},
		{
			displayName: 'Previous Secret',
			name: 'previousSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'During a rotation, the old secret; requests signed with either are accepted. Leave empty otherwise.',
		},
		{
			displayName: 'Signature Header',
			name: 'header',
			type: 'string',
			default: defaults.header ?? '',
			placeholder: 'X-Hub-Signature-256',
			description: 'The header that carries the signature',
		},
		{
			displayName: 'Algorithm',
			name: 'algorithm',
			type: 'options',
			options: [
				{ name: 'SHA-1', value: 'sha1' },
				{ name: 'SHA-256', value: 'sha256' },
				{ name: 'SHA-512', value: 'sha512' },
			],
			default: defaults.algorithm ?? '',
		},
		{
			displayName: 'Encoding',
			name: 'encoding',
			type: 'options',
			options: [
				{ name: 'Hex', value: 'hex' },
				{ name: 'Base64', value: 'base64' },
			],
			default: defaults.encoding ?? '',
		},
		{
			displayName: 'Prefix',
			name: 'prefix',
			type: 'string',
			default: '',
			placeholder: 'sha256=',
			description: 'Text before the signature in the header, if the sender writes one',
		},
		{
			displayName: 'Signed Content',
			name: 'signedContent',
			type: 'options',
			options: [
				{ name: 'Body', value: 'body' },
				{ name: 'Timestamp.Body', value: 'timestamp.body', description: 'The Unix timestamp from a header, a dot, then the body' },
			],
			default: defaults.signedContent ?? '',
		},
		{
			displayName: 'Timestamp Header',
			name: 'timestampHeader',
			type: 'string',
			default: defaults.timestampHeader ?? '',
			displayOptions: { show: { signedContent: ['timestamp.body'] } },
			description: 'The header with the Unix timestamp (seconds) that is signed with the body',
		},
	];
}
