import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { getBalance } from '../../apixo/transport';

/** No fields: the balance belongs to the credential's API key. */
export const description: INodeProperties[] = [];

/** One read for the whole input (the balance is the account's, not the item's), free of charge. */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const balanceUsd = await getBalance.call(this, { itemIndex: 0 });
	return items.map((_, itemIndex) => ({ json: { balanceUsd }, pairedItem: { item: itemIndex } }));
}
