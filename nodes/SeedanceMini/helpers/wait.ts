/**
 * The poll scheduler: how long to wait before each status call, when to give up, and how many
 * tasks run at once. Timing follows the API page: a first poll after the mode's typical
 * latency, then a steady interval; transient read errors are retried by the transport and, if
 * they persist, by the next poll, so a short outage never loses a task.
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { isFinalState, type TaskData } from '../../apixo/contract';
import { abortableSleep } from '../../apixo/sleep';
import type { RetryPolicy } from '../../apixo/retry';
import { getTaskStatus } from '../../apixo/transport';

export interface PollSettings {
	/** Wait before the first status call, from `startedAt`. */
	firstPollDelayMs: number;
	pollIntervalMs: number;
	/** Give up (with `timedOut`) this long after `startedAt`. */
	maxWaitMs: number;
}

export interface WaitOutcome {
	data: TaskData;
	timedOut: boolean;
}

/** A read error worth another poll later: overload, 5xx, or no answer at all. */
function isTransient(error: unknown): boolean {
	return error instanceof NodeApiError && error.context.retryable === true;
}

export async function waitForTask(
	this: IExecuteFunctions,
	taskId: string,
	settings: PollSettings,
	options: {
		startedAt: number;
		/** The first poll is due firstPollDelay after this (default `startedAt`). */
		submittedAt?: number;
		itemIndex: number;
		signal?: AbortSignal;
		/** The state already known (getStatus polls once before waiting). */
		known?: TaskData;
		retry?: Partial<RetryPolicy>;
	},
): Promise<WaitOutcome> {
	const deadline = options.startedAt + settings.maxWaitMs;
	let last: TaskData = options.known ?? { taskId, state: 'pending' };
	const created = options.known?.createTime;
	let nextPollAt = options.known
		? Math.max(
				Date.now() + settings.pollIntervalMs,
				(typeof created === 'number' ? created : options.startedAt) + settings.firstPollDelayMs,
			)
		: (options.submittedAt ?? options.startedAt) + settings.firstPollDelayMs;
	let previousState: string | undefined;

	for (;;) {
		const now = Date.now();
		if (nextPollAt > deadline) {
			// The next poll would land after maxWait: one last look at the deadline, then stop.
			nextPollAt = deadline;
			if (now >= deadline) return { data: last, timedOut: true };
		}
		await abortableSleep(Math.max(0, nextPollAt - now), options.signal);
		const poll = await getTaskStatus
			.call(this, taskId, {
				itemIndex: options.itemIndex,
				signal: options.signal,
				// A hanging API must not hold the wait past maxWait (the deadline cuts each request too).
				retry: { ...options.retry, deadline },
			})
			.then(
				(data) => ({ data, error: undefined }),
				(error: Error) => ({ data: undefined, error }),
			);
		let notBefore = 0;
		if (poll.data) {
			last = poll.data;
		} else if (isTransient(poll.error) && !options.signal?.aborted) {
			const retryAfterMs = (poll.error as NodeApiError).context.retryAfterMs;
			if (typeof retryAfterMs === 'number') notBefore = Date.now() + retryAfterMs;
			this.logger.warn(`Seedance Mini: status of ${taskId} unavailable, will poll again`, {
				taskId,
				error: poll.error.message,
			});
		} else {
			throw poll.error;
		}
		const elapsedS = Math.round((Date.now() - options.startedAt) / 1000);
		// Progress for the execution log: every change at info, the rest at debug.
		const log = last.state === previousState ? this.logger.debug : this.logger.info;
		log.call(this.logger, `Seedance Mini: task ${taskId} is ${last.state} after ${elapsedS} s`, {
			taskId,
			state: last.state,
			elapsedS,
		});
		previousState = last.state;
		if (isFinalState(last.state)) return { data: last, timedOut: false };
		// APIXO's Retry-After ends past maxWait: stop now, keeping the taskId (past the deadline,
		// the loop's top stops).
		if (notBefore > deadline) return { data: last, timedOut: true };
		nextPollAt = Math.max(Date.now() + settings.pollIntervalMs, notBefore);
	}
}
