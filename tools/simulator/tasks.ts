/** A task's state is a function of its plan and the clock: no timers needed to advance it. */
import type { SimTask, TaskData, TaskPlan } from './types';

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

/** Final whatever the case a plan answers in. */
export function isFinal(state: string): boolean {
	return ['success', 'failed'].includes(state.toLowerCase());
}

export function resultUrls(task: SimTask, fileOrigin: string): string[] {
	const count = task.plan.resultUrlCount ?? 1;
	return Array.from({ length: count }, (_, n) =>
		n === 0
			? `${fileOrigin}/files/${task.taskId}.mp4`
			: `${fileOrigin}/files/${task.taskId}-${n}.mp4`,
	);
}

const cased = (plan: TaskPlan, state: string) =>
	plan.stateCase === 'upper' ? state.toUpperCase() : state;

/** The `data` of a status answer (and of the callback), exactly as the API page shows it. */
export function taskData(task: SimTask, now: number, timing: Timing, fileOrigin: string): TaskData {
	const { plan } = task;
	const base = { taskId: task.taskId, createTime: task.createdAt };
	const done = finalAt(task, timing);
	if (done === undefined || now < done) {
		const pending = plan.pendingMs ?? timing.pendingMs;
		const early = now < task.createdAt + pending && plan.outcome !== 'stuck';
		const [first = 'pending', second = 'processing'] = plan.runningStates ?? [];
		return { ...base, state: cased(plan, early ? first : second) };
	}
	const finished = {
		completeTime: done,
		...(plan.omitCostTime ? {} : { costTime: done - task.createdAt }),
	};
	if (plan.outcome === 'failed') {
		return {
			...base,
			state: cased(plan, 'failed'),
			failCode: plan.failCode ?? 'UPSTREAM_ERROR',
			failMsg: plan.failMsg ?? 'Upstream error',
			...finished,
		};
	}
	return {
		...base,
		state: cased(plan, 'success'),
		resultJson: plan.resultJson ?? JSON.stringify({ resultUrls: resultUrls(task, fileOrigin) }),
		...finished,
	};
}
