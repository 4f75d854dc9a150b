/** Status/callback data → the output fields both nodes emit (names are a public contract). */
import { parseResultJson, type TaskData } from './contract';

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
