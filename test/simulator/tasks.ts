/** A task's state is a function of its plan and the clock: no timers needed to advance it. */
import type { TaskData } from '../../nodes/apixo/contract';
import type { SimTask } from './types';

export interface Timing {
	pendingMs: number;
	processingMs: number;
}

/** When the task reaches its final state, or undefined if it never does. */
export function finalAt(task: SimTask, timing: Timing): number | undefined {
	if (task.plan.outcome === 'stuck') return undefined;
	const pending = task.plan.pendingMs ?? timing.pendingMs;
	const processing = task.plan.processingMs ?? timing.processingMs;
	return task.createdAt + pending + processing;
}

export function resultUrls(task: SimTask, fileOrigin: string): string[] {
	const count = task.plan.resultUrlCount ?? 1;
	return Array.from({ length: count }, (_, n) =>
		n === 0
			? `${fileOrigin}/files/${task.taskId}.mp4`
			: `${fileOrigin}/files/${task.taskId}-${n}.mp4`,
	);
}

/** The `data` of a status answer (and of the callback), exactly as the API page shows it. */
export function taskData(task: SimTask, now: number, timing: Timing, fileOrigin: string): TaskData {
	const base = { taskId: task.taskId, createTime: task.createdAt };
	const done = finalAt(task, timing);
	if (done === undefined || now < done) {
		const pending = task.plan.pendingMs ?? timing.pendingMs;
		const state =
			now < task.createdAt + pending && task.plan.outcome !== 'stuck' ? 'pending' : 'processing';
		return { ...base, state };
	}
	const finished = { completeTime: done, costTime: done - task.createdAt };
	if (task.plan.outcome === 'failed') {
		return {
			...base,
			state: 'failed',
			failCode: task.plan.failCode ?? 'UPSTREAM_ERROR',
			failMsg: task.plan.failMsg ?? 'Upstream error',
			...finished,
		};
	}
	return {
		...base,
		state: 'success',
		resultJson:
			task.plan.resultJson ?? JSON.stringify({ resultUrls: resultUrls(task, fileOrigin) }),
		...finished,
	};
}
