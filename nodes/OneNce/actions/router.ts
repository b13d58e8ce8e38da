/** Routes each item of the 1NCE node to its operation's file (the layout of n8n's own versioned nodes). */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { runOperations, type NodeOperation } from '../../shared/operations';
import * as create from './create.operation';
import * as del from './delete.operation';
import * as list from './list.operation';
import * as restart from './restart.operation';
import * as test from './test.operation';
import * as update from './update.operation';

function operationOf(operation: string): NodeOperation | undefined {
	switch (operation) {
		case 'create':
			return create;
		case 'list':
			return list;
		case 'update':
			return update;
		case 'test':
			return test;
		case 'restart':
			return restart;
		case 'delete':
			return del;
		default:
			return undefined;
	}
}

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return await runOperations.call(this, 'integration', operationOf);
}
