import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { listWebhooks } from '../shared/edgesense-api';
import * as del from './actions/delete.operation';
import * as list from './actions/list.operation';
import * as register from './actions/register.operation';
import { router } from './actions/router';

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
			...register.description,
			...list.description,
			...del.description,
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
		return await router.call(this);
	}
}
