/**
 * The item loop of the DeviceHook action nodes (1NCE, EdgeSense), whose operations each live in their own
 * file (actions/<operation>.operation.ts) as in n8n's own versioned nodes. An item that fails stops the
 * run, or with "Continue On Fail" becomes `{error, httpCode?}` and the next item runs.
 */
import type { IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/** One operation's file: its fields (`description`) and what it does for one item. */
export interface NodeOperation {
	execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]>;
}

/** A node error for item `itemIndex`: API and operation errors keep their message, others are wrapped. */
function atItem(error: unknown, node: INode, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(node, error as Error, { itemIndex });
}

/** Runs, for each item, the operation `operationOf` names for its Operation parameter (the node's one resource only). */
export async function runOperations(
	this: IExecuteFunctions,
	supportedResource: string,
	operationOf: (operation: string) => NodeOperation | undefined,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const returnData: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const resource = this.getNodeParameter('resource', i) as string;
			const operation = this.getNodeParameter('operation', i) as string;
			if (resource !== supportedResource) {
				throw new NodeOperationError(this.getNode(), `The resource "${resource}" is not supported`, { itemIndex: i });
			}
			const run = operationOf(operation);
			if (!run) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`, { itemIndex: i });
			returnData.push(...(await run.execute.call(this, i)));
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
