/** What the 1NCE node's operations share: field definitions and the parameter readers they check with. */
import type { IDataObject, IExecuteFunctions, INode, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { getVendor, isSafeHeaderValue, isValidHeaderName } from '../../shared/core';
import { ONE_NCE_SUBSCRIBABLE_EVENT_TYPES } from '../../shared/one-nce-api';
import { credentialHeaderName } from '../../shared/trigger/credentials';

const SUBSCRIBABLE: readonly string[] = ONE_NCE_SUBSCRIBABLE_EVENT_TYPES;

export const EVENT_TYPE_OPTIONS = (getVendor('1nce')?.eventTypes ?? [])
	.filter((entry) => SUBSCRIBABLE.includes(entry.value))
	.map((entry) => ({ name: entry.label, value: entry.value, description: entry.description }));

/** Shows a field for the given operations of the Integration resource. */
export function show(operation: string[]): INodeProperties['displayOptions'] {
	return { show: { resource: ['integration'], operation } };
}

export const headersProperty: INodeProperties = {
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

export const addCredentialHeaderProperty: INodeProperties = {
	displayName: 'Add Credential Header',
	name: 'addCredentialHeader',
	type: 'boolean',
	default: true,
	description:
		'Whether to send the webhook header of the 1NCE API credential (its name and value) with every message, so that a 1NCE Trigger using the same credential accepts them',
};

/** The credential's webhook header, as `{name: value}`. */
export async function credentialHeader(this: IExecuteFunctions, itemIndex: number): Promise<Record<string, string>> {
	const credentials = await this.getCredentials('oneNceApi', itemIndex);
	const name = credentialHeaderName('1nce', credentials);
	const value = typeof credentials.secret === 'string' ? credentials.secret : '';
	if (value === '') {
		throw new NodeOperationError(this.getNode(), 'The 1NCE API credential has no webhook header value; enter one or turn off "Add Credential Header"', { itemIndex });
	}
	return { [name]: value };
}

/** Headers from the Headers parameter, checked: valid names, no line breaks in values. */
export function customHeaders(node: INode, value: unknown, itemIndex: number): Record<string, string> {
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

export function eventTypesParameter(value: unknown): string[] {
	const chosen = Array.isArray(value) ? value.map(String).filter(Boolean) : [];
	return chosen.length > 0 ? chosen : [...SUBSCRIBABLE];
}

/** The Integration field of an operation on one existing integration; `loadOptionsMethod` picks which ones are listed. */
export function integrationIdProperty(operation: string, loadOptionsMethod: 'getIntegrations' | 'getWebhookIntegrations'): INodeProperties {
	return {
		displayName: 'Integration Name or ID',
		name: 'integrationId',
		type: 'options',
		typeOptions: { loadOptionsMethod },
		required: true,
		default: '',
		description:
			'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
		displayOptions: show([operation]),
	};
}

export function integrationIdParameter(context: IExecuteFunctions, itemIndex: number): string {
	const id = String(context.getNodeParameter('integrationId', itemIndex) ?? '').trim();
	if (id === '') throw new NodeOperationError(context.getNode(), 'Choose the integration', { itemIndex });
	return id;
}
