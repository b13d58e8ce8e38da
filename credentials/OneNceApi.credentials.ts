import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';
import { getVendor } from '../nodes/shared/core';

/**
 * 1NCE: the Management API user (a bearer token is fetched with Basic auth and kept, encrypted, in the
 * credential until the API answers 401, when n8n fetches a new one) and the static header that
 * authenticates the Cloud Integrator's webhooks — 1NCE does not sign them.
 */
export class OneNceApi implements ICredentialType {
	name = 'oneNceApi';

	displayName = '1NCE API';

	icon = { light: 'file:../icons/1nce.svg', dark: 'file:../icons/1nce.dark.svg' } as const;

	documentationUrl = 'https://github.com/devicehook/devicehook#1nce-api';

	properties: INodeProperties[] = [
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.1nce.com/management-api',
		},
		{
			displayName: 'API Username',
			name: 'username',
			type: 'string',
			default: '',
			required: true,
		},
		{
			displayName: 'API Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
		{
			displayName: 'Webhook Header Name',
			name: 'authHeaderName',
			type: 'string',
			default: getVendor('1nce')?.scheme.defaults?.header ?? '', // the scheme's default header name
			description: 'The custom header the Cloud Integrator sends with every message; the trigger refuses requests without it',
		},
		{
			displayName: 'Webhook Header Value',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The value of that header. Active triggers use a changed value within 10 seconds.',
		},
		{
			displayName: 'Previous Webhook Header Value',
			name: 'previousSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'During a rotation, the old value; requests with either are accepted. Leave empty otherwise.',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const baseUrl = String(credentials.baseUrl ?? '').replace(/\/+$/, '');
		const basic = Buffer.from(`${String(credentials.username ?? '')}:${String(credentials.password ?? '')}`).toString('base64');
		const response = (await this.helpers.httpRequest({
			method: 'POST',
			url: `${baseUrl}/oauth/token`,
			headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/json' },
			body: { grant_type: 'client_credentials' },
			json: true,
		})) as { access_token?: string };
		return { accessToken: String(response.access_token ?? '') };
	}

	// A function rather than the generic form: the base URL is a setting too, and the generic form cannot set it.
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		return {
			...requestOptions,
			baseURL: requestOptions.baseURL ?? String(credentials.baseUrl ?? '').replace(/\/+$/, ''),
			headers: { ...(requestOptions.headers ?? {}), Authorization: `Bearer ${String(credentials.accessToken ?? '')}` },
		};
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{String($credentials.baseUrl).replace(/\\/+$/, "")}}',
			url: '/v1/integrate/clouds',
			method: 'GET',
		},
	};
}
