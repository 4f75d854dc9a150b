/**
 * A final task's data → the output fields and, when something is wrong, the words a user reads.
 * Literal expectations: a change of wording shows here.
 */
import type { TaskData } from '../../nodes/apixo/contract';
import { taskProblem, toTaskResult } from '../../nodes/apixo/result';

const problemOf = (data: Partial<TaskData>) => {
	const task = { taskId: 'task-7', state: 'failed', ...data } as TaskData;
	return taskProblem(task, toTaskResult(task));
};

describe('taskProblem', () => {
	it('a failed task: its failCode, failMsg, the advice and the task ID', () => {
		expect(problemOf({ failCode: 'Timeout', failMsg: 'slow upstream' })).toEqual({
			message: 'Task task-7 failed: Timeout — slow upstream',
			description:
				'Upstream timeout. What to do: Retry later or use callback mode. Task ID: task-7',
		});
	});

	it('a failed task without failCode or failMsg', () => {
		expect(problemOf({})).toEqual({
			message: 'Task task-7 failed: no failCode',
			description:
				'The task failed. What to do: Retry with backoff, or contact APIXO support with the task ID. Task ID: task-7',
		});
	});

	it('a success whose resultJson cannot be read: the video may exist', () => {
		const problem = problemOf({ state: 'success', resultJson: 'not json' });
		expect(problem?.message).toMatch(/^Task task-7 finished but its result could not be read: /);
		expect(problem?.description).toBe(
			'APIXO reported success, so the video may exist: run "Get Status" again later with this task ID, or contact APIXO support. Task ID: task-7',
		);
	});

	it('nothing for a success that reads, or a task still running', () => {
		expect(
			problemOf({ state: 'success', resultJson: '{"resultUrls":["https://cdn.example/v.mp4"]}' }),
		).toBeUndefined();
		expect(problemOf({ state: 'processing' })).toBeUndefined();
	});
});
