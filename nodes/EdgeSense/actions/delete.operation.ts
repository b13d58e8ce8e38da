/** Webhook → Delete: a webhook registration removed from EdgeSense. */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { deleteWebhook } from '../../shared/edgesense-api';

export const description: INodeProperties[] = [
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
];

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const webhookId = String(this.getNodeParameter('webhookId', i) ?? '').trim();
	if (webhookId === '') throw new NodeOperationError(this.getNode(), 'Choose the webhook to delete', { itemIndex: i });
	const deleted = await deleteWebhook.call(this, webhookId);
	return [{ json: { ...deleted }, pairedItem: { item: i } }];
}
