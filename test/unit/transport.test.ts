/**
 * The transport's pure parts: the base URL a user pastes, and the errno read out of the errors
 * n8n's HTTP helper throws (n8n wraps axios errors and keeps the code in different places across
 * versions). Calls over HTTP are in test/integration/transport.test.ts.
 */
import { getEventListeners } from 'node:events';

import type { IExecuteFunctions } from 'n8n-workflow';

import { DEFAULT_BASE_URL } from '../../nodes/apixo/contract';
import { abortableSleep } from '../../nodes/apixo/sleep';
import { SEEDANCE_NODE } from '../harness/node';
import { errorCode, getTaskStatus, normalizeBaseUrl } from '../../nodes/apixo/transport';

describe('normalizeBaseUrl', () => {
	it.each([
		['nothing', undefined, DEFAULT_BASE_URL],
		['spaces only', '   ', DEFAULT_BASE_URL],
		['not text', 42, DEFAULT_BASE_URL],
		['spaces around', '  https://proxy.example.com  ', 'https://proxy.example.com'],
		['trailing slashes', 'https://proxy.example.com//', 'https://proxy.example.com'],
		['the bare APIXO host', 'https://api.apixo.ai', 'https://api.apixo.ai/api/v1'],
		['the bare APIXO host over http', 'http://api.apixo.ai/', 'http://api.apixo.ai/api/v1'],
		['the bare host, any case', 'HTTPS://API.APIXO.AI', 'HTTPS://API.APIXO.AI/api/v1'],
		['the API root already', 'https://api.apixo.ai/api/v1/', 'https://api.apixo.ai/api/v1'],
		[
			'a path that ends in the APIXO host',
			'https://mirror.example/https://api.apixo.ai',
			'https://mirror.example/https://api.apixo.ai',
		],
		['a longer host', 'https://api.apixo.ai.example', 'https://api.apixo.ai.example'],
	])('%s', (_, pasted, expected) => {
		expect(normalizeBaseUrl(pasted)).toBe(expected);
	});
});

describe('errorCode', () => {
	const chain = (depth: number, last: object): object =>
		depth === 0 ? last : { message: 'wrapped', cause: chain(depth - 1, last) };

	it.each([
		['an errno in code', { code: 'ECONNRESET' }, 'ECONNRESET'],
		[
			'a Node error code',
			{ code: 'ERR_SOCKET_CONNECTION_TIMEOUT' },
			'ERR_SOCKET_CONNECTION_TIMEOUT',
		],
		['an errno in httpCode (n8n keeps it there)', { httpCode: 'ETIMEDOUT' }, 'ETIMEDOUT'],
		['an HTTP status in httpCode is no errno', { httpCode: '503' }, undefined],
		[
			'a TLS code in httpCode',
			{ httpCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
			'DEPTH_ZERO_SELF_SIGNED_CERT',
		],
		['a TLS code in code', { code: 'CERT_HAS_EXPIRED' }, 'CERT_HAS_EXPIRED'],
		['a code with digits', { code: 'X509_V_ERR' }, 'X509_V_ERR'],
		['a capital word without underscore is no code', { code: 'CERT' }, undefined],
		['a code ending in an underscore', { code: 'CERT_' }, undefined],
		['a code in lower case', { code: 'cert_has_expired' }, undefined],
		['a code that starts with a digit', { code: '9_CERT' }, undefined],
		['a code with text before it', { code: 'xECONNRESET' }, undefined],
		['a code with text after it', { code: 'ECONNRESET!' }, undefined],
		['ERR_ without a name', { code: 'ERR_' }, 'ERR_'],
		[
			'an errno inside the messages',
			{ messages: ['connect ECONNREFUSED 127.0.0.1:9'] },
			'ECONNREFUSED',
		],
		['messages are read as words', { messages: ['connect', 'ECONNRESET'] }, 'ECONNRESET'],
		['an errno glued to a word is not one', { messages: ['connectECONNRESET'] }, undefined],
		['a short word is no errno', { messages: ['unexpected EOF'] }, undefined],
		[
			'an errno with underscores',
			{ messages: ['failed: ESOCKET_TIMEDOUT now'] },
			'ESOCKET_TIMEDOUT',
		],
		['axios timeout words', { messages: ['timeout of 3000ms exceeded'] }, 'ECONNABORTED'],
		['other timeout words', { messages: ['timeout of soon exceeded'] }, undefined],
		['messages that are not a list', { messages: 'ECONNRESET' }, undefined],
		['a cause three levels down', chain(3, { code: 'EPIPE' }), 'EPIPE'],
		['a cause four levels down (not looked at)', chain(4, { code: 'EPIPE' }), undefined],
		['nothing', undefined, undefined],
	])('%s', (_, error, expected) => {
		expect(errorCode(error)).toBe(expected);
	});
});

describe('abortableSleep', () => {
	it('leaves no listener on the signal it was given, however often it is called', async () => {
		const controller = new AbortController();
		for (let n = 0; n < 3; n++) await abortableSleep(1, controller.signal);
		expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
	});

	it('ends early when the signal aborts', async () => {
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 10);
		await expect(abortableSleep(60_000, controller.signal)).rejects.toBeDefined();
	});
});

it('a failure with no errno at all is a connection error, not retried', async () => {
	const send = jest.fn(async () => await Promise.reject(new Error('socket hang up')));
	const ctx = {
		getCredentials: async () => ({
			apiKey: 'sk-unit-0123456789',
			baseUrl: 'https://api.apixo.ai/api/v1',
		}),
		getNode: () => SEEDANCE_NODE,
		getExecutionCancelSignal: () => undefined,
		helpers: { httpRequestWithAuthentication: send },
		logger: { debug: () => undefined },
	} as unknown as IExecuteFunctions;
	await expect(getTaskStatus.call(ctx, 'task-1')).rejects.toThrow(
		'APIXO status failed: connection error',
	);
	expect(send).toHaveBeenCalledTimes(1);
});
