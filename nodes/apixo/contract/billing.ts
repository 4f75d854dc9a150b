/** The API page's billing table applied to a submit body. */
import { PRICE_PER_SECOND } from './constants';
import type { SubmitInput } from './submit';

export interface CostEstimate {
	usd: number;
	ratePerSecond: number;
	billedSeconds: number;
	withVideoReference: boolean;
	/** False when video references are given but their durations were not known. */
	exact: boolean;
}

/**
 * The billing table. With video references the API bills
 * `(output duration + total reference video duration) × rate`; pass the reference seconds when
 * known, otherwise the estimate covers the output only and says so (`exact: false`).
 */
export function estimateCost(input: SubmitInput, referenceVideoSeconds?: number): CostEstimate {
	const withVideoReference = input.mode === 'omni_reference' && (input.video_urls?.length ?? 0) > 0;
	const rates = PRICE_PER_SECOND[input.resolution];
	const ratePerSecond = withVideoReference ? rates.withVideoReference : rates.withoutVideoReference;
	const billedSeconds = input.duration + (withVideoReference ? (referenceVideoSeconds ?? 0) : 0);
	return {
		usd: Math.round(billedSeconds * ratePerSecond * 1e6) / 1e6,
		ratePerSecond,
		billedSeconds,
		withVideoReference,
		exact: !withVideoReference || referenceVideoSeconds !== undefined,
	};
}
