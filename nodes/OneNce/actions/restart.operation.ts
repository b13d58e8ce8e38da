/** Integration → Restart: delivery to a failed webhook integration resumes; 1NCE sends a test message. */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { restartIntegration } from '../../shared/one-nce-api';
import { integrationIdParameter, integrationIdProperty } from './common';

export const description: INodeProperties[] = [integrationIdProperty('restart', 'getWebhookIntegrations')];

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const integrationId = integrationIdParameter(this, i);
	const result = await restartIntegration.call(this, integrationId);
	return [{ json: { integrationId, ...result }, pairedItem: { item: i } }];
}
