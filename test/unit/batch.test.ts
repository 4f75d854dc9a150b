/**
 * The batch runner without HTTP: which failures become error items, what an error item and the
 * batch's error carry (every paid task ID), how a failure stops the other jobs, and the
 * concurrency limit of `mapWithConcurrency`.
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import {
	Batch,
	continuesOnFail,
	mapWithConcurrency,
	type Job,
} from '../../nodes/SeedanceMini/helpers/batch';
import { SEEDANCE_NODE as NODE } from '../harness/node';

function fakeContext(node: Record<string, unknown> = {}, onFail = false) {
	return {
		getNode: () => ({ ...NODE, ...node }),
		continueOnFail: () => onFail,
		getExecutionCancelSignal: () => undefined,
	} as unknown as IExecuteFunctions;
}

const apiError = (description?: string) =>
	new NodeApiError(NODE, { message: 'APIXO status failed: 401' }, { description, httpCode: '401' });

/** A job that records its task and then succeeds, or fails with `failure`. */
const job = (batch: Batch, itemIndex: number, failure?: Error): Job => ({
	itemIndex,
	run: async () => {
		batch.tasks.set(itemIndex, `task-${itemIndex}`);
		if (failure) throw failure;
		return { json: { taskId: `task-${itemIndex}` } };
	},
});

describe('continuesOnFail', () => {
	it.each([
		['Continue On Fail', {}, true, true],
		['a plain node', {}, false, false],
		['the node as an AI tool (type)', { type: 'n8n-nodes-apixo.seedanceMiniTool' }, false, true],
		['the node as an AI tool (rewired output)', { rewireOutputLogTo: 'ai_tool' }, false, true],
		['another rewired output', { rewireOutputLogTo: 'main' }, false, false],
		['a type with "Tool" elsewhere', { type: 'n8n-nodes-apixo.ToolseedanceMini' }, false, false],
	])('%s', (_, node, onFail, expected) => {
		expect(continuesOnFail(fakeContext(node, onFail))).toBe(expected);
	});
});

describe('error items', () => {
	it('carry the task ID the error names, before the one the batch recorded', () => {
		const batch = new Batch(fakeContext());
		batch.tasks.set(0, 'recorded');
		const error = new NodeOperationError(NODE, 'failed', { itemIndex: 0 });
		error.context.taskId = 'named';
		error.context.fields = { state: 'failed', failCode: 'Timeout' };
		expect(batch.errorItem(error, 0)).toEqual({
			json: { error: 'failed', taskId: 'named', state: 'failed', failCode: 'Timeout' },
			pairedItem: { item: 0 },
		});
	});

	it("carry the batch's task ID when the error names none, and the error's description", () => {
		const batch = new Batch(fakeContext());
		batch.tasks.set(3, 'recorded');
		const error = apiError('Check the API key.');
		expect(batch.errorItem(error, 3)).toEqual({
			json: {
				error: error.message,
				taskId: 'recorded',
				errorDescription: 'Check the API key.',
			},
			pairedItem: { item: 3 },
		});
	});

	it('have no taskId when no task was created', () => {
		const batch = new Batch(fakeContext());
		expect(batch.errorItem(new Error('bad input'), 1)).toEqual({
			json: { error: 'bad input' },
			pairedItem: { item: 1 },
		});
	});
});

describe("the batch's error when an item fails", () => {
	const other = 'Other tasks of this run (still billed, check them with "Get Status")';

	it.each([
		[
			'an API error with a description',
			() => apiError('Check the API key.'),
			'Check the API key. ',
		],
		['an operation error without one', () => new NodeOperationError(NODE, 'task failed'), ''],
		[
			'an operation error',
			() => new NodeOperationError(NODE, 'task failed', { description: 'Rewrite the prompt.' }),
			'Rewrite the prompt. ',
		],
	])('%s names every other task of the run, in order', async (_, failure, before) => {
		const batch = new Batch(fakeContext());
		const error = failure();
		await expect(batch.run([job(batch, 0), job(batch, 1, error), job(batch, 2)], 1)).rejects.toBe(
			error,
		);
		expect(error.description).toBe(`${before}${other}: item 0: task-0.`);
		expect(error.context.otherTaskIds).toEqual(['task-0']);
	});

	it("names the tasks of items that ran alongside, not the failing item's own", async () => {
		const batch = new Batch(fakeContext());
		const error = new NodeOperationError(NODE, 'task failed');
		const jobs = [job(batch, 0), job(batch, 1), job(batch, 2, error)];
		await expect(batch.run(jobs, 3)).rejects.toBe(error);
		expect(error.description).toBe(`${other}: item 0: task-0, item 1: task-1.`);
		expect(error.context.otherTaskIds).toEqual(['task-0', 'task-1']);
	});

	it('is left as it is when no other task was created', async () => {
		const batch = new Batch(fakeContext());
		const error = apiError('Check the API key.');
		await expect(batch.run([job(batch, 0, error)], 1)).rejects.toBe(error);
		expect(error.description).toBe('Check the API key.');
		expect(error.context.otherTaskIds).toBeUndefined();
	});

	it('stops the jobs still running (their signal aborts) before it is thrown', async () => {
		const batch = new Batch(fakeContext());
		const error = apiError();
		let stopped: boolean | undefined;
		const waiting: Job = {
			itemIndex: 0,
			run: async (signal) => {
				stopped = await new Promise<boolean>((resolve) => {
					const timer = setTimeout(() => resolve(false), 3000);
					signal.addEventListener('abort', () => {
						clearTimeout(timer);
						resolve(true);
					});
				});
				throw signal.reason;
			},
		};
		await expect(batch.run([waiting, job(batch, 1, error)], 2)).rejects.toBe(error);
		expect(stopped).toBe(true);
	});

	it('under Continue On Fail is an error item in its place instead', async () => {
		const batch = new Batch(fakeContext({}, true));
		const items = await batch.run(
			[job(batch, 0), job(batch, 1, new NodeOperationError(NODE, 'task failed')), job(batch, 2)],
			2,
		);
		expect(items.map((item) => item.json)).toEqual([
			{ taskId: 'task-0' },
			{ error: 'task failed', taskId: 'task-1' },
			{ taskId: 'task-2' },
		]);
	});
});

describe('mapWithConcurrency', () => {
	async function runAll(count: number, limit: number, signal?: AbortSignal) {
		let running = 0;
		let peak = 0;
		const seen: unknown[] = [];
		const results = await mapWithConcurrency(
			Array.from({ length: count }, (_, n) => n),
			limit,
			async (entry) => {
				seen.push(entry);
				peak = Math.max(peak, ++running);
				await new Promise((resolve) => setTimeout(resolve, 10));
				running--;
				return entry * 10;
			},
			signal,
		);
		return { results, peak, seen };
	}

	it('runs each entry once, at most `limit` at a time, results in input order', async () => {
		const { results, peak, seen } = await runAll(5, 2);
		expect(seen).toEqual([0, 1, 2, 3, 4]);
		expect(peak).toBe(2);
		expect(results).toEqual([0, 10, 20, 30, 40].map((value) => ({ status: 'fulfilled', value })));
	});

	it('a limit below one still runs the entries, one at a time', async () => {
		const { seen, peak } = await runAll(3, 0);
		expect(seen).toEqual([0, 1, 2]);
		expect(peak).toBe(1);
	});

	it('entries not started when the signal aborts are rejected, never run', async () => {
		const controller = new AbortController();
		controller.abort(new Error('stopped'));
		const { results, seen } = await runAll(2, 2, controller.signal);
		expect(seen).toEqual([]);
		expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
	});
});
