/**
 * The callback fuzz's raw HTTP client: an APIXO Trigger behind n8n-core's WebhookContext
 * (test/harness/webhook.ts), posted raw bytes with node:http, so the body, its encoding, the
 * headers, the transfer framing and the URL's tail are exactly what the caller chose. It counts
 * what it sends and sees, for the figures of the run.
 */
import http from 'node:http';

import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import { ApixoTrigger } from '../../../nodes/ApixoTrigger/ApixoTrigger.node';
import { startTriggerServer, type TriggerServer } from '../../harness/webhook';

/** Requests sent, by phase of the fuzz. */
export const sent = {
	sequential: 0,
	concurrent: 0,
	token: 0,
	big: 0,
	oversize: 0,
	verify: 0,
	'verify deadline': 0,
};
export type Phase = keyof typeof sent;
/** Executions handed out by `fresh()`, and 5xx answers outside the verify phases. */
export const seen = { executions: 0, fiveHundreds: 0 };

export interface Wire {
	/** Appended to the webhook URL as is: '', '?token=…', '/extra/path'. */
	query?: string;
	headers?: Record<string, string>;
	bytes: Buffer;
	/** More than 1: chunked transfer in this many pieces, `pauseMs` apart. */
	pieces?: number;
	pauseMs?: number;
	/** Wait before sending (interleaving in concurrent batches). */
	startMs?: number;
}

export interface Answer {
	status: number;
	text: string;
	json: any;
}

export const pause = (ms: number) =>
	new Promise<void>((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));

export interface Hook {
	server: TriggerServer;
	post(wire: Wire): Promise<Answer>;
	/** Executions added since the last call. */
	fresh(): IDataObject[][];
	close(): Promise<void>;
}

const trigger = new ApixoTrigger();

/** A trigger server with its own keep-alive agent (no socket is ever reused across servers). */
export async function open(
	phase: Phase,
	parameters: IDataObject,
	credentials?: Record<string, ICredentialDataDecryptedObject>,
): Promise<Hook> {
	const server = await startTriggerServer({
		node: trigger,
		parameters: parameters as never,
		credentials,
	});
	const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
	let seenHere = 0;
	const post = async (wire: Wire): Promise<Answer> => {
		sent[phase]++;
		if (wire.startMs !== undefined) await pause(wire.startMs);
		return await new Promise<Answer>((resolve, reject) => {
			const pieces = Math.max(1, wire.pieces ?? 1);
			const headers = { ...wire.headers };
			if (pieces === 1) headers['content-length'] = String(wire.bytes.length);
			const request = http.request(
				server.url + (wire.query ?? ''),
				{ method: 'POST', agent, headers },
				(response) => {
					const chunks: Buffer[] = [];
					response.on('data', (chunk: Buffer) => chunks.push(chunk));
					response.on('error', reject);
					response.on('end', () => {
						const text = Buffer.concat(chunks).toString('utf8');
						let json: unknown;
						try {
							json = JSON.parse(text);
						} catch {
							json = undefined;
						}
						if ((response.statusCode ?? 0) >= 500 && !phase.startsWith('verify'))
							seen.fiveHundreds++;
						resolve({ status: response.statusCode ?? 0, text, json });
					});
				},
			);
			request.on('error', reject);
			if (pieces === 1) return void request.end(wire.bytes);
			void (async () => {
				const size = Math.max(1, Math.ceil(wire.bytes.length / pieces));
				for (let at = 0; at < wire.bytes.length; at += size) {
					request.write(wire.bytes.subarray(at, at + size));
					await pause(wire.pauseMs ?? 0);
				}
				request.end();
			})();
		});
	};
	return {
		server,
		post,
		fresh: () => {
			const runs = server.executions.slice(seenHere);
			seenHere = server.executions.length;
			seen.executions += runs.length;
			return runs;
		},
		close: async () => {
			agent.destroy();
			await server.close();
		},
	};
}
