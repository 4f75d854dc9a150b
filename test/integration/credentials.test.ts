/**
 * The APIXO API credential as n8n uses it: the test request resolves (n8n's expression engine)
 * to the free balance endpoint and tells a good key from a bad one.
 */
import type { INode, INodeTypes } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { ApixoApi } from '../../credentials/ApixoApi.credentials';
import { DEFAULT_BASE_URL } from '../../nodes/apixo/contract';
import { startSimulator, type Simulator } from '../simulator/server';

const credential = new ApixoApi();
let sim: Simulator;
beforeAll(async () => (sim = await startSimulator({ apiKeys: ['good-key'] })));
afterAll(async () => await sim.close());

const node: INode = {
	id: '1',
	name: 'n',
	type: 't',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};
const workflow = new Workflow({
	nodes: [node],
	connections: {},
	active: false,
	nodeTypes: {
		getByName: () => undefined,
		getByNameAndVersion: () => undefined,
	} as unknown as INodeTypes,
});
const resolve = (value: string, credentials: Record<string, string>) =>
	workflow.expression.getSimpleParameterValue(node, value, 'internal', {
		$credentials: credentials,
	} as never) as string;

/** What n8n sends for "Test" on the credential. */
async function testCredential(apiKey: string, baseUrl: string) {
	const { request } = credential.test;
	const url = `${resolve(request.baseURL as string, { apiKey, baseUrl })}${request.url}`;
	const authorization = resolve(
		credential.authenticate.properties.headers!.Authorization as string,
		{
			apiKey,
			baseUrl,
		},
	);
	const response = await fetch(url, { method: request.method, headers: { authorization } });
	return { url, status: response.status };
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
])('the test reads the balance %s', async (_name, tail) => {
	const good = await testCredential('good-key', `${sim.baseUrl}${tail}`);
	expect(good).toEqual({ url: `${sim.baseUrl}/apikeys/current-balance`, status: 200 });
	expect((await testCredential('bad-key', `${sim.baseUrl}${tail}`)).status).toBe(401);
	expect(sim.count('submit')).toBe(0);
});
