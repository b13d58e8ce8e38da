import type {
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { getVendor, isSafeHeaderValue, isValidHeaderName } from '../shared/core';
import {
	createWebhookIntegration,
	deleteIntegration,
	listIntegrations,
	redactIntegration,
	ONE_NCE_SUBSCRIBABLE_EVENT_TYPES,
	restartIntegration,
	testIntegration,
	updateWebhookIntegration,
	type OneNceIntegration,
	type OneNceWebhookIntegrationPatch,
} from '../shared/one-nce-api';

const SUBSCRIBABLE: readonly string[] = ONE_NCE_SUBSCRIBABLE_EVENT_TYPES;
const EVENT_TYPE_OPTIONS = (getVendor('1nce')?.eventTypes ?? [])
	.filter((entry) => SUBSCRIBABLE.includes(entry.value))
	.map((entry) => ({ name: entry.label, value: entry.value, description: entry.description }));

function show(operation: string[]): INodeProperties['displayOptions'] {
	return { show: { resource: ['integration'], operation } };
}

const headersProperty: INodeProperties = {
	displayName: 'Headers',
	name: 'headers',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	placeholder: 'Add Header',
	default: {},
	description: '1NCE sends these headers with every message; values may hold the placeholders :iccid:, :imsi: and :ip:',
	options: [
		{
			displayName: 'Header',
			name: 'header',
			values: [
				{ displayName: 'Name', name: 'name', type: 'string', default: '' },
				{ displayName: 'Value', name: 'value', type: 'string', default: '' },
			],
		},
	],
};

const addCredentialHeaderProperty: INodeProperties = {
	displayName: 'Add Credential Header',
	name: 'addCredentialHeader',
	type: 'boolean',
	default: true,
	description:
		'Whether to send the webhook header of the 1NCE API credential (its name and value) with every message, so that a 1NCE Trigger using the same credential accepts them',
};

/** A node error for item `itemIndex`: API and operation errors keep their message, others are wrapped. */
function atItem(error: unknown, node: INode, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(node, error as Error, { itemIndex });
}

/** The credential's webhook header, as `{name: value}`. */
async function credentialHeader(this: IExecuteFunctions, itemIndex: number): Promise<Record<string, string>> {
	const credentials = await this.getCredentials('oneNceApi', itemIndex);
	const name = String(credentials.authHeaderName || 'x-api-key');
	const value = typeof credentials.secret === 'string' ? credentials.secret : '';
	if (value === '') {
		throw new NodeOperationError(this.getNode(), 'The 1NCE API credential has no webhook header value; enter one or turn off "Add Credential Header"', { itemIndex });
	}
	return { [name]: value };
}

/** Headers from the Headers parameter, checked: valid names, no line breaks in values. */
function customHeaders(node: INode, value: unknown, itemIndex: number): Record<string, string> {
	const entries = ((value as IDataObject | undefined)?.header ?? []) as Array<{ name?: string; value?: string }>;
	const headers: Record<string, string> = {};
	for (const entry of entries) {
		const name = String(entry.name ?? '').trim();
		if (name === '') continue;
		const headerValue = String(entry.value ?? '');
		if (!isValidHeaderName(name)) throw new NodeOperationError(node, `"${name}" is not a valid header name`, { itemIndex });
		if (!isSafeHeaderValue(headerValue)) throw new NodeOperationError(node, `The value of header "${name}" must not contain line breaks`, { itemIndex });
		headers[name] = headerValue;
	}
	return headers;
}

function eventTypesParameter(value: unknown): string[] {
	const chosen = Array.isArray(value) ? value.map(String).filter(Boolean) : [];
	return chosen.length > 0 ? chosen : [...SUBSCRIBABLE];
}

function integrationIdParameter(context: IExecuteFunctions, itemIndex: number): string {
	const id = String(context.getNodeParameter('integrationId', itemIndex) ?? '').trim();
	if (id === '') throw new NodeOperationError(context.getNode(), 'Choose the integration', { itemIndex });
	return id;
}

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

			// create
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

			// list
			{
				displayName: 'Return All',
				name: 'returnAll',
				type: 'boolean',
				default: false,
				description: 'Whether to return all results or only up to a given limit',
				displayOptions: show(['list']),
			},
			{
				displayName: 'Limit',
				name: 'limit',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 50,
				description: 'Max number of results to return',
				displayOptions: { show: { resource: ['integration'], operation: ['list'], returnAll: [false] } },
			},

			// update, test, restart, delete
			{
				displayName: 'Integration Name or ID',
				name: 'integrationId',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getWebhookIntegrations' },
				required: true,
				default: '',
				description:
					'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
				displayOptions: show(['update', 'test', 'restart']),
			},
			{
				displayName: 'Integration Name or ID',
				name: 'integrationId',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getIntegrations' },
				required: true,
				default: '',
				description:
					'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
				displayOptions: show(['delete']),
			},
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
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			try {
				const resource = this.getNodeParameter('resource', i) as string;
				const operation = this.getNodeParameter('operation', i) as string;
				if (resource !== 'integration') {
					throw new NodeOperationError(this.getNode(), `The resource "${resource}" is not supported`, { itemIndex: i });
				}
				if (operation === 'create') {
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
					returnData.push({ json: redactIntegration(integration), pairedItem: { item: i } });
				} else if (operation === 'list') {
					const returnAll = this.getNodeParameter('returnAll', i, false) as boolean;
					const limit = returnAll ? undefined : (this.getNodeParameter('limit', i, 50) as number);
					for (const integration of await listIntegrations.call(this, { limit })) {
						returnData.push({ json: redactIntegration(integration), pairedItem: { item: i } });
					}
				} else if (operation === 'update') {
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
					returnData.push({ json: redactIntegration(integration), pairedItem: { item: i } });
				} else if (operation === 'test') {
					const integrationId = integrationIdParameter(this, i);
					const result = await testIntegration.call(this, integrationId);
					returnData.push({ json: { integrationId, ...result }, pairedItem: { item: i } });
				} else if (operation === 'restart') {
					const integrationId = integrationIdParameter(this, i);
					const result = await restartIntegration.call(this, integrationId);
					returnData.push({ json: { integrationId, ...result }, pairedItem: { item: i } });
				} else if (operation === 'delete') {
					const integrationId = integrationIdParameter(this, i);
					const deleted = await deleteIntegration.call(this, integrationId);
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
