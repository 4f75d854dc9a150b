/** The batch budget: the estimated total of all items against the budget and the account balance. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { getBalance } from '../../apixo/transport';
import { operationError } from './operationError';

export interface PricedItem {
	itemIndex: number;
	estimatedCostUsd: number;
	/** Set when the estimate leaves out reference video seconds (a lower bound). */
	costNote?: string;
}

const usd = (value: number) => `$${Math.round(value * 10_000) / 10_000}`;

/**
 * Refuse the whole batch when its estimated total exceeds the budget or the account balance.
 * `items` holds at least one item (the caller has nothing to check otherwise).
 */
export async function checkBudget(
	this: IExecuteFunctions,
	items: PricedItem[],
	budgetUsd: number,
): Promise<void> {
	const total = items.reduce((sum, item) => sum + item.estimatedCostUsd, 0);
	// Free: the balance endpoint bills nothing.
	const balanceUsd = await getBalance.call(this, { itemIndex: items[0].itemIndex });
	if (total <= budgetUsd && total <= balanceUsd) return;
	const over =
		total > budgetUsd
			? `the budget of ${usd(budgetUsd)}`
			: `the account balance of ${usd(balanceUsd)}`;
	const top = [...items]
		.sort((a, b) => b.estimatedCostUsd - a.estimatedCostUsd)
		.slice(0, 3)
		.map((item) => `item ${item.itemIndex}: ${usd(item.estimatedCostUsd)}`)
		.join(', ');
	const lowerBound = items.some((item) => item.costNote)
		? ' Some estimates leave out reference video seconds, so the real total is higher.'
		: '';
	throw operationError(
		this.getNode(),
		`Estimated total ${usd(total)} for ${items.length} item${items.length > 1 ? 's' : ''} is above ${over}`,
		{
			description: `Budget ${usd(budgetUsd)}, balance ${usd(balanceUsd)}. Most expensive: ${top}.${lowerBound} Nothing was submitted: lower durations or resolutions, split the batch, or raise the budget.`,
		},
	);
}
