import http from 'node:http';

import { getBalance } from '../../nodes/apixo/transport';
import { probeNode, runNode } from '../../tools/engine';

it('runs a node in n8n-core with the credential generic auth applied', async () => {
	let auth: string | undefined;
	const server = http.createServer((req, res) => {
		auth = req.headers.authorization;
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ code: 200, message: 'success', data: 12.5 }));
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const { port } = server.address() as { port: number };
	const result = await runNode({
		node: probeNode(async (ctx) => ({ balance: await getBalance.call(ctx) })),
		parameters: {},
		credentials: { apixoApi: { apiKey: 'k-123', baseUrl: `http://127.0.0.1:${port}/api/v1/` } },
	});
	server.closeAllConnections();
	server.close();
	expect(result.error).toBeUndefined();
	expect(result.items[0].json).toEqual({ balance: 12.5 });
	expect(auth).toBe('Bearer k-123');
});
