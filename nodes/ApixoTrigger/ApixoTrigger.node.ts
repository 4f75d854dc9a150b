import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes } from 'n8n-workflow';

import { MODEL_ID, type TaskData } from '../apixo/contract';
import { readTaskResult } from '../apixo/result';
import { getTaskStatus } from '../apixo/transport';
import { isFinal, parseDelivery, RecentDeliveries, tokenMatches } from './delivery';

type Answer = { status: number; body: IDataObject };

export class ApixoTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'APIXO Trigger',
		name: 'apixoTrigger',
		icon: { light: 'file:../../icons/apixo.svg', dark: 'file:../../icons/apixo.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ "On " + ($parameter["states"] || []).join(" / ") }}',
		description: 'Starts the workflow when APIXO posts a finished task (callback mode)',
		defaults: { name: 'APIXO Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'apixoApi',
				required: true,
				displayOptions: { show: { verifyWithApi: [true] } },
			},
		],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'apixo',
			},
		],
		properties: [
			{
				displayName:
					"Use this node's Production URL as the Callback URL of Seedance Mini (Request Type: Callback), with <code>?token=&lt;your token&gt;</code> added when a Token is set, and activate this workflow. APIXO needs a public https URL: expose n8n through a reverse proxy or a tunnel if it is not reachable from the internet.",
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'States',
				name: 'states',
				type: 'multiOptions',
				options: [
					{ name: 'Success', value: 'success' },
					{ name: 'Failed', value: 'failed' },
				],
				default: ['success', 'failed'],
				description:
					'Which final task states start the workflow (others are acknowledged and ignored)',
			},
			{
				displayName: 'Token',
				name: 'token',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description:
					'When set, a delivery must carry ?token=&lt;this value&gt; in its URL, or it is refused with 401. APIXO does not sign callbacks: the URL is the only place for a secret.',
			},
			{
				displayName: 'Verify with APIXO',
				name: 'verifyWithApi',
				type: 'boolean',
				default: false,
				description:
					'Whether to re-read the task from APIXO with the credential and emit what the API says, not what the delivery claims (a forged delivery cannot inject URLs)',
			},
			{
				displayName: 'Model',
				name: 'model',
				type: 'string',
				default: 'seedance-2-0-mini',
				description: 'The APIXO model ID the tasks were created with (used to re-read them)',
				displayOptions: { show: { verifyWithApi: [true] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Include Raw Payload',
						name: 'includeRaw',
						type: 'boolean',
						default: false,
						description: 'Whether to add the delivery body as received, under "raw"',
					},
					{
						displayName: 'Dedupe Window',
						name: 'dedupeWindow',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 1000,
						description:
							'How many recent task IDs to remember: APIXO retries deliveries, and a task already seen does not start the workflow again',
					},
				],
			},
		],
	};

	// APIXO needs no webhook registration: the URL travels with each task.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return false;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const reply = ({ status, body }: Answer): IWebhookResponseData => {
			if (status === 200) return { webhookResponse: body };
			this.getResponseObject().status(status).json(body);
			return { noWebhookResponse: true };
		};
		const ignore = (reason: string) =>
			reply({ status: 200, body: { received: true, ignored: reason } });

		const token = this.getNodeParameter('token', '') as string;
		if (token && !tokenMatches(token, (this.getQueryData() as IDataObject).token)) {
			return reply({ status: 401, body: { received: false, error: 'missing or wrong token' } });
		}

		const body = this.getBodyData();
		const parsed = parseDelivery(body);
		if (!parsed.ok) return reply({ status: 400, body: { received: false, error: parsed.error } });
		// A long state string is not echoed back whole.
		const state =
			parsed.data.state.length > 80 ? `${parsed.data.state.slice(0, 77)}...` : parsed.data.state;
		if (!isFinal(parsed.data)) return ignore(`state ${state} is not final`);

		const options = this.getNodeParameter('options', {}) as IDataObject;
		const recent = new RecentDeliveries(
			this.getWorkflowStaticData('node'),
			Number(options.dedupeWindow ?? 1000),
		);
		const claimed = RecentDeliveries.key(parsed.data);
		if (recent.has(claimed)) return ignore('duplicate delivery');

		let data: TaskData = parsed.data;
		let verified = false;
		if (this.getNodeParameter('verifyWithApi', false) as boolean) {
			// Mark first: a retry arriving while we ask APIXO must not start a second run.
			recent.add(claimed);
			const checked = await verify.call(this, parsed.data.taskId);
			if ('status' in checked) {
				recent.remove(claimed);
				return reply(checked);
			}
			data = checked.data;
			verified = true;
			if (!isFinal(data)) {
				recent.remove(claimed);
				return ignore(`APIXO says the task is still ${data.state}`);
			}
		}

		const states = this.getNodeParameter('states', ['success', 'failed']) as string[];
		if (!states.includes(data.state)) return ignore(`state ${data.state} is not selected`);
		const key = RecentDeliveries.key(data);
		if (key !== claimed) {
			// APIXO's state differs from the delivery's claim: remember the real one instead.
			recent.remove(claimed);
			if (recent.has(key)) return ignore('duplicate delivery');
			recent.add(key);
		} else if (!verified) {
			recent.add(key);
		}

		const read = readTaskResult(data);
		const json: IDataObject = { ...read.result, verified };
		if (options.includeRaw === true) json.raw = body;
		return {
			webhookResponse: { received: true },
			workflowData: [this.helpers.returnJsonArray([json])],
		};
	}
}

/** The task as APIXO's status endpoint has it, or how to answer the delivery instead. */
async function verify(
	this: IWebhookFunctions,
	taskId: string,
): Promise<{ data: TaskData } | Answer> {
	const model = (this.getNodeParameter('model', MODEL_ID) as string) || MODEL_ID;
	const outcome = await getTaskStatus
		.call(this, taskId, { model, retry: { maxAttempts: 3, timeoutMs: 10_000 } })
		.then(
			(data) => ({ data }),
			(error: Error) => ({ error }),
		);
	if ('data' in outcome) {
		const read = readTaskResult(outcome.data);
		if (read.ok) return { data: outcome.data };
		return { status: 502, body: { received: false, error: `APIXO's answer: ${read.message}` } };
	}
	const httpCode = outcome.error instanceof NodeApiError ? outcome.error.httpCode : undefined;
	if (httpCode === '404') {
		return {
			status: 404,
			body: { received: false, error: `task ${taskId} is unknown to APIXO (model ${model})` },
		};
	}
	// APIXO unreachable or failing: answer non-200 so that APIXO delivers again later.
	return {
		status: 503,
		body: {
			received: false,
			error: `could not verify task ${taskId} with APIXO: ${outcome.error.message}`,
		},
	};
}
