/** Integration → Update: a webhook integration's URL, headers, event types or JSON payload setting. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { redactIntegration, updateWebhookIntegration, type OneNceWebhookIntegrationPatch } from '../../shared/one-nce-api';
import {
	EVENT_TYPE_OPTIONS,
	addCredentialHeaderProperty,
	credentialHeader,
	customHeaders,
	eventTypesParameter,
	headersProperty,
	integrationIdParameter,
	integrationIdProperty,
	show,
} from './common';

export const description: INodeProperties[] = [
	integrationIdProperty('update', 'getWebhookIntegrations'),
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: show(['update']),
		description: '1NCE does not rename integrations: the name stays',
		options: [
			{
				...addCredentialHeaderProperty,
				description:
					'Whether the new headers include the webhook header of the 1NCE API credential. Setting headers replaces all of them; with Headers set and this field absent, the credential header is included.',
			},
			{
				displayName: 'Event Types',
				name: 'eventTypes',
				type: 'multiOptions',
				options: EVENT_TYPE_OPTIONS,
				default: [],
				description: 'The events to send from now on; none chosen means all of them',
			},
			{ ...headersProperty, description: 'Replace the headers 1NCE sends with these' },
			{
				displayName: 'JSON Payload',
				name: 'jsonPayloadEnabled',
				type: 'boolean',
				default: true,
				description: 'Whether 1NCE bridges device payloads it does not translate as JSON when they parse as JSON',
			},
			{
				displayName: 'URL',
				name: 'url',
				type: 'string',
				default: '',
				placeholder: 'https://example.com/webhook',
				description: 'Where 1NCE sends the events from now on (HTTPS)',
			},
		],
	},
];

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const integrationId = integrationIdParameter(this, i);
	const fields = this.getNodeParameter('updateFields', i, {}) as IDataObject;
	const patch: OneNceWebhookIntegrationPatch = {};
	if (typeof fields.url === 'string' && fields.url.trim() !== '') patch.url = fields.url.trim();
	if (fields.eventTypes !== undefined) patch.eventTypes = eventTypesParameter(fields.eventTypes);
	if (typeof fields.jsonPayloadEnabled === 'boolean') patch.jsonPayloadEnabled = fields.jsonPayloadEnabled;
	if (fields.headers !== undefined || fields.addCredentialHeader !== undefined) {
		const headers = customHeaders(this.getNode(), fields.headers, i);
		if (fields.addCredentialHeader !== false) Object.assign(headers, await credentialHeader.call(this, i));
		patch.headers = headers;
	}
	if (Object.keys(patch).length === 0) {
		throw new NodeOperationError(this.getNode(), 'Add at least one field to update: URL, event types, headers or JSON payload', { itemIndex: i });
	}
	const integration = await updateWebhookIntegration.call(this, integrationId, patch);
	return [{ json: redactIntegration(integration), pairedItem: { item: i } }];
}
