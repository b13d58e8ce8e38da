import type {
	ILoadOptionsFunctions,
	IExecuteFunctions,
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { listIntegrations, type OneNceIntegration } from '../shared/one-nce-api';
import * as create from './actions/create.operation';
import * as del from './actions/delete.operation';
import * as list from './actions/list.operation';
import * as restart from './actions/restart.operation';
import { router } from './actions/router';
import * as test from './actions/test.operation';
import * as update from './actions/update.operation';

function integrationOption(integration: OneNceIntegration): INodePropertyOptions {
	return {
		name: `${integration.name || integration.id} (${integration.type || 'integration'}, ${integration.state || 'unknown state'})`,
		value: integration.id,
		description: integration.eventTypes.map((entry) => entry.type).join(', '),
	};
}

export class OneNce implements INodeType {
	description: INodeTypeDescription = {
		displayName: '1NCE',
		name: 'oneNce',
		icon: { light: 'file:../../icons/1nce.svg', dark: 'file:../../icons/1nce.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Create, list, update, test, restart and delete 1NCE Cloud Integrator webhook integrations',
		defaults: { name: '1NCE' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'oneNceApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Integration', value: 'integration' }],
				default: 'integration',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['integration'] } },
				options: [
					{ name: 'Create', value: 'create', action: 'Create a webhook integration', description: 'Have 1NCE send device events to a URL' },
					{ name: 'Delete', value: 'delete', action: 'Delete an integration', description: 'Delete an integration (webhook or AWS)' },
					{ name: 'List', value: 'list', action: 'List integrations', description: 'List the integrations of the account, one item each' },
					{ name: 'Restart', value: 'restart', action: 'Restart a webhook integration', description: 'Resume delivery to a failed webhook integration; 1NCE sends a test message' },
					{ name: 'Test', value: 'test', action: 'Test a webhook integration', description: 'Have 1NCE send a test message to the webhook' },
					{ name: 'Update', value: 'update', action: 'Update a webhook integration', description: 'Change the URL, headers, event types or JSON payload setting' },
				],
				default: 'create',
			},
			...create.description,
			...list.description,
			...update.description,
			...test.description,
			...restart.description,
			...del.description,
		],
	};

	methods = {
		loadOptions: {
			async getIntegrations(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				return (await listIntegrations.call(this)).map(integrationOption);
			},
			async getWebhookIntegrations(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				return (await listIntegrations.call(this)).filter((integration) => integration.type === 'WEBHOOK').map(integrationOption);
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
