/**
 * Small HTTP servers that misbehave on purpose — trickle, stall, never answer, send too much,
 * redirect — standing in for reference-media and result-file hosts. Each request is logged
 * (and handed to the secrets sweep: no Authorization may reach such a host); `close()` ends
 * every connection and timer the server holds.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { collectOtherHost } from './sweep';

export interface HostileRequest {
	path: string;
	range?: string;
	authorization?: string;
}

export interface HostileHost {
	origin: string;
	requests: HostileRequest[];
	/** Client connections open right now (0 once the node has let go of them). */
	openConnections(): number;
	close(): Promise<void>;
}

export type Behaviour = (request: http.IncomingMessage, response: http.ServerResponse) => void;

export async function startHostileHost(behaviour: Behaviour): Promise<HostileHost> {
	const requests: HostileRequest[] = [];
	const sockets = new Set<Socket>();
	const server = http.createServer((request, response) => {
		requests.push({
			path: request.url ?? '/',
			range: request.headers.range,
			authorization: request.headers.authorization,
		});
		collectOtherHost({
			url: `http://${request.headers.host}${request.url}`,
			authorization: request.headers.authorization,
		});
		behaviour(request, response);
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		requests,
		openConnections: () => sockets.size,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/**
 * Writes `bytes` one byte every `everyMs` — never silent for long, always too slow — until all
 * are sent or the client goes away. `sent()` says how many went out.
 */
export function trickle(response: http.ServerResponse, bytes: Buffer, everyMs: number) {
	let sent = 0;
	const timer = setInterval(() => {
		if (sent >= bytes.length) {
			clearInterval(timer);
			response.end();
			return;
		}
		response.write(bytes.subarray(sent, ++sent));
	}, everyMs);
	response.on('close', () => clearInterval(timer));
	return { sent: () => sent };
}

/** Writes 64 KiB chunks for as long as the client reads them (no Content-Length). */
export function endless(response: http.ServerResponse) {
	const chunk = Buffer.alloc(64 * 1024, 0x2e);
	let sent = 0;
	const pump = () => {
		while (!response.destroyed) {
			sent += chunk.length;
			if (!response.write(chunk)) return void response.once('drain', pump);
		}
	};
	response.on('close', () => response.removeListener('drain', pump));
	response.writeHead(200, { 'content-type': 'video/mp4' });
	pump();
	return { sent: () => sent };
}

/**
 * Answers a Range request for `file` like a CDN (206 + Content-Range), optionally after `delayMs`;
 * `total` is the size Content-Range states (`*`: unknown).
 */
export function serveRange(
	request: http.IncomingMessage,
	response: http.ServerResponse,
	file: Buffer,
	{ delayMs = 0, total = String(file.length) }: { delayMs?: number; total?: string } = {},
) {
	const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(String(request.headers.range)) ?? [];
	const start = Number(from ?? 0);
	const end = Math.min(Number(to ?? file.length - 1), file.length - 1);
	const answer = () => {
		response.writeHead(206, {
			'content-type': 'video/mp4',
			'content-range': `bytes ${start}-${end}/${total}`,
			'content-length': String(end - start + 1),
		});
		response.end(file.subarray(start, end + 1));
	};
	if (!delayMs) return answer();
	const timer = setTimeout(answer, delayMs);
	response.on('close', () => clearTimeout(timer));
}
