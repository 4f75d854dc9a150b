/**
 * Serves a trigger node's webhook() over real HTTP inside n8n-core's WebhookContext, answering
 * the way n8n's webhook handler does: 422 for a body that is not JSON, the node's own response
 * (or `webhookResponse` with 200), and an "execution" recorded for every workflowData returned.
 * The workflow (and so its static data) lives as long as the server; `restart()` keeps only what
 * n8n would have persisted — the static data.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { WebhookContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeType,
	IWebhookData,
} from 'n8n-workflow';
import { deepCopy, Workflow } from 'n8n-workflow';

import { createAdditionalData } from '../../tools/engine';
import { addSecret, collect } from './sweep';

export interface TriggerServer {
	url: string;
	executions: IDataObject[][];
	/** Answers with status 500 or more: must stay empty. */
	crashes: string[];
	/**
	 * Webhook calls the node answered itself but then let n8n answer too (no
	 * `noWebhookResponse`): n8n's second answer fails with "headers already sent". Must stay empty.
	 */
	answeredTwice: string[];
	/** A new workflow instance with the static data n8n would have saved. */
	restart(): void;
	/** The workflow's static data as n8n would save it (the dedupe store lives there). */
	staticData(): IDataObject;
	close(): Promise<void>;
}

export async function startTriggerServer(options: {
	node: INodeType;
	parameters: INode['parameters'];
	credentials?: Record<string, ICredentialDataDecryptedObject>;
}): Promise<TriggerServer> {
	addSecret(options.parameters.token as string | undefined);
	for (const data of Object.values(options.credentials ?? {})) addSecret(data.apiKey as string);
	const node: INode = {
		id: 'trigger',
		name: 'APIXO Trigger',
		type: 'test.trigger',
		typeVersion: 1,
		position: [0, 0],
		parameters: options.parameters,
		webhookId: 'hook-1',
		credentials: { apixoApi: { id: '1', name: 'APIXO' } },
	};
	const nodeTypes = {
		getByName: () => options.node,
		getByNameAndVersion: () => options.node,
		getKnownTypes: () => ({}),
	};
	const makeWorkflow = (staticData?: IDataObject) =>
		new Workflow({ id: 'w1', nodes: [node], connections: {}, active: true, nodeTypes, staticData });
	let workflow = makeWorkflow();
	const executions: IDataObject[][] = [];
	const crashes: string[] = [];
	const answeredTwice: string[] = [];

	const server = http.createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const text = Buffer.concat(chunks).toString('utf8');
		const send = (status: number, body: unknown) => {
			if (res.headersSent) return;
			collect('webhook response', body);
			if (status >= 500) crashes.push(`${status} ${JSON.stringify(body)}`);
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(body));
		};
		let body: unknown = {};
		if ((req.headers['content-type'] ?? '').includes('json') && text) {
			try {
				body = JSON.parse(text);
			} catch {
				return send(422, { message: 'Failed to parse request body' });
			}
		}
		const url = new URL(req.url ?? '/', 'http://trigger');
		let statusCode = 200;
		const response = {
			headersSent: false,
			status(code: number) {
				statusCode = code;
				return response;
			},
			json(data: unknown) {
				send(statusCode, data);
				return response;
			},
			send(data: unknown) {
				send(statusCode, data);
				return response;
			},
			end() {
				send(statusCode, '');
			},
		};
		const additionalData = createAdditionalData(options.credentials ?? {}, {
			httpRequest: Object.assign(req, { body, query: Object.fromEntries(url.searchParams) }),
			httpResponse: response,
		} as never);
		const webhookData = {
			httpMethod: 'POST',
			node: node.name,
			path: 'apixo',
			webhookDescription: options.node.description.webhooks![0],
			workflowId: 'w1',
			workflowExecuteAdditionalData: additionalData,
			webhookId: 'hook-1',
		} as IWebhookData;
		try {
			const context = new WebhookContext(
				workflow,
				node,
				additionalData,
				'webhook',
				webhookData,
				[],
				null,
			);
			const result = await options.node.webhook!.call(context);
			if (result.noWebhookResponse) return;
			if (res.headersSent) answeredTwice.push(`${req.url}: ${JSON.stringify(result)}`);
			if (result.workflowData) {
				executions.push(result.workflowData[0].map((item) => item.json));
				collect('trigger output', result.workflowData);
			}
			send(200, result.webhookResponse ?? { message: 'Workflow was started' });
		} catch (error) {
			send(500, { message: (error as Error).message });
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/webhook/hook-1/apixo`,
		executions,
		crashes,
		answeredTwice,
		restart: () => {
			workflow = makeWorkflow(deepCopy(workflow.staticData) as IDataObject);
		},
		staticData: () => deepCopy(workflow.staticData) as IDataObject,
		close: async () => {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}
