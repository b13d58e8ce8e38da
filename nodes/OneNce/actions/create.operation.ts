/** Integration → Create: a webhook integration that sends device events to a URL. */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { createWebhookIntegration, redactIntegration } from '../../shared/one-nce-api';
import {
	EVENT_TYPE_OPTIONS,
	addCredentialHeaderProperty,
	credentialHeader,
	customHeaders,
	eventTypesParameter,
	headersProperty,
	show,
} from './common';

export const description: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		required: true,
		default: '',
		description: 'The integration\u2019s name in the 1NCE Portal (at most 128 characters)',
		displayOptions: show(['create']),
	},
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://example.com/webhook',
		description: 'Where 1NCE sends the events (HTTPS); may hold the placeholders :iccid:, :imsi: and :ip:',
		displayOptions: show(['create']),
	},
	{
		displayName: 'Event Types',
		name: 'eventTypes',
		type: 'multiOptions',
		options: EVENT_TYPE_OPTIONS,
		default: [],
		description: 'The events to send; none chosen means all of them. Test messages are always sent.',
		displayOptions: show(['create']),
	},
	{
		displayName: 'JSON Payload',
		name: 'jsonPayloadEnabled',
		type: 'boolean',
		default: true,
		description: 'Whether 1NCE bridges device payloads it does not translate as JSON when they parse as JSON',
		displayOptions: show(['create']),
	},
	{ ...addCredentialHeaderProperty, displayOptions: show(['create']) },
	{ ...headersProperty, displayName: 'Additional Headers', displayOptions: show(['create']) },
];

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const name = String(this.getNodeParameter('name', i) ?? '').trim();
	if (name === '' || name.length > 128) {
		throw new NodeOperationError(this.getNode(), 'The integration name must have 1 to 128 characters', { itemIndex: i });
	}
	const url = String(this.getNodeParameter('url', i) ?? '').trim();
	if (url === '') throw new NodeOperationError(this.getNode(), 'Enter the URL 1NCE should send the events to', { itemIndex: i });
	const headers = customHeaders(this.getNode(), this.getNodeParameter('headers', i, {}), i);
	if (this.getNodeParameter('addCredentialHeader', i, true) as boolean) Object.assign(headers, await credentialHeader.call(this, i));
	const integration = await createWebhookIntegration.call(this, {
		name,
		url,
		headers,
		eventTypes: eventTypesParameter(this.getNodeParameter('eventTypes', i, [])),
		jsonPayloadEnabled: this.getNodeParameter('jsonPayloadEnabled', i, true) as boolean,
	});
	// The header values are the secret 1NCE authenticates with: outputs show them as ***.
	return [{ json: redactIntegration(integration), pairedItem: { item: i } }];
}
