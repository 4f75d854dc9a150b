import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { toTaskResult } from '../apixo/result';
import {
	clip,
	DEDUPE_LIMITS,
	DeliveryStore,
	isFinal,
	isKnownState,
	isSelected,
	parseDelivery,
	tokenMatches,
} from './delivery';
import { verifyTask } from './verify';

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
				displayName:
					'Anyone who finds this URL can start the workflow with a forged delivery: set a Token, or turn on Verify with APIXO',
				name: 'unprotectedNotice',
				type: 'notice',
				default: '',
				// `hide` on a non-empty token: a `show: { token: [''] }` rule shows for any expression.
				displayOptions: {
					show: { verifyWithApi: [false] },
					hide: { token: [{ _cnd: { not: '' } }] },
				},
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
						typeOptions: { minValue: 1, maxValue: DEDUPE_LIMITS.maxWindow },
						default: 1000,
						description:
							'How many recent task IDs to remember (at most 10 000, and 256 KB): APIXO retries deliveries, and a task already seen does not start the workflow again. Best effort across concurrent deliveries: n8n gives each webhook call its own copy of static data, so two deliveries at the same instant may both run. For anything that matters, turn on Verify with APIXO.',
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
		const reply = (status: number, body: IDataObject): IWebhookResponseData => {
			if (status === 200) return { webhookResponse: body };
			this.getResponseObject().status(status).json(body);
			return { noWebhookResponse: true };
		};
		const refuse = (status: number, error: string) => reply(status, { received: false, error });
		const ignore = (reason: string) => reply(200, { received: true, ignored: reason });
		const logUnknownState = (state: string) => {
			if (!isKnownState(state)) {
				this.logger.debug('APIXO Trigger: a task state the API page does not name', {
					state: clip(state, 64),
				});
			}
		};
		const notFinal = (state: string, reason: string) => {
			logUnknownState(state);
			return ignore(reason);
		};

		// 1. Token
		const token = this.getNodeParameter('token', '') as string;
		if (token && !tokenMatches(token, (this.getQueryData() as IDataObject).token)) {
			return refuse(401, 'missing or wrong token');
		}

		// 2. Parse: the shape, a final state, and (without Verify, where the delivery's state is
		// the one that counts) a selected one
		const body = this.getBodyData();
		const parsed = parseDelivery(body);
		if (!parsed.ok) return refuse(400, parsed.error);
		const claimed = parsed.data;
		if (!isFinal(claimed)) return notFinal(claimed.state, `state ${claimed.state} is not final`);
		const verifying = this.getNodeParameter('verifyWithApi', false) as boolean;
		const states = this.getNodeParameter('states', ['success', 'failed']);
		if (!verifying && !isSelected(states, claimed.state)) {
			return ignore(`state ${claimed.state} is not selected`);
		}

		// 3. Claim, before verifying: a retry arriving meanwhile is a duplicate, not a second run
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const store = new DeliveryStore(this.getWorkflowStaticData('node'), options.dedupeWindow);
		let key = DeliveryStore.key(claimed);
		if (!store.claim(key)) return ignore('duplicate delivery');

		// 4. Verify: emit what APIXO says, not what the delivery claims
		let data = claimed;
		if (verifying) {
			const checked = await verifyTask.call(this, claimed.taskId);
			if (!checked.ok) {
				store.release(key);
				return refuse(checked.status, checked.error);
			}
			data = checked.data;
			if (!isFinal(data)) {
				// The delivery says final, APIXO's status says running: not 200, so that APIXO
				// delivers again later, when the status agrees (a 200 would end its retries).
				store.release(key);
				logUnknownState(data.state);
				return refuse(503, `APIXO says the task is still ${clip(data.state, 32)}, retry later`);
			}
			if (DeliveryStore.key(data) !== key) {
				// APIXO's state differs from the delivery's claim: hold the real one instead.
				store.release(key);
				key = DeliveryStore.key(data);
				if (!store.claim(key)) return ignore('duplicate delivery');
			}
			// The claim stays: APIXO's copies are then answered without another status read.
			if (!isSelected(states, data.state)) return ignore(`state ${data.state} is not selected`);
		}

		// 5. Emit
		const json: IDataObject = { ...toTaskResult(data).result, verified: verifying };
		if (options.includeRaw === true) json.raw = body;
		return {
			webhookResponse: { received: true },
			workflowData: [this.helpers.returnJsonArray([json])],
		};
	}
}
