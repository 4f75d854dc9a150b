/** Workflow JSON as n8n's import:workflow takes it, built from the node names users save. */

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const CREDENTIAL_ID = 'apixoSimCred0001';
const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

const CREDENTIAL_NAME = 'APIXO (simulator)';

export function apixoCredential(baseUrl: string, apiKey: string) {
	return { id: CREDENTIAL_ID, name: CREDENTIAL_NAME, type: 'apixoApi', data: { apiKey, baseUrl } };
}

/** The credential apixoCredential() makes, as a node's `credentials` refers to it. */
export const credentials = { apixoApi: { id: CREDENTIAL_ID, name: CREDENTIAL_NAME } };

/** A connection from `from`'s main output to `to`'s main input. */
export const mainLink = (from: string, to: string) => ({
	[from]: { main: [[{ node: to, type: 'main', index: 0 }]] },
});

/** The workflow JSON around `nodes` and `connections`, inactive. */
export function workflowJson(
	id: string,
	name: string,
	nodes: unknown[],
	connections: Record<string, unknown>,
	settings: Record<string, unknown> = {},
) {
	return { id, name, active: false, settings, nodes, connections };
}

/** Manual Trigger → Seedance Mini with these parameters. */
export function generateWorkflow(id: string, parameters: Record<string, unknown>) {
	return workflowJson(
		id,
		`Seedance Mini ${id}`,
		[
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
		mainLink('Start', 'Seedance Mini'),
	);
}

/** APIXO Trigger → HTTP Request posting each emitted item to `catcherUrl`. */
export function triggerWorkflow(
	id: string,
	webhookId: string,
	parameters: Record<string, unknown>,
	catcherUrl: string,
) {
	return workflowJson(
		id,
		`APIXO Trigger ${id}`,
		[
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
		mainLink('APIXO Trigger', 'Report'),
	);
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
	return workflowJson(id, `Workflow ${id}`, [first, second], mainLink(first.name, second.name));
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

/** Webhook's Split Out of `body.items` (one item per `{ prompt }`). */
const splitOut = () =>
	n8nNode('Split Out', 'n8n-nodes-base.splitOut', { fieldToSplitOut: 'body.items', options: {} });

/** HTTP Request posting every item it gets to `catcherUrl`, with the execution id. */
const reportNode = (catcherUrl: string) =>
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
	);

/** A Seedance Mini node; `settings`: node settings such as retryOnFail, maxTries, onError. */
export const seedanceNode = (
	name: string,
	parameters: Record<string, unknown>,
	settings: Record<string, unknown> = {},
) => n8nNode(name, 'n8n-nodes-apixo.seedanceMini', parameters, { credentials, ...settings });

/**
 * Webhook (POST /webhook/<path>, body `{ items: [{ prompt }, …] }`) → Split Out → `steps`, one
 * after the other → HTTP Request posting every item the last step outputs to `catcherUrl` (no
 * report without one).
 */
export function chainWorkflow(
	id: string,
	webhookPath: string,
	steps: WorkflowNode[],
	catcherUrl?: string,
) {
	const nodes = [
		webhookNode(webhookPath, 'onReceived'),
		splitOut(),
		...steps,
		...(catcherUrl ? [reportNode(catcherUrl)] : []),
	];
	const connections = Object.assign(
		{},
		...nodes.slice(1).map((node, n) => mainLink(nodes[n].name, node.name)),
	);
	return workflowJson(id, `Chain ${id}`, nodes, connections, { executionOrder: 'v1' });
}

/**
 * Webhook → Split Out → Seedance Mini with these parameters (and node settings) → HTTP Request
 * posting every item it outputs to `catcherUrl`: the shape of a pipeline that waits in pause mode.
 */
export function pauseWorkflow(
	id: string,
	webhookPath: string,
	parameters: Record<string, unknown>,
	catcherUrl?: string,
	settings: Record<string, unknown> = {},
) {
	return chainWorkflow(
		id,
		webhookPath,
		[seedanceNode('Seedance Mini', parameters, settings)],
		catcherUrl,
	);
}

/**
 * Webhook → Split Out → Loop Over Items (batch size 1) ⇄ Seedance Mini; the loop's "done" output
 * (every iteration's items) → HTTP Request posting each to `catcherUrl`.
 */
export function loopWorkflow(
	id: string,
	webhookPath: string,
	parameters: Record<string, unknown>,
	catcherUrl: string,
) {
	const loop = n8nNode(
		'Loop Over Items',
		'n8n-nodes-base.splitInBatches',
		{ batchSize: 1, options: {} },
		{ typeVersion: 3 },
	);
	const nodes = [
		webhookNode(webhookPath, 'onReceived'),
		splitOut(),
		loop,
		seedanceNode('Seedance Mini', parameters),
		reportNode(catcherUrl),
	];
	return workflowJson(
		id,
		`Loop ${id}`,
		nodes,
		{
			...mainLink('Webhook', 'Split Out'),
			...mainLink('Split Out', 'Loop Over Items'),
			// splitInBatches v3: output 0 "done", output 1 "loop".
			'Loop Over Items': {
				main: [
					[{ node: 'Report', type: 'main', index: 0 }],
					[{ node: 'Seedance Mini', type: 'main', index: 0 }],
				],
			},
			...mainLink('Seedance Mini', 'Loop Over Items'),
		},
		{ executionOrder: 'v1' },
	);
}
