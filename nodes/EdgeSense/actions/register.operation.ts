/** Webhook → Register: EdgeSense sends signed events to a URL. */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { redactUrl } from '../../shared/core';
import { registerWebhook } from '../../shared/edgesense-api';
import { CATALOGUE, credentialSecret } from './common';

export const description: INodeProperties[] = [
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://example.com/webhook',
		description: 'Where EdgeSense sends the events; EdgeSense asks for HTTPS',
		displayOptions: { show: { resource: ['webhook'], operation: ['register'] } },
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		options: CATALOGUE.map((entry) => ({ name: entry.label, value: entry.value, description: entry.description })),
		default: [],
		description: 'The events to subscribe to; none chosen means all of them',
		displayOptions: { show: { resource: ['webhook'], operation: ['register'] } },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { resource: ['webhook'], operation: ['register'] } },
		options: [
			{
				displayName: 'Signing Secret',
				name: 'secret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description: 'The secret EdgeSense signs this webhook\u2019s requests with. Empty uses the webhook secret of the credential, which the EdgeSense Trigger checks against.',
			},
		],
	},
];

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const url = String(this.getNodeParameter('url', i) ?? '').trim();
	if (!/^https?:\/\/\S+$/i.test(url)) {
		throw new NodeOperationError(this.getNode(), `"${url}" is not a URL EdgeSense can send webhooks to`, { itemIndex: i });
	}
	const chosen = (this.getNodeParameter('events', i, []) as string[]).filter(Boolean);
	const events = chosen.length > 0 ? chosen : CATALOGUE.map((entry) => entry.value);
	const options = this.getNodeParameter('options', i, {}) as IDataObject;
	const secret = typeof options.secret === 'string' && options.secret !== '' ? options.secret : await credentialSecret.call(this, i);
	if (secret === '') {
		throw new NodeOperationError(this.getNode(), 'Set a signing secret, here or as the webhook secret of the EdgeSense API credential', { itemIndex: i });
	}
	const registered = await registerWebhook.call(this, { url, events, secret });
	return [{ json: { ...registered, url: redactUrl(url), events }, pairedItem: { item: i } }];
}
