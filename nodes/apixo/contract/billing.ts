/** The API page's billing table applied to a submit body, in whole micro-dollars. */
import { LIMITS, PRICE_PER_SECOND } from './constants';
import type { SubmitInput } from './submit';

/**
 * USD as whole micro-dollars. Sums of prices are compared with limits (Max Cost, Budget, the
 * balance) in integers: in binary floats 0.19 × 3 is 0.5700000000000001, above a $0.57 budget.
 */
export const toMicros = (usd: number): number => Math.round(usd * 1_000_000);
export const fromMicros = (micros: number): number => micros / 1_000_000;

export interface CostEstimate {
	usd: number;
	micros: number;
	ratePerSecond: number;
	billedSeconds: number;
	withVideoReference: boolean;
	/**
	 * False when video references are given but their durations were not known: the estimate
	 * then counts the most reference video the API accepts (an upper bound, never exceeded).
	 */
	exact: boolean;
}

/**
 * The billing table. With video references the API bills
 * `(output duration + total reference video duration) × rate`; pass the reference seconds when
 * known, otherwise the estimate counts the page's 15 s maximum of reference video and says so
 * (`exact: false`), so a guard built on it can never be exceeded.
 */
export function estimateCost(input: SubmitInput, referenceVideoSeconds?: number): CostEstimate {
	const withVideoReference = input.mode === 'omni_reference' && (input.video_urls?.length ?? 0) > 0;
	const rates = PRICE_PER_SECOND[input.resolution];
	const ratePerSecond = withVideoReference ? rates.withVideoReference : rates.withoutVideoReference;
	const referenceSeconds = withVideoReference
		? (referenceVideoSeconds ?? LIMITS.referenceMediaSeconds.totalMax)
		: 0;
	const billedSeconds = input.duration + referenceSeconds;
	const micros = Math.round(billedSeconds * toMicros(ratePerSecond));
	return {
		usd: fromMicros(micros),
		micros,
		ratePerSecond,
		billedSeconds,
		withVideoReference,
		exact: !withVideoReference || referenceVideoSeconds !== undefined,
	};
}
