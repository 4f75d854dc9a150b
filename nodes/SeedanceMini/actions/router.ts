import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import * as generate from './generate/generate.operation';
import * as getBalance from './getBalance.operation';
import * as getStatus from './getStatus.operation';
import { operationError } from '../helpers/operationError';

const operations = { generate, getStatus, getBalance };

/** The whole input is handed to one operation: items are submitted and waited for together. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as string;
	const handler = operations[operation as keyof typeof operations];
	if (!handler) {
		throw operationError(this.getNode(), `The operation "${operation}" is not supported`);
	}
	return [await handler.execute.call(this, items)];
}
