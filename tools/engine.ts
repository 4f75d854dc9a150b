/**
 * Runs nodes inside n8n's real execution engine (n8n-core's WorkflowExecute), the way n8n's own
 * node tests do, instead of a hand-made IExecuteFunctions mock: parameters, expressions,
 * credentials, continueOnFail, pairedItem, binary data and the cancel signal are n8n's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// InstanceSettings (used by every node context) reads its folder at first use.
const userFolder = mkdtempSync(path.join(tmpdir(), 'apixo-n8n-'));
process.env.N8N_USER_FOLDER = userFolder;
process.env.N8N_ENCRYPTION_KEY ??= 'apixo-test-encryption-key';
process.env.N8N_LOG_LEVEL ??= 'warn';
// Binary data as a real install keeps it: streamed to files, not held in memory.
process.env.N8N_DEFAULT_BINARY_DATA_MODE = 'filesystem';
process.env.N8N_BINARY_DATA_STORAGE_PATH = path.join(userFolder, 'binaryData');

import { BinaryDataService, ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import { SSHClientsManager } from 'n8n-core/dist/execution-engine/ssh-clients-manager';
import type {
	IAuthenticateGeneric,
	ICredentialDataDecryptedObject,
	ICredentials,
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeType,
	INodeTypes,
	IRun,
	IWorkflowExecuteAdditionalData,
	Workflow as WorkflowType,
} from 'n8n-workflow';
import {
	createDeferredPromise,
	createRunExecutionData,
	ICredentialsHelper,
	LoggerProxy,
	NodeConnectionTypes,
	Workflow,
} from 'n8n-workflow';

import { ApixoApi } from '../credentials/ApixoApi.credentials';
import { report } from './observe';

// The DI container n8n-core itself uses (it may carry its own copy of @n8n/di).
const { Container } = require(
	require.resolve('@n8n/di', { paths: [path.dirname(require.resolve('n8n-core'))] }),
) as typeof import('@n8n/di');

// n8n's logger, as node contexts get it (Container.get(Logger)), replaced by one that hands every
// line, at every level, to the tools' observers (the tests' secrets sweep); errors still reach the console.
const { Logger } = require(
	require.resolve('@n8n/backend-common', { paths: [path.dirname(require.resolve('n8n-core'))] }),
) as typeof import('@n8n/backend-common');
const logLine =
	(level: 'error' | 'warn' | 'info' | 'debug') => (message: string, meta?: object) => {
		report.text(`log.${level}`, meta ? `${message} ${JSON.stringify(meta)}` : message);
		if (level === 'error') console.error(message, meta ?? '');
	};
const capturingLogger = {
	error: logLine('error'),
	warn: logLine('warn'),
	info: logLine('info'),
	debug: logLine('debug'),
	scoped: () => capturingLogger,
};
Container.set(Logger, capturingLogger as unknown as InstanceType<typeof Logger>);
LoggerProxy.init(capturingLogger);

const credentialTypes: Record<string, ICredentialType> = { apixoApi: new ApixoApi() };

/** Resolves `={{$credentials.x}}` the way n8n's CLI credentials helper does for generic auth. */
class CredentialsHelper extends ICredentialsHelper {
	constructor(private readonly credentials: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow: WorkflowType,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const auth = credentialTypes[typeName]?.authenticate as IAuthenticateGeneric | undefined;
		if (!auth || auth.type !== 'generic') return requestOptions;
		const resolve = (value: unknown) =>
			typeof value === 'string' && value.startsWith('=')
				? workflow.expression.getSimpleParameterValue(node, value, 'internal', {
						$credentials: credentials,
					} as IDataObject)
				: value;
		const options = requestOptions as unknown as Record<string, IDataObject>;
		for (const [outer, values] of Object.entries(auth.properties)) {
			options[outer] = { ...(options[outer] ?? {}) };
			for (const [key, value] of Object.entries(values as IDataObject)) {
				options[outer][String(resolve(key))] = resolve(value) as IDataObject[string];
			}
		}
		return requestOptions;
	}

	async preAuthentication() {
		return undefined;
	}
	getParentTypes() {
		return [];
	}
	async getDecrypted(_data: unknown, _node: unknown, type: string) {
		const found = this.credentials[type];
		if (!found) throw new Error(`test harness: no credentials of type ${type}`);
		return { ...found };
	}
	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used');
	}
	async updateCredentials() {}
	async updateCredentialsOauthTokenData() {}
	getCredentialsProperties(type: string) {
		return credentialTypes[type]?.properties ?? [];
	}
}

let binaryReady: Promise<void> | undefined;
/** n8n's filesystem binary-data mode: streams go to disk, as in a real install. */
export async function initBinaryData(): Promise<void> {
	binaryReady ??= Container.get(BinaryDataService).init();
	await binaryReady;
}

/** What n8n hands every node context; credentials are the decrypted data per type. */
export function createAdditionalData(
	credentials: Record<string, ICredentialDataDecryptedObject>,
	extra: Partial<IWorkflowExecuteAdditionalData> = {},
): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: new CredentialsHelper(credentials),
		executionId: 'exec-1',
		restApiUrl: 'http://127.0.0.1/rest',
		instanceBaseUrl: 'http://127.0.0.1/',
		formWaitingBaseUrl: 'http://127.0.0.1/form-waiting',
		webhookBaseUrl: 'http://127.0.0.1/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1/webhook-test',
		currentNodeParameters: undefined,
		executionTimeoutTimestamp: undefined,
		userId: 'user-1',
		variables: {},
		setExecutionStatus: () => undefined,
		sendDataToUI: () => undefined,
		getRunExecutionData: async () => undefined,
		executeWorkflow: async () => {
			throw new Error('not used');
		},
		getRunnerStatus: () => ({ available: false, reason: 'test' }),
		logAiEvent: () => undefined,
		startRunnerTask: async () => {
			throw new Error('not used');
		},
		...extra,
	} as unknown as IWorkflowExecuteAdditionalData;
}

export interface RunNodeOptions {
	node: INodeType;
	parameters: INode['parameters'];
	items?: INodeExecutionData[];
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	continueOnFail?: boolean;
	/** Node settings as the editor saves them: Retry On Fail and its tries, Always Output Data. */
	settings?: Pick<INode, 'retryOnFail' | 'maxTries' | 'waitBetweenTries' | 'alwaysOutputData'>;
	/** Abort to stop the execution, as n8n's "Stop execution" does. */
	signal?: AbortSignal;
	/** What else n8n hands the execution (e.g. its resume URL base). */
	additionalData?: Partial<IWorkflowExecuteAdditionalData>;
}

export interface RunNodeResult {
	items: INodeExecutionData[];
	/** The error that stopped the node, as n8n stored it (a NodeError: description, context). */
	error?: Error & IDataObject & { description?: string | null; context?: IDataObject };
	/** Absent when n8n refused to start the run. */
	run?: IRun;
}

export const NODE_NAME = 'Node under test';

export async function runNode(options: RunNodeOptions): Promise<RunNodeResult> {
	const result = await runNodeOnce(options);
	for (const data of Object.values(options.credentials ?? {})) report.secret(data.apiKey as string);
	report.text('output', result.items);
	if (result.error) report.text('error', result.error);
	return result;
}

/** The one-node workflow a test runs: the node under test, with the APIXO credential. */
export function nodeUnderTest(
	options: Pick<RunNodeOptions, 'node' | 'parameters' | 'continueOnFail' | 'settings'>,
) {
	const type = 'test.nodeUnderTest';
	const nodeTypes: INodeTypes = {
		getByName: () => options.node,
		getByNameAndVersion: () => options.node,
		getKnownTypes: () => ({}),
	};
	const node: INode = {
		id: 'node-under-test',
		name: NODE_NAME,
		type,
		typeVersion: 1,
		position: [0, 0],
		parameters: options.parameters,
		credentials: { apixoApi: { id: '1', name: 'APIXO' } },
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		...options.settings,
	};
	const workflow = new Workflow({
		id: 'test',
		nodes: [node],
		connections: {},
		nodeTypes,
		active: false,
	});
	return { node, workflow };
}

/** Lifecycle hooks whose `done` resolves with the run when the execution ends (or parks). */
export function runHooks(node: INode) {
	const workflowData = { id: 'test', name: 'test', nodes: [node], connections: {} } as never;
	const hooks = new ExecutionLifecycleHooks('manual', 'exec-1', workflowData);
	const done = createDeferredPromise<IRun>();
	hooks.addHandler('workflowExecuteAfter', (run) => done.resolve(run));
	return { hooks, done };
}

async function runNodeOnce(options: RunNodeOptions): Promise<RunNodeResult> {
	await initBinaryData();
	const { node, workflow } = nodeUnderTest(options);
	const { hooks, done } = runHooks(node);
	const additionalData = createAdditionalData(options.credentials ?? {}, {
		hooks,
		...options.additionalData,
	});

	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{ node, data: { main: [options.items ?? [{ json: {} }]] }, source: null },
			],
		},
	});

	const execution = new WorkflowExecute(additionalData, 'manual', runExecutionData);
	let running: ReturnType<WorkflowExecute['processRunExecutionData']>;
	try {
		running = execution.processRunExecutionData(workflow);
	} catch (error) {
		// n8n refuses to start a workflow with issues (e.g. a required field left empty).
		return { items: [], error: error as RunNodeResult['error'] };
	}
	const cancel = () => running.cancel();
	options.signal?.addEventListener('abort', cancel, { once: true });
	try {
		await running;
	} catch {
		// a cancelled run rejects; the hooks still report what ran
	}
	const run = await done.promise;
	options.signal?.removeEventListener('abort', cancel);
	const task = run.data.resultData.runData[NODE_NAME]?.[0];
	return {
		items: task?.data?.main?.[0] ?? [],
		error: (task?.error ?? run.data.resultData.error) as RunNodeResult['error'],
		run,
	};
}

/** Stop what n8n-core started in this process (its SSH pool keeps an interval alive). */
export function shutdownN8n(): void {
	Container.get(SSHClientsManager).onShutdown();
	rmSync(userFolder, { recursive: true, force: true });
}

if (typeof afterAll === 'function') afterAll(shutdownN8n);

/** A node whose execute runs `fn` once, to test shared code in a real execution context. */
export function probeNode(fn: (ctx: IExecuteFunctions) => Promise<IDataObject>): INodeType {
	return {
		description: {
			displayName: 'Probe',
			name: 'probe',
			group: ['transform'],
			version: 1,
			description: 'test probe',
			defaults: { name: 'Probe' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			credentials: [{ name: 'apixoApi', required: true }],
			properties: [],
		},
		async execute(this: IExecuteFunctions) {
			return [[{ json: await fn(this), pairedItem: { item: 0 } }]];
		},
	};
}
