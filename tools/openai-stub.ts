/**
 * A scripted OpenAI-compatible chat model on loopback, for running n8n's AI Agent without a real
 * model: each POST /v1/chat/completions takes the next scripted reply (a tool call, or a final
 * text that may be computed from the request), as JSON or as SSE when the client streams.
 * Every request is recorded, so tests can read what the agent told the model (tool results and
 * errors arrive as `role: 'tool'` messages). No dependency beyond node:http.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatMessage {
	role: string;
	content: unknown;
	tool_call_id?: string;
	tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
}

export interface ChatRequest {
	model?: string;
	messages: ChatMessage[];
	tools?: Array<{
		type: string;
		function: { name: string; description?: string; parameters?: any };
	}>;
	stream?: boolean;
	[key: string]: unknown;
}

export type StubReply =
	| { toolCall: { name: string; arguments: Record<string, unknown>; id?: string } }
	| { text: string | ((request: ChatRequest) => string) };

export interface StubRequest {
	method: string;
	path: string;
	body?: unknown;
}

export interface OpenAiStub {
	/** What the OpenAI credential's Base URL takes: `http://127.0.0.1:<port>/v1`. */
	baseUrl: string;
	requests: StubRequest[];
	/** The bodies of the chat completion requests, in order. */
	chats(): ChatRequest[];
	/** Queue replies for the next chat completion requests. */
	script(...replies: StubReply[]): void;
	/** Replies still queued. */
	pending(): number;
	reset(): void;
	close(): Promise<void>;
}

export const MODEL = 'stub-model';

/** The text of a message's content (a string, or OpenAI's list of content parts). */
export function textOf(content: unknown): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content))
		return content.map((part) => (typeof part === 'string' ? part : (part?.text ?? ''))).join('');
	return content === null || content === undefined ? '' : JSON.stringify(content);
}

/** The messages with `role: 'tool'` (tool results and tool errors) of a request. */
export const toolMessages = (request: ChatRequest) =>
	request.messages.filter((m) => m.role === 'tool').map((m) => textOf(m.content));

let callSeq = 0;

interface AssistantMessage {
	role: 'assistant';
	content: string | null;
	tool_calls?: Array<{
		id: string;
		type: 'function';
		function: { name: string; arguments: string };
	}>;
}

/** The assistant message a reply stands for. */
function messageFor(
	reply: StubReply,
	request: ChatRequest,
): { message: AssistantMessage; finishReason: string } {
	if ('toolCall' in reply) {
		const { name, arguments: args, id } = reply.toolCall;
		return {
			message: {
				role: 'assistant',
				content: null,
				tool_calls: [
					{
						id: id ?? `call_stub_${++callSeq}`,
						type: 'function',
						function: { name, arguments: JSON.stringify(args) },
					},
				],
			},
			finishReason: 'tool_calls',
		};
	}
	const content = typeof reply.text === 'function' ? reply.text(request) : reply.text;
	return { message: { role: 'assistant', content }, finishReason: 'stop' };
}

const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

export async function startOpenAiStub(): Promise<OpenAiStub> {
	const requests: StubRequest[] = [];
	let queue: StubReply[] = [];

	const json = (res: http.ServerResponse, status: number, body: unknown) => {
		res.writeHead(status, { 'content-type': 'application/json' });
		res.end(JSON.stringify(body));
	};

	const complete = (request: ChatRequest, res: http.ServerResponse) => {
		const reply = queue.shift();
		if (!reply) {
			// 400: OpenAI clients retry 5xx, which would hide an unscripted turn behind retries.
			return json(res, 400, {
				error: {
					message: `openai-stub: no scripted reply left for request ${requests.length}`,
					type: 'invalid_request_error',
				},
			});
		}
		const { message, finishReason } = messageFor(reply, request);
		const id = `chatcmpl-stub-${requests.length}`;
		const created = Math.floor(Date.now() / 1000);
		if (!request.stream) {
			return json(res, 200, {
				id,
				object: 'chat.completion',
				created,
				model: request.model ?? MODEL,
				choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
				usage,
			});
		}
		// Streaming: one chunk with the whole delta, one with the finish reason, usage, [DONE].
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
			res.write(
				`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model ?? MODEL, choices, ...extra })}\n\n`,
			);
		const delta = message.tool_calls
			? { ...message, tool_calls: message.tool_calls.map((call, index) => ({ index, ...call })) }
			: message;
		chunk([{ index: 0, delta, finish_reason: null }]);
		chunk([{ index: 0, delta: {}, finish_reason: finishReason }]);
		chunk([], { usage });
		res.end('data: [DONE]\n\n');
	};

	const server = http.createServer((req, res) => {
		let raw = '';
		req.on('data', (c) => (raw += c));
		req.on('end', () => {
			const path = (req.url ?? '/').split('?')[0];
			let body: unknown;
			try {
				body = raw ? JSON.parse(raw) : undefined;
			} catch {
				body = raw;
			}
			requests.push({ method: req.method ?? 'GET', path, body });
			if (req.method === 'GET' && /\/models$/.test(path)) {
				return json(res, 200, {
					object: 'list',
					data: [{ id: MODEL, object: 'model', created: 0, owned_by: 'openai-stub' }],
				});
			}
			if (req.method === 'POST' && /\/chat\/completions$/.test(path)) {
				return complete(body as ChatRequest, res);
			}
			json(res, 404, {
				error: { message: `openai-stub: ${req.method} ${path} is not served`, type: 'not_found' },
			});
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

	return {
		baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
		requests,
		chats: () =>
			requests
				.filter((r) => r.method === 'POST' && r.path.endsWith('/chat/completions'))
				.map((r) => r.body as ChatRequest),
		script: (...replies) => void queue.push(...replies),
		pending: () => queue.length,
		reset: () => {
			requests.length = 0;
			queue = [];
		},
		close: async () => {
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			server.closeAllConnections();
			await closed;
		},
	};
}
