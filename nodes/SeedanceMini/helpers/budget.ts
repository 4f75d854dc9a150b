/**
 * The budget: the estimated total of the items about to be submitted, plus what earlier runs of
 * this node in the same execution already submitted, against the budget and the account balance.
 * Money is compared in whole micro-dollars (contract's toMicros), never in binary floats.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { toMicros } from '../../apixo/contract';
import { getBalance } from '../../apixo/transport';
import { operationError } from './operationError';

export interface PricedItem {
	itemIndex: number;
	estimatedCostUsd: number;
	/** The same estimate in whole micro-dollars, the unit every comparison uses. */
	estimatedCostMicros: number;
	/** Set when the estimate is an upper bound (reference video lengths not measured). */
	costNote?: string;
}

const usd = (micros: number) => `$${Math.round(micros / 100) / 10_000}`;

/**
 * Refuse the whole batch when `spentMicros` (earlier runs of this node in this execution: Loop
 * Over Items iterations, Retry On Fail tries) plus the batch's estimated total exceeds the
 * budget, or the batch's total exceeds the account balance. `items` holds at least one item.
 */
export async function checkBudget(
	this: IExecuteFunctions,
	items: PricedItem[],
	budgetUsd: number,
	spentMicros = 0,
): Promise<void> {
	const total = items.reduce((sum, item) => sum + item.estimatedCostMicros, 0);
	const budget = toMicros(budgetUsd);
	// Free: the balance endpoint bills nothing.
	const balance = toMicros(await getBalance.call(this, { itemIndex: items[0].itemIndex }));
	if (spentMicros + total <= budget && total <= balance) return;
	const spent = spentMicros
		? ` (${usd(spentMicros)} already submitted by this node in this execution)`
		: '';
	const over =
		spentMicros + total > budget
			? `the budget of ${usd(budget)}${spent}`
			: `the account balance of ${usd(balance)}`;
	const top = [...items]
		.sort((a, b) => b.estimatedCostMicros - a.estimatedCostMicros)
		.slice(0, 3)
		.map((item) => `item ${item.itemIndex}: ${usd(item.estimatedCostMicros)}`)
		.join(', ');
	const upperBound = items.some((item) => item.costNote)
		? ' Some estimates count 15 s of reference video (the most the API accepts) because their lengths could not be measured.'
		: '';
	throw operationError(
		this.getNode(),
		`Estimated total ${usd(total)} for ${items.length} item${items.length > 1 ? 's' : ''} is above ${over}`,
		{
			description: `Budget ${usd(budget)}, balance ${usd(balance)}. Most expensive: ${top}.${upperBound} Nothing was submitted: lower durations or resolutions, split the batch, or raise the budget.`,
		},
	);
}
