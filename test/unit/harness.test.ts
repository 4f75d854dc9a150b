import http from 'node:http';
import type { IExecuteFunctions, INodeType } from 'n8n-workflow';
import { getBalance } from '../../nodes/apixo/transport';
import { runNode } from '../harness/n8n';

const probe: INodeType = {
	description: { displayName: 'Probe', name: 'probe', group: [], version: 1, description: '', defaults: {}, inputs: ['main'], outputs: ['main'], properties: [], credentials: [{ name: 'apixoApi', required: true }] } as never,
	async execute(this: IExecuteFunctions) {
		const balance = await getBalance.call(this);
		return [[{ json: { balance } }]];
	},
};

it('runs a node in n8n-core with generic auth applied', async () => {
	let auth: string | undefined;
	const server = http.createServer((req, res) => {
		auth = req.headers.authorization;
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ code: 200, message: 'success', data: 12.5 }));
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const port = (server.address() as { port: number }).port;
	const result = await runNode({ node: probe, parameters: {}, credentials: { apixoApi: { apiKey: 'k-123', baseUrl: `http://127.0.0.1:${port}/api/v1/` } } });
	server.closeAllConnections();
	server.close();
	expect(result.error).toBeUndefined();
	expect(result.items[0].json).toEqual({ balance: 12.5 });
	expect(auth).toBe('Bearer k-123');
});
