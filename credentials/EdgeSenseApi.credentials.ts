import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

/**
 * EdgeSense.io: the API that registers webhooks (base URL and API-key header are user settings, as the
 * vendor documents neither) and the secret its webhooks are signed with (HMAC-SHA256 hex).
 */
export class EdgeSenseApi implements ICredentialType {
	name = 'edgeSenseApi';

	displayName = 'EdgeSense API';

	icon = { light: 'file:../icons/edgesense.svg', dark: 'file:../icons/edgesense.dark.svg' } as const;

	documentationUrl = 'https://github.com/devicehook/devicehook#edgesense-api';

	properties: INodeProperties[] = [
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.edgesense.io',
			description: 'Where the EdgeSense API lives; /api/webhooks is appended',
		},
		{
			displayName: 'API Key Header',
			name: 'headerName',
			type: 'string',
			default: 'X-API-Key',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
		},
		{
			displayName: 'Webhook Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The secret EdgeSense signs webhooks with; the trigger registers its webhook with it. Active triggers use a changed value within 10 seconds.',
		},
		{
			displayName: 'Previous Webhook Secret',
			name: 'previousSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'During a rotation, the old secret; requests signed with either are accepted. Leave empty otherwise.',
		},
	];

	// A function rather than the generic form: the header's name is a setting, and the base URL too.
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const headerName = String(credentials.headerName || 'X-API-Key');
		return {
			...requestOptions,
			baseURL: requestOptions.baseURL ?? String(credentials.baseUrl ?? '').replace(/\/+$/, ''),
			headers: { ...(requestOptions.headers ?? {}), [headerName]: String(credentials.apiKey ?? '') },
		};
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{String($credentials.baseUrl).replace(/\\/+$/, "")}}',
			url: '/api/webhooks',
			method: 'GET',
		},
	};
}
