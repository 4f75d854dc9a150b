/** Status/callback data → the output fields both nodes emit (names are a public contract). */
import { parseResultJson, type TaskData } from './contract';
import { failCodeAdvice } from './errors';

export interface TaskResult {
	taskId: string;
	state: string;
	resultUrls: string[];
	videoUrl: string | null;
	failCode: string | null;
	failMsg: string | null;
	createTime: number | string | null;
	completeTime: number | string | null;
	costTime: number | string | null;
}

export type ParsedTaskResult =
	| { ok: true; result: TaskResult }
	| { ok: false; result: TaskResult; message: string };

/**
 * Parse a task's data. A `success` whose resultJson cannot be read is not a success the user
 * can act on: it comes back as `ok: false` with the reason, the task fields kept.
 */
export function toTaskResult(data: TaskData): ParsedTaskResult {
	const parsed = data.state === 'success' ? parseResultJson(data.resultJson) : undefined;
	const resultUrls = parsed?.ok ? parsed.resultUrls : [];
	const result: TaskResult = {
		taskId: data.taskId,
		state: data.state,
		resultUrls,
		videoUrl: resultUrls[0] ?? null,
		failCode: data.failCode ?? null,
		failMsg: data.failMsg ?? null,
		createTime: data.createTime ?? null,
		completeTime: data.completeTime ?? null,
		costTime: data.costTime ?? null,
	};
	if (parsed && !parsed.ok) return { ok: false, result, message: parsed.message };
	return { ok: true, result };
}

/** What is wrong with a final task, in the words a user reads (message + what to do), if anything. */
export function taskProblem(
	data: TaskData,
	parsed: ParsedTaskResult,
): { message: string; description: string } | undefined {
	const { taskId } = data;
	if (!parsed.ok) {
		return {
			message: `Task ${taskId} finished but its result could not be read: ${parsed.message}`,
			description: `APIXO reported success, so the video may exist: run "Get Status" again later with this task ID, or contact APIXO support. Task ID: ${taskId}`,
		};
	}
	if (data.state !== 'failed') return undefined;
	const advice = failCodeAdvice(data.failCode);
	return {
		message: `Task ${taskId} failed: ${data.failCode ?? 'no failCode'}${data.failMsg ? ` — ${data.failMsg}` : ''}`,
		description: `${advice.meaning}. What to do: ${advice.action}. Task ID: ${taskId}`,
	};
}
