import type {
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { getVendor, redactUrl } from '../shared/core';
import { deleteWebhook, listWebhooks, redactWebhook, registerWebhook } from '../shared/edgesense-api';

const CATALOGUE = getVendor('edgesense')?.eventTypes ?? [];

/** A node error for item `itemIndex`: API and operation errors keep their message, others are wrapped. */
function atItem(error: unknown, node: INode, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(node, error as Error, { itemIndex });
}

/** The credential's webhook secret, for registrations that do not set their own. */
async function credentialSecret(this: IExecuteFunctions, itemIndex: number): Promise<string> {
	const credentials = await this.getCredentials('edgeSenseApi', itemIndex);
	return typeof credentials.secret === 'string' ? credentials.secret : '';
}

export class EdgeSense implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'EdgeSense',
		name: 'edgeSense',
		icon: { light: 'file:../../icons/edgesense.svg', dark: 'file:../../icons/edgesense.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Register, list and delete EdgeSense.io webhooks',
		defaults: { name: 'EdgeSense' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'edgeSenseApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Webhook', value: 'webhook' }],
				default: 'webhook',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['webhook'] } },
				options: [
					{ name: 'Delete', value: 'delete', action: 'Delete a webhook', description: 'Remove a webhook registration from EdgeSense' },
					{ name: 'List', value: 'list', action: 'List webhooks', description: 'List the webhooks registered for this API key, one item each' },
					{ name: 'Register', value: 'register', action: 'Register a webhook', description: 'Have EdgeSense send signed events to a URL' },
				],
				default: 'register',
			},
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
			{
				displayName: 'Webhook Name or ID',
				name: 'webhookId',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getWebhooks' },
				required: true,
				default: '',
				description: 'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
				displayOptions: { show: { resource: ['webhook'], operation: ['delete'] } },
			},
		],
	};

	methods = {
		loadOptions: {
			async getWebhooks(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const webhooks = await listWebhooks.call(this);
				return webhooks.map((hook) => ({
					name: hook.url ? `${hook.url} (${hook.webhookId})` : hook.webhookId,
					value: hook.webhookId,
					description: hook.events?.join(', '),
				}));
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			try {
				const resource = this.getNodeParameter('resource', i) as string;
				const operation = this.getNodeParameter('operation', i) as string;
				if (resource !== 'webhook') {
					throw new NodeOperationError(this.getNode(), `The resource "${resource}" is not supported`, { itemIndex: i });
				}
				if (operation === 'register') {
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
					returnData.push({ json: { ...registered, url: redactUrl(url), events }, pairedItem: { item: i } });
				} else if (operation === 'list') {
					for (const hook of await listWebhooks.call(this)) {
						returnData.push({ json: { ...redactWebhook(hook.raw), webhookId: hook.webhookId }, pairedItem: { item: i } });
					}
				} else if (operation === 'delete') {
					const webhookId = String(this.getNodeParameter('webhookId', i) ?? '').trim();
					if (webhookId === '') throw new NodeOperationError(this.getNode(), 'Choose the webhook to delete', { itemIndex: i });
					const deleted = await deleteWebhook.call(this, webhookId);
					returnData.push({ json: { ...deleted }, pairedItem: { item: i } });
				} else {
					throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`, { itemIndex: i });
				}
			} catch (error) {
				if (this.continueOnFail()) {
					const httpCode = error instanceof NodeApiError ? error.httpCode : undefined;
					returnData.push({ json: { error: (error as Error).message, ...(httpCode ? { httpCode } : {}) }, pairedItem: { item: i } });
					continue;
				}
				throw atItem(error, this.getNode(), i);
			}
		}
		return [returnData];
	}
}
