/**
 * What earlier tries of this node run already submitted: never pay twice for one item.
 *
 * n8n's Retry On Fail runs execute() again, with the same input, after a thrown error and when
 * the first output item carries `json.error` (Continue On Fail's error item). Nothing else tells
 * a try that it is a retry, so every submit is written down in the node's context, which lives
 * as long as the execution (a parked one included) and is shared by every run of the node. An
 * entry belongs to one run index: a Loop Over Items iteration is a new run, with tasks of its own.
 * The key is the item's index and its submit body, so a changed item is a new task.
 */
import { createHash } from 'crypto';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { SubmitBody } from '../../apixo/contract';

export interface LedgerEntry {
	/** The task an earlier try created; absent when its submit had an unknown outcome. */
	taskId?: string;
	/** When it was submitted (epoch ms): the first poll of a reused task keeps its schedule. */
	at: number;
	/** The last final state seen (`success`, `failed`). */
	state?: string;
	/** The submit's error message, when its outcome was unknown (it may have created a task). */
	unknown?: string;
	/** Its estimated cost: what it counts against the Budget. */
	micros: number;
}

interface Stored {
	run: number;
	/** Pause mode's batch secret: tasks of an earlier try call back with it. */
	secret?: string;
	entries: Record<string, LedgerEntry>;
	/** Estimated micro-dollars of every task earlier runs (and replaced entries) may have cost. */
	spentBefore: number;
}

const CONTEXT_KEY = 'apixoSubmits';

/** What an entry may have cost: a created task, or a submit whose outcome was unknown. */
const billed = (entry: LedgerEntry) => (entry.taskId || entry.unknown ? entry.micros : 0);

export class Ledger {
	private constructor(private readonly stored: Stored) {}

	/** The ledger of this run of the node (earlier runs' entries folded into what they spent). */
	static open(ctx: IExecuteFunctions): Ledger {
		const context = ctx.getContext('node') as IDataObject;
		const run = Number(ctx.getWorkflowDataProxy(0).$thisRunIndex) || 0;
		const previous = context[CONTEXT_KEY] as Stored | undefined;
		if (previous?.run === run) return new Ledger(previous);
		const spentBefore = previous
			? previous.spentBefore + Object.values(previous.entries).reduce((s, e) => s + billed(e), 0)
			: 0;
		const stored: Stored = { run, entries: {}, spentBefore };
		context[CONTEXT_KEY] = stored;
		return new Ledger(stored);
	}

	/** The key of one item's submit: its index and its body (without pause mode's callback). */
	static key(itemIndex: number, body: SubmitBody): string {
		return createHash('sha256')
			.update(JSON.stringify([itemIndex, body]))
			.digest('base64url')
			.slice(0, 22);
	}

	/** A task an earlier try created that did not fail: wait for it or take its result. */
	reusable(key: string): (LedgerEntry & { taskId: string }) | undefined {
		const entry = this.stored.entries[key];
		return entry?.taskId && entry.state !== 'failed'
			? (entry as LedgerEntry & { taskId: string })
			: undefined;
	}

	/** The message of an earlier try's submit whose outcome was unknown: never sent again. */
	unknownOutcome(key: string): string | undefined {
		return this.stored.entries[key]?.unknown;
	}

	submitted(key: string, taskId: string, micros: number, at = Date.now()): void {
		this.replace(key, { taskId, at, micros });
	}

	/** A submit that failed after the request left: it may have created a task. */
	outcomeUnknown(key: string, message: string, micros: number): void {
		this.replace(key, { unknown: message, at: Date.now(), micros });
	}

	/** A task of this ledger reached a final state. */
	settled(key: string, state: string): void {
		const entry = this.stored.entries[key];
		if (entry) entry.state = state;
	}

	/** Estimated micro-dollars this node may have spent in this execution so far. */
	spentMicros(): number {
		return (
			this.stored.spentBefore +
			Object.values(this.stored.entries).reduce((sum, entry) => sum + billed(entry), 0)
		);
	}

	/** Pause mode's batch secret for this run: the one an earlier try gave APIXO, or `fresh`. */
	secret(fresh: () => string): string {
		this.stored.secret ??= fresh();
		return this.stored.secret;
	}

	/** A failed task replaced by a new submit still counts against the Budget. */
	private replace(key: string, entry: LedgerEntry): void {
		const earlier = this.stored.entries[key];
		if (earlier) this.stored.spentBefore += billed(earlier);
		this.stored.entries[key] = entry;
	}
}

/** The execution's custom data key that lists its tasks (n8n keeps it when the run is stopped). */
export const TASKS_CUSTOM_DATA_KEY = 'apixo_task_ids';
/** n8n's limit for a custom data value. */
const CUSTOM_DATA_MAX = 255;

/**
 * Add a new task to the execution's custom data: "<count> tasks, newest first: <id> <id> …".
 * Stop and the workflow's timeout cancel an execution before the node can report anything, and
 * n8n saves it as it was: its custom data (Executions list, REST and public API) then still
 * names the tasks — on n8n Cloud there is no server log to find them in.
 */
export function noteTaskInExecution(ctx: IExecuteFunctions, taskId: string): void {
	const custom = (
		ctx.getWorkflowDataProxy(0).$execution as
			| {
					customData?: {
						get(key: string): string | undefined;
						set(key: string, value: string): void;
					};
			  }
			| undefined
	)?.customData;
	if (!custom) return;
	const earlier = /^(\d+) tasks?, newest first: (.*)$/.exec(custom.get(TASKS_CUSTOM_DATA_KEY) ?? '');
	const count = Number(earlier?.[1] ?? 0) + 1;
	const ids = [taskId, ...(earlier?.[2].split(' ').filter(Boolean) ?? [])];
	let value = '';
	for (let shown = ids.length; shown > 0; shown--) {
		value = `${count} task${count > 1 ? 's' : ''}, newest first: ${ids.slice(0, shown).join(' ')}`;
		if (value.length <= CUSTOM_DATA_MAX) break;
	}
	custom.set(TASKS_CUSTOM_DATA_KEY, value);
}
