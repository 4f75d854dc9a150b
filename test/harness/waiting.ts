/**
 * n8n's waiting executions, in process, for pause-mode tests that run in seconds. A node run
 * that parks (putExecutionToWait) is kept the way n8n's database keeps it (flatted), and an HTTP
 * server stands in for n8n's /webhook-waiting route, following n8n 2.8's waiting-webhooks.ts and
 * webhook-helpers.ts: 404 for an unknown execution or path, 409 while the execution runs or
 * after it finished, otherwise the node's webhook() runs on the stored execution; when it
 * returns workflowData the execution resumes and the (disabled) node passes that data on, and
 * the loser of two resumes at once gets a 500. A time resume replays what n8n's WaitTracker does.
 * The real n8n is exercised by test/e2e and test/queue; this is for counting and edge cases.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { WebhookContext, WorkflowExecute } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INodeExecutionData,
	INodeType,
	IRun,
	IRunExecutionData,
	IWebhookResponseData,
} from 'n8n-workflow';
import { parse, stringify } from 'flatted';

import {
	createAdditionalData,
	NODE_NAME,
	nodeUnderTest,
	runHooks,
	runNode,
	type RunNodeOptions,
} from '../../tools/engine';

type Status = 'running' | 'waiting' | 'success' | 'error' | 'canceled';

export interface WaitingExecution {
	id: string;
	status: Status;
	/** What execute() stored as the node's input when it parked. */
	parked: INodeExecutionData[];
	waitTill?: Date;
	/** The node's output once the execution resumed and finished. */
	output?: INodeExecutionData[];
	error?: Error;
	/** Requests n8n's waiting route received for it, with the answer it gave. */
	calls: Array<{ status: number; body: unknown }>;
	/** Resolves when the execution has finished (resumed and run to its end). */
	finished: Promise<void>;
	/** The WaitTracker's resume at waitTill: the node is disabled and passes its stored input on. */
	timeResume(): Promise<void>;
	/** Stop it while it waits (n8n's "Stop execution"). */
	cancel(): void;
}

export interface WaitingN8n {
	/** What n8n would put in WEBHOOK_URL's /webhook-waiting. */
	waitingBaseUrl: string;
	/**
	 * Run the node; when it parks, keep the execution as n8n's database would. `executionId`
	 * reuses an id: the same execution parking again, as a node inside Loop Over Items does.
	 */
	execute(
		options: Omit<RunNodeOptions, 'credentials' | 'additionalData'> & { executionId?: string },
	): Promise<WaitingExecution>;
	close(): Promise<void>;
}

let sequence = 0;

export async function startWaitingN8n(
	credentials: Record<string, ICredentialDataDecryptedObject>,
): Promise<WaitingN8n> {
	const executions = new Map<string, Stored>();
	const server = http.createServer((req, res) => void answer(req, res));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const waitingBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook-waiting`;

	interface Stored {
		execution: WaitingExecution;
		node: INodeType;
		parameters: RunNodeOptions['parameters'];
		data: string;
		markFinished(): void;
	}

	async function resume(stored: Stored, data: IRunExecutionData, mode: 'webhook' | 'trigger') {
		const { execution } = stored;
		const { node, workflow } = nodeUnderTest(stored);
		const { hooks, done } = runHooks(node);
		const additionalData = createAdditionalData(credentials, {
			hooks,
			executionId: execution.id,
			webhookWaitingBaseUrl: waitingBaseUrl,
		});
		execution.status = 'running';
		await new WorkflowExecute(additionalData, mode, data).processRunExecutionData(workflow);
		const run: IRun = await done.promise;
		const task = run.data.resultData.runData[NODE_NAME]?.at(-1);
		execution.output = task?.data?.main?.[0] ?? [];
		execution.status = run.data.resultData.error ? 'error' : 'success';
		stored.markFinished();
	}

	/** What n8n's waiting route does with a request for an execution. */
	async function answer(req: http.IncomingMessage, res: http.ServerResponse) {
		const url = new URL(req.url ?? '/', 'http://n8n');
		const [, base, id, suffix] = url.pathname.split('/');
		let text = '';
		for await (const chunk of req) text += String(chunk);
		const stored = base === 'webhook-waiting' ? executions.get(id) : undefined;
		const send = (status: number, body: unknown) => {
			stored?.execution.calls.push({ status, body });
			res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
		};
		if (!stored)
			return send(404, { code: 404, message: 'The requested webhook is not registered' });
		const { execution } = stored;
		if (execution.status === 'running')
			return send(409, { code: 409, message: `The execution "${id}" is running already.` });
		if (execution.status !== 'waiting')
			return send(409, { code: 409, message: `The execution "${id}" has finished already.` });
		if (suffix !== nodeUnderTest(stored).node.id)
			return send(404, { code: 404, message: 'no webhook' });

		// getWebhookExecutionData: the node disabled, the wait lifted, its parked run data dropped.
		const data = parse(stored.data) as IRunExecutionData;
		data.executionData!.nodeExecutionStack[0].node.disabled = true;
		data.waitTill = undefined;
		data.resultData.runData[NODE_NAME].pop();
		const { node, workflow } = nodeUnderTest(stored);
		const context = new WebhookContext(
			workflow,
			node,
			createAdditionalData(credentials, {
				executionId: id,
				webhookWaitingBaseUrl: waitingBaseUrl,
				httpRequest: {
					body: text ? JSON.parse(text) : {},
					query: Object.fromEntries(url.searchParams),
					headers: req.headers,
				} as never,
				httpResponse: expressLike(res) as never,
			}),
			'webhook',
			{
				httpMethod: 'POST',
				node: NODE_NAME,
				path: node.id,
				webhookDescription: stored.node.description.webhooks![0],
				workflowId: 'test',
			} as never,
			[],
			data,
		);
		const response = (await stored.node.webhook!.call(context)) as IWebhookResponseData;
		// The node answered itself (res.status().json()).
		if (response.noWebhookResponse)
			return execution.calls.push({ status: res.statusCode, body: undefined });
		if (!response.workflowData) return send(200, response.webhookResponse ?? {});
		// ActiveExecutions.add with requireStatus 'waiting': only one resume wins.
		if (execution.status !== 'waiting')
			return send(500, { code: 0, message: 'There was a problem executing the workflow' });
		data.executionData!.nodeExecutionStack[0].data.main = response.workflowData;
		send(200, response.webhookResponse ?? {});
		await resume(stored, data, 'webhook');
	}

	return {
		waitingBaseUrl,
		async execute({ executionId, ...options }) {
			const id = executionId ?? `exec-${++sequence}`;
			let markFinished = () => {};
			const finished = new Promise<void>((resolve) => (markFinished = resolve));
			const execution: WaitingExecution = {
				id,
				status: 'running',
				parked: [],
				calls: [],
				finished,
				timeResume: async () => {
					if (execution.status !== 'waiting')
						throw new Error(`execution ${id} is ${execution.status}`);
					await resume(stored, parse(stored.data) as IRunExecutionData, 'trigger');
				},
				cancel: () => {
					execution.status = 'canceled';
					markFinished();
				},
			};
			const stored: Stored = {
				execution,
				node: options.node,
				parameters: options.parameters,
				data: '',
				markFinished: () => markFinished(),
			};
			executions.set(id, stored);
			const result = await runNode({
				...options,
				credentials,
				additionalData: { executionId: id, webhookWaitingBaseUrl: waitingBaseUrl },
			});
			execution.error = result.error;
			const waitTill = result.run?.data.waitTill;
			if (waitTill && result.run) {
				// What n8n keeps as the waiting node's input, and passes on when the wait times out.
				execution.parked =
					(result.run.data.executionData?.nodeExecutionStack[0]?.data.main[0] as
						| INodeExecutionData[]
						| undefined) ?? [];
				// What n8n's database keeps of a waiting execution.
				stored.data = stringify(result.run.data);
				execution.waitTill = new Date(waitTill);
				execution.status = 'waiting';
			} else {
				execution.output = result.items;
				execution.status = result.error ? 'error' : 'success';
				markFinished();
			}
			return execution;
		},
		close: async () => {
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			server.closeAllConnections(); // keep-alive sockets would hold close() for seconds
			await closed;
		},
	};
}

/** The bit of Express's response a node uses to answer by itself. */
function expressLike(res: http.ServerResponse) {
	const response = {
		status(code: number) {
			res.statusCode = code;
			return response;
		},
		json(body: unknown) {
			res.setHeader('content-type', 'application/json');
			res.end(JSON.stringify(body));
			return response;
		},
	};
	return response;
}

/** The query parameters of a URL, for checks on callback URLs. */
export const queryOf = (url: string): IDataObject => Object.fromEntries(new URL(url).searchParams);
