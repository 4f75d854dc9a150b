/**
 * Runs one job per item, `concurrency` at a time, and turns outcomes into output items the n8n
 * way: continueOnFail gives the failing item an `error` (plus the task fields it has), otherwise
 * the first real failure stops the batch — after the other jobs have stopped, and with every task
 * ID submitted so far in the error, so nothing paid for is lost.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { operationError } from './operationError';

/**
 * Whether a failing item becomes an error item instead of stopping the node: Continue On Fail,
 * or the node running as an AI Agent's tool — the model should read the error and fix its
 * arguments, where n8n up to 2.23 would end the whole execution on a tool's error.
 */
export function continuesOnFail(ctx: IExecuteFunctions): boolean {
	const node = ctx.getNode() as { type: string; rewireOutputLogTo?: string };
	return ctx.continueOnFail() || node.type.endsWith('Tool') || node.rewireOutputLogTo === 'ai_tool';
}

export interface Job {
	itemIndex: number;
	run: (signal: AbortSignal) => Promise<INodeExecutionData>;
}

export class Batch {
	/** itemIndex → taskId for every task this execution created or looked at. */
	readonly tasks = new Map<number, string>();

	private readonly stop = new AbortController();

	/**
	 * One signal per running job, fanned out from `stop` by a single listener: dozens of waits
	 * listening on one signal would trip Node's "possible EventTarget memory leak" warning.
	 */
	private readonly running = new Set<AbortController>();

	constructor(private readonly ctx: IExecuteFunctions) {
		this.stop.signal.addEventListener(
			'abort',
			() => this.running.forEach((job) => job.abort(this.stop.signal.reason)),
			{ once: true },
		);
	}

	private async runJob(job: Job) {
		const controller = new AbortController();
		if (this.stop.signal.aborted) controller.abort(this.stop.signal.reason);
		this.running.add(controller);
		try {
			return await settle(job.run(controller.signal));
		} finally {
			this.running.delete(controller);
		}
	}

	errorItem(error: Error, itemIndex: number): INodeExecutionData {
		const context = (error as NodeOperationError).context ?? {};
		const fields = (context.fields as IDataObject | undefined) ?? {};
		const taskId = (context.taskId as string | undefined) ?? this.tasks.get(itemIndex);
		return {
			json: {
				error: error.message,
				...(taskId ? { taskId } : {}),
				...fields,
				...((error as NodeApiError).description
					? { errorDescription: (error as NodeApiError).description }
					: {}),
			},
			pairedItem: { item: itemIndex },
		};
	}

	/** `ready` holds items settled before any job ran (e.g. validation errors under continueOnFail). */
	async run(
		jobs: Job[],
		concurrency: number,
		ready: Map<number, INodeExecutionData> = new Map(),
	): Promise<INodeExecutionData[]> {
		const continueOnFail = continuesOnFail(this.ctx);
		let firstFailure: { error: Error; itemIndex: number } | undefined;
		// Listen on the execution's signal only while jobs run: in a loop the node runs many times
		// in one execution, and each run's listener would otherwise stay until the execution ends.
		const cancel = this.ctx.getExecutionCancelSignal();
		const stop = () => this.stop.abort();
		if (cancel?.aborted) stop();
		cancel?.addEventListener('abort', stop, { once: true });
		const outcomes = await mapWithConcurrency(
			jobs,
			concurrency,
			async (job) => {
				const outcome = await this.runJob(job);
				if (
					outcome.status === 'rejected' &&
					!continueOnFail &&
					!firstFailure &&
					!this.stop.signal.aborted
				) {
					firstFailure = { error: outcome.reason as Error, itemIndex: job.itemIndex };
					this.stop.abort();
				}
				return await (outcome.status === 'fulfilled'
					? outcome.value
					: Promise.reject(outcome.reason));
			},
			this.stop.signal,
		).finally(() => cancel?.removeEventListener('abort', stop));

		if (firstFailure) throw this.withTaskList(firstFailure.error, firstFailure.itemIndex);
		const cancelled = outcomes.find((o) => o.status === 'rejected' && this.stop.signal.aborted);
		if (cancelled) throw this.stopped((cancelled as PromiseRejectedResult).reason);

		jobs.forEach((job, n) => {
			const outcome = outcomes[n];
			ready.set(
				job.itemIndex,
				outcome.status === 'fulfilled'
					? outcome.value
					: this.errorItem(outcome.reason, job.itemIndex),
			);
		});
		return [...ready.keys()].sort((a, b) => a - b).map((index) => ready.get(index)!);
	}

	/** Name every task of this run in the error, so none is lost when the execution stops. */
	private withTaskList(error: Error, itemIndex?: number): Error {
		const others = [...this.tasks].filter(([index]) => index !== itemIndex);
		if (others.length && (error instanceof NodeOperationError || error instanceof NodeApiError)) {
			const list = others.map(([index, taskId]) => `item ${index}: ${taskId}`).join(', ');
			const which = itemIndex === undefined ? 'Tasks' : 'Other tasks';
			error.description =
				`${error.description ?? ''} ${which} of this run (still billed, check them with "Get Status"): ${list}.`.trim();
			error.context.otherTaskIds = others.map(([, taskId]) => taskId);
		}
		return error;
	}

	/**
	 * The execution was stopped (Stop, the workflow's timeout): the error lists every task already
	 * submitted — on n8n Cloud the execution's error is the only place a user can find them.
	 */
	private stopped(reason: unknown): Error {
		const error =
			reason instanceof NodeOperationError || reason instanceof NodeApiError
				? reason
				: operationError(this.ctx.getNode(), 'The execution was stopped');
		if (this.tasks.size) {
			this.ctx.logger.warn('Seedance Mini: stopped with tasks still rendering (billed)', {
				taskIds: [...this.tasks.values()],
			});
		}
		return this.withTaskList(error);
	}
}

/** Settle a promise into a value or an error, without a try/catch at the call site. */
export async function settle<R>(promise: Promise<R>): Promise<PromiseSettledResult<R>> {
	return await promise.then(
		(value) => ({ status: 'fulfilled' as const, value }),
		(reason: unknown) => ({ status: 'rejected' as const, reason }),
	);
}

/**
 * Run `job` for every entry with at most `limit` running at once, keeping input order in the
 * result. Entries not started when `signal` aborts are settled as rejected, never run.
 */
export async function mapWithConcurrency<T, R>(
	entries: T[],
	limit: number,
	job: (entry: T) => Promise<R>,
	signal?: AbortSignal,
): Promise<Array<PromiseSettledResult<R>>> {
	const results: Array<PromiseSettledResult<R>> = new Array(entries.length);
	let next = 0;
	const worker = async () => {
		while (next < entries.length) {
			const index = next++;
			results[index] = signal?.aborted
				? { status: 'rejected', reason: signal.reason }
				: await settle(job(entries[index]));
		}
	};
	const workers = Math.max(1, Math.min(limit, entries.length));
	await Promise.all(Array.from({ length: workers }, worker));
	return results;
}
