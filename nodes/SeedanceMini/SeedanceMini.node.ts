import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as generate from './actions/generate/generate.operation';
import * as getStatus from './actions/getStatus.operation';
import { router } from './actions/router';
import { PAUSE_WEBHOOKS, resumeOnCallback } from './helpers/pause';

export class SeedanceMini implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Seedance Mini',
		name: 'seedanceMini',
		icon: { light: 'file:../../icons/apixo.svg', dark: 'file:../../icons/apixo.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ { getStatus: "Get Status", getBalance: "Get Balance" }[$parameter["operation"]] || "Generate: " + $parameter["mode"] }}',
		description:
			"Generate videos with APIXO's Seedance 2.0 Mini: text, first/last frames or omni references to video",
		defaults: { name: 'Seedance Mini' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'apixoApi', required: true }],
		webhooks: PAUSE_WEBHOOKS,
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Generate',
						value: 'generate',
						description: 'Submit a video generation task and optionally wait for the video',
						action: 'Generate a video',
					},
					{
						name: 'Get Status',
						value: 'getStatus',
						description: 'Check (or wait for) a task by its ID',
						action: 'Get the status of a video task',
					},
					{
						name: 'Get Balance',
						value: 'getBalance',
						description: "Read the API key's account balance in USD (free)",
						action: 'Get the account balance',
					},
				],
				default: 'generate',
			},
			...generate.description,
			...getStatus.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await resumeOnCallback.call(this);
	}
}
