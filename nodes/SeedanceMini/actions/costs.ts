/**
 * The guards that run before anything is paid for: reference media measured from their headers
 * (durations checked, the cost made exact) and the batch budget against the account balance.
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { SubmitInput } from '../../apixo/contract';
import { MediaHeaderError } from '../../apixo/media';
import { oneLine } from '../../apixo/otherHosts';
import { getBalance } from '../../apixo/transport';
import { measureReference, type MeasureOptions } from '../media';

export interface ReferenceMedia {
	url: string;
	type: 'video' | 'audio';
	durationS?: number;
	format?: string;
	/** Why the header could not be read (APIXO checks the file itself then). */
	error?: string;
}

/** Whether an item's reference media are measured before submitting (the default). */
export const needsPreflight = (input: SubmitInput, enabled: unknown) =>
	enabled !== false &&
	input.mode === 'omni_reference' &&
	((input.video_urls?.length ?? 0) > 0 || (input.audio_urls?.length ?? 0) > 0);

export async function measureReferences(
	this: IExecuteFunctions,
	input: SubmitInput,
	options: MeasureOptions = {},
): Promise<ReferenceMedia[]> {
	if (input.mode !== 'omni_reference') return [];
	const entries = [
		...(input.video_urls ?? []).map((url) => ({ url, type: 'video' as const })),
		...(input.audio_urls ?? []).map((url) => ({ url, type: 'audio' as const })),
	];
	return await Promise.all(
		entries.map(async (entry): Promise<ReferenceMedia> => {
			try {
				const { seconds, format } = await measureReference.call(this, entry.url, options);
				return { ...entry, durationS: seconds, format };
			} catch (error) {
				// Never block a request on this reader's limits: APIXO checks the file anyway.
				const why =
					error instanceof MediaHeaderError ? oneLine(error.message) : 'unexpected answer';
				return { ...entry, error: `header not read (${why}): APIXO checks this file` };
			}
		}),
	);
}

/** Total seconds of the reference videos, when every one of them was measured. */
export function referenceVideoSeconds(media: ReferenceMedia[]): number | undefined {
	const videos = media.filter((m) => m.type === 'video');
	if (!videos.length || videos.some((m) => m.durationS === undefined)) return undefined;
	return Math.round(videos.reduce((total, m) => total + m.durationS!, 0) * 1000) / 1000;
}

export interface PricedItem {
	itemIndex: number;
	estimatedCostUsd: number;
	/** Set when the estimate leaves out reference video seconds (a lower bound). */
	costNote?: string;
}

const usd = (value: number) => `$${Math.round(value * 10_000) / 10_000}`;

/** Refuse the whole batch when its estimated total exceeds the budget or the account balance. */
export async function checkBudget(
	this: IExecuteFunctions,
	items: PricedItem[],
	budgetUsd: number,
): Promise<void> {
	if (!items.length) return;
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
	throw new NodeOperationError(
		this.getNode(),
		`Estimated total ${usd(total)} for ${items.length} item${items.length > 1 ? 's' : ''} is above ${over}`,
		{
			description: `Budget ${usd(budgetUsd)}, balance ${usd(balanceUsd)}. Most expensive: ${top}.${lowerBound} Nothing was submitted: lower durations or resolutions, split the batch, or raise the budget.`,
		},
	);
}
