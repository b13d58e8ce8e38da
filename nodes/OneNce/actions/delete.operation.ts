/** Integration → Delete: any integration, webhook or AWS. */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { deleteIntegration } from '../../shared/one-nce-api';
import { integrationIdParameter, integrationIdProperty } from './common';

export const description: INodeProperties[] = [integrationIdProperty('delete', 'getIntegrations')];

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const integrationId = integrationIdParameter(this, i);
	const deleted = await deleteIntegration.call(this, integrationId);
	return [{ json: { ...deleted }, pairedItem: { item: i } }];
}
