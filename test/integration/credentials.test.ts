/**
 * The APIXO API credential's "Test" as n8n runs it: the same steps as n8n's CredentialsTester
 * (a declarative node whose one field routes the test request, run by n8n-core's RoutingNode
 * with the credential's `authenticate`, then the test's `rules` on the answer's status).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { ExecuteContext, RoutingNode } from 'n8n-core';
import type { ICredentialDataDecryptedObject, INode, INodeType, INodeTypes } from 'n8n-workflow';
import { createRunExecutionData, NodeConnectionTypes, Workflow } from 'n8n-workflow';

import { ApixoApi } from '../../credentials/ApixoApi.credentials';
import { DEFAULT_BASE_URL } from '../../nodes/apixo/contract';
import { normalizeBaseUrl } from '../../nodes/apixo/transport';
import { createAdditionalData } from '../../tools/engine';
import { addSecret } from '../harness/sweep';
import { startSimulator, type Simulator } from '../../tools/simulator/server';

const credential = new ApixoApi();
const GOOD_KEY = 'good-key-0123456789';
let sim: Simulator;
beforeAll(async () => (sim = await startSimulator({ apiKeys: [GOOD_KEY] })));
afterAll(async () => await sim.close());
beforeEach(() => sim.reset());

/** What n8n answers for "Test" on the credential: `{ status: 'OK' | 'Error', message }`. */
async function testCredential(data: ICredentialDataDecryptedObject) {
	addSecret(String(data.apiKey));
	const nodeType: INodeType = {
		description: {
			displayName: 'Credential test',
			name: 'credentialTest',
			group: ['transform'],
			version: 1,
			description: '',
			defaults: {},
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			credentials: [{ name: 'apixoApi', required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					routing: { request: credential.test.request },
					default: '',
				},
			],
		},
	};
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: 'credentialTest',
		typeVersion: 1,
		position: [0, 0],
		parameters: { temp: '' },
		credentials: { apixoApi: { id: '1', name: 'APIXO' } },
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: {
			getByName: () => nodeType,
			getByNameAndVersion: () => nodeType,
		} as unknown as INodeTypes,
	});
	const context = new ExecuteContext(
		workflow,
		node,
		createAdditionalData({ apixoApi: data }),
		'internal',
		createRunExecutionData(),
		0,
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
		[],
	);
	const credentialsDecrypted = { id: '1', name: 'APIXO', type: 'apixoApi', data };
	let response;
	try {
		response = await new RoutingNode(context, nodeType, credentialsDecrypted).runNode();
	} catch (error) {
		return { status: 'Error', message: String((error as Error).message) };
	}
	const json = response?.[0]?.[0]?.json;
	for (const rule of credential.test.rules ?? []) {
		if (
			rule.type === 'responseSuccessBody' &&
			(json as Record<string, unknown> | undefined)?.[rule.properties.key] === rule.properties.value
		)
			return { status: 'Error', message: rule.properties.message };
	}
	return { status: 'OK', message: 'Connection successful!' };
}

it('has the documented name, fields and defaults', () => {
	expect(credential.name).toBe('apixoApi');
	expect(credential.displayName).toBe('APIXO API');
	const [apiKey, baseUrl] = credential.properties;
	expect(apiKey).toMatchObject({ name: 'apiKey', typeOptions: { password: true } });
	expect(baseUrl).toMatchObject({ name: 'baseUrl', default: DEFAULT_BASE_URL });
});

it.each([
	['without a trailing slash', ''],
	['with a trailing slash', '/'],
	['with spaces around', '  '],
])('a good key passes %s; the test is one free balance read', async (_name, tail) => {
	const baseUrl = tail === '  ' ? `  ${sim.baseUrl}  ` : `${sim.baseUrl}${tail}`;
	expect(await testCredential({ apiKey: GOOD_KEY, baseUrl })).toEqual({
		status: 'OK',
		message: 'Connection successful!',
	});
	expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
		'GET /api/v1/apikeys/current-balance',
	]);
	expect(sim.requests[0].headers.authorization).toBe(`Bearer ${GOOD_KEY}`);
});

it.each([401, 403])('a key answered %i is "API key rejected"', async (status) => {
	// A wrong key may get 403 instead of 401 from the balance endpoint (APIXO's system page).
	if (status === 403) sim.inject({ endpoint: 'balance', kind: 'http', status: 403 });
	const result = await testCredential({
		apiKey: status === 401 ? 'bad-key-0123456789' : GOOD_KEY,
		baseUrl: sim.baseUrl,
	});
	expect(result.status).toBe('Error');
	expect(result.message).toContain('API key rejected');
	expect(result.message).toContain(String(status));
});

it('a base URL without /api/v1 on another host says which base URL is expected', async () => {
	const result = await testCredential({ apiKey: GOOD_KEY, baseUrl: sim.origin });
	expect(result.status).toBe('Error');
	expect(result.message).toContain('https://api.apixo.ai/api/v1');
});

it("APIXO's bare host gets /api/v1, in the credential test and in the nodes alike", () => {
	const workflow = new Workflow({
		nodes: [],
		connections: {},
		active: false,
		nodeTypes: { getByName: () => undefined, getByNameAndVersion: () => undefined } as never,
	});
	const resolve = (baseUrl: string) =>
		workflow.expression.getSimpleParameterValue(
			{ id: '1', name: 'n', type: 't', typeVersion: 1, position: [0, 0], parameters: {} },
			credential.test.request.baseURL as string,
			'internal',
			{ $credentials: { baseUrl } } as never,
		);
	for (const pasted of [
		'https://api.apixo.ai',
		'https://api.apixo.ai/',
		'https://API.apixo.ai',
		' https://api.apixo.ai/api/v1/ ',
		'https://api.apixo.ai/api/v1',
		'http://127.0.0.1:8787/api/v1',
		'https://proxy.example.com',
	]) {
		expect(resolve(pasted)).toBe(normalizeBaseUrl(pasted));
	}
	expect(normalizeBaseUrl('https://api.apixo.ai')).toBe('https://api.apixo.ai/api/v1');
	expect(normalizeBaseUrl('https://proxy.example.com/')).toBe('https://proxy.example.com');
});

it('a redirect is not followed: the key never reaches the host it points to', async () => {
	const seen: Array<string | undefined> = [];
	const thief = http.createServer((req, res) => {
		seen.push(req.headers.authorization);
		res.end('{"code":200,"message":"success","data":1}');
	});
	await new Promise<void>((resolve) => thief.listen(0, '127.0.0.1', resolve));
	const redirector = http.createServer((_req, res) => {
		res.writeHead(302, {
			location: `http://localhost:${(thief.address() as AddressInfo).port}/api/v1/apikeys/current-balance`,
		});
		res.end();
	});
	await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
	try {
		const result = await testCredential({
			apiKey: GOOD_KEY,
			baseUrl: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/api/v1`,
		});
		expect(result.status).toBe('Error');
		expect(result.message).toContain('redirect');
		expect(seen).toEqual([]);
	} finally {
		await Promise.all([thief, redirector].map((s) => new Promise((r) => s.close(r))));
	}
});
