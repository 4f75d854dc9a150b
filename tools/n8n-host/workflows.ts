/** Workflow JSON as n8n's import:workflow takes it, built from the node names users save. */

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const CREDENTIAL_ID = 'apixoSimCred0001';
const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

export function apixoCredential(baseUrl: string, apiKey: string) {
	return {
		id: CREDENTIAL_ID,
		name: 'APIXO (simulator)',
		type: 'apixoApi',
		data: { apiKey, baseUrl },
	};
}

const credentials = { apixoApi: { id: CREDENTIAL_ID, name: 'APIXO (simulator)' } };

/** Manual Trigger → Seedance Mini with these parameters. */
export function generateWorkflow(id: string, parameters: Record<string, unknown>) {
	return {
		id,
		name: `Seedance Mini ${id}`,
		active: false,
		settings: {},
		nodes: [
			{
				id: `${id}-start`,
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: `${id}-seedance`,
				name: 'Seedance Mini',
				type: 'n8n-nodes-apixo.seedanceMini',
				typeVersion: 1,
				position: [220, 0],
				parameters,
				credentials,
			},
		],
		connections: { Start: { main: [[{ node: 'Seedance Mini', type: 'main', index: 0 }]] } },
	};
}

/** APIXO Trigger → HTTP Request posting each emitted item to `catcherUrl`. */
export function triggerWorkflow(
	id: string,
	webhookId: string,
	parameters: Record<string, unknown>,
	catcherUrl: string,
) {
	return {
		id,
		name: `APIXO Trigger ${id}`,
		active: false,
		settings: {},
		nodes: [
			{
				id: `${id}-trigger`,
				name: 'APIXO Trigger',
				type: 'n8n-nodes-apixo.apixoTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId,
				parameters,
			},
			{
				id: `${id}-catch`,
				name: 'Report',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [220, 0],
				parameters: {
					method: 'POST',
					url: catcherUrl,
					sendBody: true,
					specifyBody: 'json',
					jsonBody: '={{ JSON.stringify($json) }}',
					options: {},
				},
			},
		],
		connections: { 'APIXO Trigger': { main: [[{ node: 'Report', type: 'main', index: 0 }]] } },
	};
}

/**
 * examples/*.json as a user imports them, with the APIXO credential pointed at the simulator's,
 * ids `<idPrefix><file name letters>`, and Seedance Mini options merged with `options`.
 */
export function exampleWorkflows(idPrefix: string, options: Record<string, unknown> = {}) {
	return readdirSync(EXAMPLES)
		.filter((file) => file.endsWith('.json'))
		.map((file) => {
			const workflow = JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8'));
			for (const node of workflow.nodes) {
				if (node.credentials?.apixoApi) node.credentials.apixoApi = credentials.apixoApi;
				if (node.type === 'n8n-nodes-apixo.seedanceMini') {
					node.parameters.options = { ...node.parameters.options, ...options };
				}
			}
			return {
				...workflow,
				file,
				id: `${idPrefix}${file.replace(/\.json$/, '').replace(/[^a-z]/g, '')}`.slice(0, 36),
			};
		});
}

let nodeSeq = 0;
/** One node of a workflow built by hand (ids and positions made up). */
export const n8nNode = (
	name: string,
	type: string,
	parameters: Record<string, unknown>,
	extra: Record<string, unknown> = {},
) => ({
	id: `node-${++nodeSeq}`,
	name,
	type,
	typeVersion: 1,
	position: [220 * nodeSeq, 0],
	parameters,
	...extra,
});

type WorkflowNode = ReturnType<typeof n8nNode>;

/** A workflow `first` → `second`, to import and publish. */
export function pairWorkflow(id: string, first: WorkflowNode, second: WorkflowNode) {
	return {
		id,
		name: `Workflow ${id}`,
		active: false,
		settings: {},
		nodes: [first, second],
		connections: { [first.name]: { main: [[{ node: second.name, type: 'main', index: 0 }]] } },
	};
}

/** n8n's Webhook node on POST /webhook/<path>: answers when the last node is done, or at once. */
export const webhookNode = (
	webhookPath: string,
	responseMode: 'lastNode' | 'onReceived',
	responseData: 'firstEntryJson' | 'firstEntryBinary' = 'firstEntryJson',
) =>
	n8nNode(
		'Webhook',
		'n8n-nodes-base.webhook',
		{
			httpMethod: 'POST',
			path: webhookPath,
			responseMode,
			...(responseMode === 'lastNode' ? { responseData } : {}),
			options: {},
		},
		{ typeVersion: 2, webhookId: `hook-${webhookPath}` },
	);

/**
 * Webhook (POST /webhook/<path>, body `{ items: [{ prompt }, …] }`) → Split Out → Seedance Mini
 * with these parameters → HTTP Request posting every item it outputs to `catcherUrl`: the shape of
 * a pipeline that waits in pause mode.
 */
export function pauseWorkflow(
	id: string,
	webhookPath: string,
	parameters: Record<string, unknown>,
	catcherUrl: string,
) {
	const nodes = [
		webhookNode(webhookPath, 'onReceived'),
		n8nNode('Split Out', 'n8n-nodes-base.splitOut', { fieldToSplitOut: 'body.items', options: {} }),
		n8nNode('Seedance Mini', 'n8n-nodes-apixo.seedanceMini', parameters, { credentials }),
		n8nNode(
			'Report',
			'n8n-nodes-base.httpRequest',
			{
				method: 'POST',
				url: catcherUrl,
				sendBody: true,
				specifyBody: 'json',
				jsonBody: '={{ JSON.stringify({ execution: $execution.id, item: $json }) }}',
				options: {},
			},
			{ typeVersion: 4.2 },
		),
	];
	const next = (from: string, to: string) => ({
		[from]: { main: [[{ node: to, type: 'main', index: 0 }]] },
	});
	return {
		id,
		name: `Pause ${id}`,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes,
		connections: {
			...next('Webhook', 'Split Out'),
			...next('Split Out', 'Seedance Mini'),
			...next('Seedance Mini', 'Report'),
		},
	};
}
