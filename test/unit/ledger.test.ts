/**
 * The ledger of submits (Retry On Fail reuses what an earlier try created) and the task list in
 * the execution's custom data, on a stand-in of the node context n8n hands them.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { SubmitBody } from '../../nodes/apixo/contract';
import {
	Ledger,
	noteTaskInExecution,
	TASKS_CUSTOM_DATA_KEY,
} from '../../nodes/SeedanceMini/helpers/ledger';

/** A node context: its persistent context, run index and custom data, as n8n keeps them. */
function nodeContext(custom: Record<string, string> | undefined = {}) {
	const context: IDataObject = {};
	let runIndex = 0;
	const ctx = {
		getContext: () => context,
		getWorkflowDataProxy: () => ({
			$thisRunIndex: runIndex,
			$execution: {
				customData: custom && {
					get: (key: string) => custom[key],
					set: (key: string, value: string) => (custom[key] = value),
				},
			},
		}),
	} as unknown as IExecuteFunctions;
	return { ctx, context, custom, run: (index: number) => (runIndex = index) };
}

const body = (prompt: string) =>
	({ request_type: 'async', input: { mode: 'text-to-video', prompt } }) as unknown as SubmitBody;

describe('Ledger', () => {
	it('keys an item by its index and its body', () => {
		const key = Ledger.key(0, body('a fox'));
		expect(key).toMatch(/^[\w-]{22}$/);
		expect(Ledger.key(0, body('a fox'))).toBe(key);
		expect(Ledger.key(1, body('a fox'))).not.toBe(key);
		expect(Ledger.key(0, body('an owl'))).not.toBe(key);
	});

	it('reuses a task of an earlier try unless it failed; an unknown outcome is remembered', () => {
		const { ctx } = nodeContext();
		const first = Ledger.open(ctx);
		first.submitted('a', 'task-a', 190_000, 1000);
		first.submitted('b', 'task-b', 190_000, 2000);
		first.settled('b', 'failed');
		first.outcomeUnknown('c', 'APIXO submit failed: 500', 190_000);
		const retry = Ledger.open(ctx);
		expect(retry.reusable('a')).toEqual({ taskId: 'task-a', at: 1000, micros: 190_000 });
		expect(retry.reusable('b')).toBeUndefined();
		expect(retry.reusable('c')).toBeUndefined();
		expect(retry.unknownOutcome('c')).toBe('APIXO submit failed: 500');
		expect(retry.unknownOutcome('a')).toBeUndefined();
		retry.settled('a', 'success');
		expect(Ledger.open(ctx).reusable('a')?.state).toBe('success');
		// Settling what was never submitted changes nothing.
		retry.settled('z', 'success');
		expect(retry.reusable('z')).toBeUndefined();
	});

	it('counts what the node may have spent: every run, replaced failures, unknown outcomes', () => {
		const { ctx, run } = nodeContext();
		const first = Ledger.open(ctx);
		first.submitted('a', 'task-a', 100, 1);
		first.outcomeUnknown('b', 'lost', 20);
		expect(first.spentMicros()).toBe(120);
		// The failed task is replaced by a new submit: both count.
		first.settled('a', 'failed');
		first.submitted('a', 'task-a2', 100, 2);
		expect(first.spentMicros()).toBe(220);
		run(1);
		const next = Ledger.open(ctx);
		// A new run (a loop iteration) reuses nothing of the last one, and spent carries over.
		expect(next.reusable('a')).toBeUndefined();
		expect(next.spentMicros()).toBe(220);
		next.submitted('a', 'task-a3', 5, 3);
		expect(next.spentMicros()).toBe(225);
	});

	it("keeps one pause secret per run: a retry gets the first try's, a new run a new one", () => {
		const { ctx, run } = nodeContext();
		let n = 0;
		const fresh = () => `secret-${++n}`;
		expect(Ledger.open(ctx).secret(fresh)).toBe('secret-1');
		expect(Ledger.open(ctx).secret(fresh)).toBe('secret-1');
		run(1);
		expect(Ledger.open(ctx).secret(fresh)).toBe('secret-2');
	});
});

describe('the tasks in the execution custom data', () => {
	const id = (n: number) => n.toString(16).padStart(32, '0');

	it('lists the count and the newest tasks first', () => {
		const { ctx, custom } = nodeContext();
		noteTaskInExecution(ctx, id(1));
		expect(custom![TASKS_CUSTOM_DATA_KEY]).toBe(`1 task, newest first: ${id(1)}`);
		noteTaskInExecution(ctx, id(2));
		expect(custom![TASKS_CUSTOM_DATA_KEY]).toBe(`2 tasks, newest first: ${id(2)} ${id(1)}`);
	});

	it("stays within n8n's 255 characters, dropping the oldest IDs but counting them", () => {
		const { ctx, custom } = nodeContext();
		for (let n = 1; n <= 12; n++) noteTaskInExecution(ctx, id(n));
		const value = custom![TASKS_CUSTOM_DATA_KEY];
		expect(value.length).toBeLessThanOrEqual(255);
		expect(value).toBe(
			`12 tasks, newest first: ${[12, 11, 10, 9, 8, 7, 6].map(id).join(' ')}`,
		);
	});

	it('does nothing where n8n offers no custom data', () => {
		const { ctx } = nodeContext(undefined);
		expect(() => noteTaskInExecution(ctx, id(1))).not.toThrow();
	});
});
