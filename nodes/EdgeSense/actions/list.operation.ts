/** Webhook → List: the webhooks registered for the API key, one item each. */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { listWebhooks, redactWebhook } from '../../shared/edgesense-api';

export const description: INodeProperties[] = [];

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	return (await listWebhooks.call(this)).map((hook) => ({ json: { ...redactWebhook(hook.raw), webhookId: hook.webhookId }, pairedItem: { item: i } }));
}
