/** An HTTP server that records the JSON bodies workflows post to it (their "Report" nodes). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Catcher {
	url: string;
	caught: any[];
	close(): Promise<void>;
}

export async function startCatcher(): Promise<Catcher> {
	const caught: any[] = [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			caught.push(JSON.parse(body || '{}'));
			res.end('{}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/caught`,
		caught,
		close: async () => {
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			server.closeAllConnections();
			await closed;
		},
	};
}

/** Poll `check` until it holds or `ms` passed; returns whether it held. */
export async function eventually(
	check: () => boolean | Promise<boolean>,
	ms = 30_000,
): Promise<boolean> {
	const end = Date.now() + ms;
	for (;;) {
		if (await check()) return true;
		if (Date.now() > end) return false;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}
