/**
 * How many items are in flight (submitted and not finished), and when the next submit may go.
 *
 * A Concurrency the user set is a hard cap. Left unset, the limit finds the account's own
 * (APIXO's limits "vary by account"): it starts at 10 and grows by one with every accepted
 * submit until APIXO first answers 429 — which creates nothing — then drops to the tasks this
 * batch holds and from there grows by one per full round of accepted submits. Submits go one
 * at a time and none goes before a 429's Retry-After (or the backoff) has passed, so each
 * back-off step costs at most one 429.
 */
import type { NodeApiError } from 'n8n-workflow';

import { backoffDelay, DEFAULT_RETRY } from '../../apixo/retry';
import { abortableSleep } from '../../apixo/sleep';

export const DEFAULT_CONCURRENCY = 10;
export const MAX_CONCURRENCY = 100;

/** A failed submit that APIXO refused for its rate or concurrency limit (nothing was created). */
export function isRateLimited(error: unknown): error is NodeApiError {
	const { httpCode, context } = (error ?? {}) as Partial<NodeApiError>;
	return httpCode === '429' && context?.outcomeUnknown !== true;
}

/**
 * An item's turn to submit would come after its deadline (Max Wait): a 429's Retry-After, or the
 * backoff, holds every submit back until `notBefore`. Nothing was sent for the item.
 */
export class TurnPastDeadline extends Error {
	constructor(readonly notBefore: number) {
		super('rate limited past the deadline');
	}
}

export class Throttle {
	private readonly max: number;
	private limit: number;
	/** Tasks this batch submitted that have not finished (or that nobody waits for any more). */
	private holding = 0;
	private submitting = false;
	/** Epoch ms before which no submit goes (Retry-After, backoff). */
	private notBefore = 0;
	/**
	 * Growing by one per accepted submit, until the first 429 (with a cap the limit starts at its
	 * maximum, so there is nothing to grow into before a 429).
	 */
	private slowStart = true;
	private acceptedThisRound = 0;
	/** 429s in a row, for the backoff. */
	private refusals = 0;
	private readonly wakers = new Set<() => void>();

	/** `cap`: the user's Concurrency, or undefined to find the account's limit. */
	constructor(cap: number | undefined) {
		this.max = cap ?? MAX_CONCURRENCY;
		this.limit = cap ?? DEFAULT_CONCURRENCY;
	}

	/** The limit now (for logs and tests). */
	get current(): number {
		return this.limit;
	}

	/**
	 * Send a submit when it is this item's turn — fewer tasks in flight than the limit, no other
	 * submit going, no back-off running — and send it again after a 429 (which created nothing)
	 * until APIXO accepts it, anything else fails, or `deadline` (epoch ms) would pass. An
	 * accepted submit holds its place until `finished()`.
	 */
	async submit<T>(send: () => Promise<T>, signal: AbortSignal, deadline: number): Promise<T> {
		for (;;) {
			await this.claim(
				() => !this.submitting && this.holding < this.limit && Date.now() >= this.notBefore,
				() => (this.submitting = true),
				signal,
				deadline,
			);
			const outcome = await send().then(
				(value) => ({ value }),
				(error: unknown) => ({ error }),
			);
			// Count the task, or start the back-off, before any other submit looks.
			const refusal = 'error' in outcome ? outcome.error : undefined;
			const waitMs = isRateLimited(refusal)
				? this.refused(refusal.context.retryAfterMs as number | undefined)
				: 0;
			if ('value' in outcome) this.accepted();
			this.submitting = false;
			this.wake();
			if ('value' in outcome) return outcome.value;
			if (!isRateLimited(refusal)) throw refusal;
			// Out of time: the 429 itself says what happened (nothing was created).
			if (Date.now() + waitMs >= deadline) throw refusal;
		}
	}

	/** A task an earlier try submitted, waited for again: it counts as in flight. */
	adopt(): void {
		this.holding++;
	}

	/** A task submitted through `submit()` (or adopted) is final, or no longer waited for. */
	finished(): void {
		this.holding--;
		this.wake();
	}

	private accepted(): void {
		this.holding++;
		this.refusals = 0;
		if (this.slowStart) {
			this.limit = Math.min(this.max, this.limit + 1);
		} else if (++this.acceptedThisRound >= this.limit) {
			this.acceptedThisRound = 0;
			this.limit = Math.min(this.max, this.limit + 1);
		}
	}

	/** A 429: the tasks this batch holds are the limit now; nothing goes until the wait ends. */
	private refused(retryAfterMs: number | undefined): number {
		this.refusals++;
		this.slowStart = false;
		this.acceptedThisRound = 0;
		this.limit = Math.max(1, Math.min(this.limit, this.holding));
		const waitMs = Math.max(retryAfterMs ?? 0, backoffDelay(this.refusals, DEFAULT_RETRY));
		this.notBefore = Date.now() + waitMs;
		return waitMs;
	}

	/**
	 * Wait until `ready()` holds, then `take()` in the same tick (no other waiter can slip in
	 * between the check and the taking), waking on every change and when `notBefore` passes.
	 * A back-off that ends at or after `deadline` fails the wait at once: sleeping through it
	 * would only end in a time-out, with nothing submitted.
	 */
	private async claim(
		ready: () => boolean,
		take: () => unknown,
		signal: AbortSignal,
		deadline: number,
	): Promise<void> {
		while (!ready()) {
			signal.throwIfAborted();
			if (this.notBefore >= deadline) throw new TurnPastDeadline(this.notBefore);
			const wake = new AbortController();
			const waker = () => wake.abort();
			this.wakers.add(waker);
			signal.addEventListener('abort', waker, { once: true });
			try {
				// Wake at the latest when a Retry-After or backoff ends (it changes no count).
				const wait = this.notBefore > Date.now() ? this.notBefore - Date.now() : 60_000;
				await abortableSleep(wait, wake.signal).catch(() => undefined);
			} finally {
				this.wakers.delete(waker);
				signal.removeEventListener('abort', waker);
			}
		}
		signal.throwIfAborted();
		take();
	}

	private wake(): void {
		for (const waker of [...this.wakers]) waker();
	}
}
