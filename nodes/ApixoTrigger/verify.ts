/**
 * Re-read a delivered task from APIXO's status endpoint, within APIXO's 30 s: a delivery not
 * answered 200 in time is sent again, and the copy would start a second verification (and can
 * start a second run, since n8n gives each webhook call its own copy of static data).
 *
 * The delivery comes from anyone who knows the URL: what goes back says only what happened, with
 * at most a short prefix of the task ID; APIXO's own words go to the log.
 */
import type { IWebhookFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { MODEL_ID, type TaskData } from '../apixo/contract';
import { toTaskResult } from '../apixo/result';
import { getTaskStatus } from '../apixo/transport';
import { clip } from './delivery';

/** All of a verification, retries and waits included: well inside APIXO's 30 s. */
export const VERIFY_BUDGET_MS = 20_000;
/** One status read (APIXO answers in well under a second when it is well). */
const REQUEST_TIMEOUT_MS = 8_000;
const ID_PREFIX = 8;

export type Verified =
	| { ok: true; data: TaskData }
	| { ok: false; status: 404 | 502 | 503; error: string };

export async function verifyTask(this: IWebhookFunctions, taskId: string): Promise<Verified> {
	const model = (this.getNodeParameter('model', MODEL_ID) as string) || MODEL_ID;
	const started = Date.now();
	const outcome = await getTaskStatus
		.call(this, taskId, {
			model,
			retry: {
				maxAttempts: 3,
				timeoutMs: REQUEST_TIMEOUT_MS,
				// The transport starts no retry after its deadline: the last one still ends in budget.
				deadline: started + VERIFY_BUDGET_MS - REQUEST_TIMEOUT_MS,
				maxRetryAfterMs: VERIFY_BUDGET_MS,
			},
		})
		.then(
			(data) => ({ data }),
			(error: Error) => ({ error }),
		);
	const task = clip(taskId, ID_PREFIX);
	const log = (what: string, detail: string) =>
		this.logger.warn(`APIXO Trigger: ${what}`, {
			taskId,
			model,
			detail,
			elapsedMs: Date.now() - started,
		});

	if ('data' in outcome) {
		const parsed = toTaskResult(outcome.data);
		if (parsed.ok) return { ok: true, data: outcome.data };
		log("APIXO's status answer could not be read", parsed.message);
		return { ok: false, status: 502, error: `APIXO's answer for task ${task} could not be read` };
	}
	// The transport's messages never carry the API key (it redacts them).
	const { error } = outcome;
	if (error instanceof NodeApiError && error.httpCode === '404') {
		log('a delivery for a task APIXO does not know (forged, or another model)', error.message);
		return { ok: false, status: 404, error: `task ${task} is unknown to APIXO` };
	}
	// Not 200: APIXO delivers again later, when the status endpoint may answer.
	log('could not verify a delivery with APIXO', error.message);
	return { ok: false, status: 503, error: `could not verify task ${task} with APIXO, retry later` };
}
