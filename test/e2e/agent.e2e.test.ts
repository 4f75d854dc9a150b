/**
 * Seedance Mini as an AI Agent tool in a real n8n (the pinned line, or N8N_E2E_VERSION): Manual
 * Trigger → AI Agent with n8n's OpenAI Chat Model (pointed at a scripted local stub) and the tool
 * n8n derives from `usableAsTool` (seedanceMiniTool, parameters from `$fromAI`) → the simulator.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';

import { createInstance, packPackage, type N8nInstance } from '../../tools/n8n-host/host';
import {
	apixoCredential,
	credentials,
	mainLink,
	n8nNode,
	workflowJson,
} from '../../tools/n8n-host/workflows';
import {
	MODEL,
	startOpenAiStub,
	textOf,
	toolMessages,
	type ChatRequest,
	type OpenAiStub,
} from '../../tools/openai-stub';
import { startSimulator, type Simulator } from '../../tools/simulator/server';

const KEY = 'sk-e2e-agent-SECRET-1618';
const OPENAI_CREDENTIAL_ID = 'openAiStubCred001';
/** n8n names a tool after its node: non-alphanumerics become `_`. */
const TOOL = 'Seedance_Mini';
const PROMPT = 'Make a 4 second video of a fox in the snow';

let sim: Simulator;
let stub: OpenAiStub;
let n8n: N8nInstance;

/**
 * Manual Trigger → AI Agent, with the stub's chat model and Seedance Mini as its tool;
 * `toolSettings` are the tool node's settings (e.g. On Error).
 */
function agentWorkflow(id: string, toolSettings: Record<string, unknown> = {}) {
	const nodes = [
		n8nNode('Start', 'n8n-nodes-base.manualTrigger', {}),
		n8nNode(
			'AI Agent',
			'@n8n/n8n-nodes-langchain.agent',
			{ promptType: 'define', text: PROMPT, options: {} },
			{ typeVersion: 3.1 },
		),
		n8nNode(
			'OpenAI Chat Model',
			'@n8n/n8n-nodes-langchain.lmChatOpenAi',
			{
				model: { __rl: true, mode: 'id', value: MODEL },
				// The stub speaks Chat Completions; 1.3 defaults to the Responses API.
				responsesApiEnabled: false,
				options: {},
			},
			{
				typeVersion: 1.3,
				credentials: { openAiApi: { id: OPENAI_CREDENTIAL_ID, name: 'OpenAI (stub)' } },
			},
		),
		n8nNode(
			'Seedance Mini',
			'n8n-nodes-apixo.seedanceMiniTool',
			{
				operation: 'generate',
				mode: 'text-to-video',
				prompt: "={{ $fromAI('prompt', 'what the video shows', 'string') }}",
				duration: "={{ $fromAI('duration', 'seconds, 4 to 15', 'number') }}",
				resolution: '480p',
				waitForCompletion: true,
				options: { firstPollDelay: 0.3, pollInterval: 0.2, maxWait: 60 },
			},
			{
				credentials,
				...toolSettings,
			},
		),
	];
	return workflowJson(
		id,
		`Agent ${id}`,
		nodes,
		{
			...mainLink('Start', 'AI Agent'),
			'OpenAI Chat Model': {
				ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]],
			},
			'Seedance Mini': { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
		},
		{ executionOrder: 'v1' },
	);
}

beforeAll(async () => {
	sim = await startSimulator({ apiKeys: [KEY], timing: { pendingMs: 300, processingMs: 700 } });
	stub = await startOpenAiStub();
	const tarball = await packPackage(mkdtempSync(path.join(os.tmpdir(), 'apixo-pack-')));
	n8n = await createInstance(tarball);
	await n8n.importCredentials([
		apixoCredential(sim.baseUrl, KEY),
		{
			id: OPENAI_CREDENTIAL_ID,
			name: 'OpenAI (stub)',
			type: 'openAiApi',
			data: { apiKey: 'sk-stub', url: stub.baseUrl },
		},
	]);
	await n8n.importWorkflows([agentWorkflow('agent-tool')]);
}, 15 * 60_000);

afterAll(async () => {
	await n8n?.stop();
	await sim?.close();
	await stub?.close();
});

beforeEach(() => {
	sim.reset();
	stub.reset();
});

/** The model's last turn: echo the videoUrl of the last tool result, or say what went wrong. */
function finalAnswer(request: ChatRequest) {
	const last = toolMessages(request).at(-1) ?? '';
	const url = /"videoUrl":"([^"]+)"/.exec(last)?.[1];
	return url ? `Your video is ready: ${url}` : `The tool failed: ${last}`;
}

/** The items a tool message carries (n8n sends the tool's output items as a JSON list). */
const toolItems = (text: string) => JSON.parse(text) as Array<Record<string, string>>;

/** The agent's output text, from the run data of `n8n execute`. */
const agentOutput = (result: Awaited<ReturnType<N8nInstance['execute']>>) =>
	result.runData['AI Agent']?.at(-1)?.data?.main[0][0].json.output as string | undefined;

it('the model calls Seedance Mini with its arguments, gets the video URL back and answers with it', async () => {
	const args = { prompt: 'a red fox trotting through fresh snow, slow motion', duration: 4 };
	stub.script({ toolCall: { name: TOOL, arguments: args } }, { text: finalAnswer });

	const result = await n8n.execute('agent-tool');
	expect({ error: result.error, pending: stub.pending() }).toEqual({
		error: undefined,
		pending: 0,
	});

	// The tool the model was offered: its name and the $fromAI parameters as a JSON schema.
	const [first, second] = stub.chats();
	expect(textOf(first.messages.at(-1)?.content)).toContain(PROMPT);
	const tool = first.tools?.find((t) => t.function.name === TOOL);
	expect(tool?.function.parameters.properties).toMatchObject({
		prompt: { type: 'string', description: 'what the video shows' },
		duration: { type: 'number', description: 'seconds, 4 to 15' },
	});

	// Exactly one submit, carrying the model's arguments.
	const submits = sim.requests.filter((r) => r.endpoint === 'submit');
	expect(submits).toHaveLength(1);
	expect((submits[0].body as any).input).toMatchObject({
		mode: 'text-to-video',
		prompt: args.prompt,
		duration: args.duration,
	});

	// The tool result went back to the model with the finished task's video URL...
	const [taskId] = sim.tasks.keys();
	const videoUrl = `${sim.fileOrigin}/files/${taskId}.mp4`;
	const [toolResult] = toolMessages(second);
	expect(toolResult).toContain(videoUrl);
	expect(toolResult).toContain('"state":"success"');
	// ...and the agent's final answer carries it.
	expect(agentOutput(result)).toBe(`Your video is ready: ${videoUrl}`);
});

const INVALID = { prompt: 'a fox in the snow', duration: 99 };

it('an invalid argument: the model gets the validation error as the tool result, nothing is sent, the run succeeds', async () => {
	stub.script({ toolCall: { name: TOOL, arguments: INVALID } }, { text: finalAnswer });

	// Default tool settings: as a tool the node returns its error as an item (n8n up to 2.23
	// would otherwise end the whole execution on a tool's error).
	const result = await n8n.execute('agent-tool');
	expect({ error: result.error, pending: stub.pending() }).toEqual({
		error: undefined,
		pending: 0,
	});
	expect(sim.count()).toBe(0);
	const [toolError] = toolMessages(stub.chats()[1]);
	expect(toolItems(toolError)).toEqual([
		{
			error: expect.stringMatching(/^Invalid duration: .*4 to 15.*\(got 99\)$/),
			errorDescription: expect.stringContaining('nothing was sent to APIXO'),
		},
	]);
	expect(agentOutput(result)).toMatch(/^The tool failed: .*Invalid duration.*got 99/);
});

it('the model asks twice for the same video: two tasks (each call is a run of its own, not a retry)', async () => {
	const args = { prompt: 'a red fox trotting through fresh snow', duration: 4 };
	stub.script(
		{ toolCall: { name: TOOL, arguments: args } },
		{ toolCall: { name: TOOL, arguments: args } },
		{ text: finalAnswer },
	);
	const result = await n8n.execute('agent-tool');
	expect({ error: result.error, pending: stub.pending() }).toEqual({
		error: undefined,
		pending: 0,
	});
	expect(sim.requests.filter((r) => r.endpoint === 'submit')).toHaveLength(2);
	expect(sim.tasks.size).toBe(2);
	const [, second, third] = stub.chats();
	const urls = [toolMessages(second).at(-1), toolMessages(third).at(-1)].map(
		(message) => /"videoUrl":"([^"]+)"/.exec(message ?? '')?.[1],
	);
	expect(urls).toEqual([...sim.tasks.keys()].map((taskId) => `${sim.fileOrigin}/files/${taskId}.mp4`));
});
