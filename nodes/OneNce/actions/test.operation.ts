/** Integration → Test: 1NCE sends a test message to the webhook. */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { testIntegration } from '../../shared/one-nce-api';
import { integrationIdParameter, integrationIdProperty } from './common';

export const description: INodeProperties[] = [integrationIdProperty('test', 'getWebhookIntegrations')];

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const integrationId = integrationIdParameter(this, i);
	const result = await testIntegration.call(this, integrationId);
	return [{ json: { integrationId, ...result }, pairedItem: { item: i } }];
}
