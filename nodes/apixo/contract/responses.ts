/** APIXO's answers (submit, status, balance, errors) and the callback body, as zod schemas. */
import { z } from 'zod/v4';

import { FINAL_STATES } from './constants';
import { showValue } from './messages';

/** `{code, message, data}`: every APIXO answer, and the callback body. */
export const envelope = <T extends z.ZodType>(data: T) =>
	// `code` repeats the HTTP status; tolerate its absence (only `data` carries the answer).
	z.object({ code: z.number().optional(), message: z.string().nullish(), data }).passthrough();

/** Unix ms per the API page; numeric strings are read as numbers, other text is kept. */
const timestamp = z
	.union([z.number(), z.string()])
	.transform((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v))
	.nullish();

export const submitDataSchema = z.object({ taskId: z.string().min(1) }).passthrough();
export const submitResponseSchema = envelope(submitDataSchema);

/**
 * States are an open set (a public APIXO client sees `processing_r2`) and their case is not
 * promised: they are lower-cased here, once, so `SUCCESS` is a success everywhere downstream.
 */
const stateSchema = z
	.string()
	.min(1)
	.transform((state) => state.toLowerCase());

export const taskDataSchema = z
	.object({
		taskId: z.string().min(1),
		state: stateSchema,
		resultJson: z.string().nullish(),
		failCode: z.string().nullish(),
		failMsg: z.string().nullish(),
		createTime: timestamp,
		completeTime: timestamp,
		costTime: timestamp,
	})
	.passthrough();
export type TaskData = z.output<typeof taskDataSchema>;

export const statusResponseSchema = envelope(taskDataSchema);

/** What a callback may carry: anyone can post to a trigger URL, so sizes are bounded. */
export const CALLBACK_LIMITS = { taskIdMax: 128, stateMax: 32 } as const;
const TASK_ID = /^[A-Za-z0-9_.-]+$/;

/** The callback body has the same shape as a status answer, with bounded `taskId` and `state`. */
export const callbackPayloadSchema = envelope(
	taskDataSchema.extend({
		taskId: z
			.string()
			.min(1)
			.max(CALLBACK_LIMITS.taskIdMax)
			.regex(TASK_ID, { message: 'must hold only letters, digits, "_", "." or "-"' }),
		state: z.string().min(1).max(CALLBACK_LIMITS.stateMax).pipe(stateSchema),
	}),
);
export type CallbackPayload = z.output<typeof callbackPayloadSchema>;

export const balanceResponseSchema = envelope(z.number());

export const resultPayloadSchema = z.object({ resultUrls: z.array(z.string()) }).passthrough();

/** `success` or `failed`, in any case; every other state (an open set) is still running. */
export function isFinalState(state: string): state is (typeof FINAL_STATES)[number] {
	return (FINAL_STATES as readonly string[]).includes(state.toLowerCase());
}

/** `resultJson` is a JSON *string*; returns the URLs or why it could not be read. */
export function parseResultJson(
	resultJson: string | null | undefined,
): { ok: true; resultUrls: string[] } | { ok: false; message: string } {
	if (resultJson === undefined || resultJson === null || resultJson === '') {
		return { ok: false, message: 'resultJson is missing' };
	}
	let value: unknown;
	try {
		value = JSON.parse(resultJson);
	} catch {
		return {
			ok: false,
			message: `resultJson is not valid JSON (got ${showValue(resultJson)})`,
		};
	}
	const parsed = resultPayloadSchema.safeParse(value);
	if (!parsed.success) {
		return {
			ok: false,
			message: `resultJson has no "resultUrls" list of strings (got ${showValue(value)})`,
		};
	}
	return { ok: true, resultUrls: parsed.data.resultUrls };
}
