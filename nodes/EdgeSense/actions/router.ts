/** Routes each item of the EdgeSense node to its operation's file (the layout of n8n's own versioned nodes). */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { runOperations, type NodeOperation } from '../../shared/operations';
import * as del from './delete.operation';
import * as list from './list.operation';
import * as register from './register.operation';

function operationOf(operation: string): NodeOperation | undefined {
	switch (operation) {
		case 'register':
			return register;
		case 'list':
			return list;
		case 'delete':
			return del;
		default:
			return undefined;
	}
}

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await runOperations.call(this, 'webhook', operationOf);
}
