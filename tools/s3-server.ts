/**
 * An S3-compatible server on loopback for tests: s3rver (npm, "Fake S3 server for node") stores
 * the objects, in process; a front server checks what s3rver does not. s3rver 3.7.1 only looks
 * up the access key of a Signature V4 request (it never computes the signature), lets unsigned
 * requests through and ignores Content-MD5. The front refuses, as S3 would, a request without a
 * valid AWS Signature V4 for its one key pair and region, and an upload whose body does not
 * match its signed SHA-256 or its Content-MD5; then it passes the request on to s3rver.
 * Path-style addressing only (`<endpoint>/<bucket>/<key>`: "Force Path Style" in n8n).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { onCleanup } from './cleanup';
import { report } from './observe';

// s3rver ships no types: the part used here.
interface S3rverInstance {
	run(): Promise<AddressInfo>;
	close(): Promise<void>;
}
const S3rver: new (options: Record<string, unknown>) => S3rverInstance = require('s3rver');

export interface S3Options {
	buckets?: string[];
	accessKeyId?: string;
	secretAccessKey?: string;
	region?: string;
}

export interface S3Request {
	method: string;
	path: string;
	status: number;
	/** The S3 error code the front answered with, when it refused the request. */
	refused?: string;
	/** The signed `x-amz-content-sha256` of an accepted request. */
	payloadSha256?: string;
}

export interface S3Reply {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
}

export interface S3Server {
	/** `http://127.0.0.1:<port>`: the "S3 Endpoint" of n8n's S3 credential. */
	endpoint: string;
	region: string;
	accessKeyId: string;
	secretAccessKey: string;
	requests: S3Request[];
	/** A request signed like any S3 client's (with `secretAccessKey` to sign with another). */
	send(
		method: string,
		pathAndQuery: string,
		options?: { body?: Buffer; secretAccessKey?: string },
	): Promise<S3Reply>;
	getObject(bucket: string, key: string): Promise<S3Reply>;
	close(): Promise<void>;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60_000;

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) =>
	createHmac('sha256', key).update(data).digest();
const rfc3986 = (text: string) =>
	encodeURIComponent(text).replace(
		/[!'()*]/g,
		(c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
	);

/** The canonical request of Signature V4 as S3 computes it (the path is not normalised). */
function canonicalRequest(
	method: string,
	pathAndQuery: string,
	headers: http.IncomingHttpHeaders,
	signedHeaders: string[],
	payloadHash: string,
): string {
	const url = new URL(pathAndQuery, 'http://s3');
	const canonicalPath = url.pathname
		.split('/')
		.map((piece) => rfc3986(decodeURIComponent(piece)))
		.join('/');
	const query = [...url.searchParams]
		.map(([key, value]) => `${rfc3986(key)}=${rfc3986(value)}`)
		.sort()
		.join('&');
	const header = (name: string) => {
		const value = headers[name];
		return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
	};
	return [
		method,
		canonicalPath,
		query,
		signedHeaders.map((name) => `${name}:${header(name)}\n`).join(''),
		signedHeaders.join(';'),
		payloadHash,
	].join('\n');
}

function signature(secret: string, amzDate: string, scope: string, request: string): string {
	const [date, region, service] = scope.split('/');
	const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
	return hmac(key, [ALGORITHM, amzDate, scope, sha256(request)].join('\n')).toString('hex');
}

class Refusal extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
	) {
		super(message);
	}
}

export async function startS3Server(options: S3Options = {}): Promise<S3Server> {
	const accessKeyId = options.accessKeyId ?? 'E2EACCESSKEY0000001';
	const secretAccessKey = options.secretAccessKey ?? 'e2e/S3-secret-key/ZmFrZS1zMy1zZWNyZXQ';
	const region = options.region ?? 'us-east-1';
	report.secret(secretAccessKey);
	const requests: S3Request[] = [];

	const directory = mkdtempSync(path.join(os.tmpdir(), 'apixo-s3-'));
	const store = new S3rver({
		address: '127.0.0.1',
		port: 0,
		silent: true,
		directory,
		vhostBuckets: false,
		configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
	});
	// A client that hangs up mid-upload ends only its own request.
	const front = http.createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
	const stop = onCleanup('s3 server', async () => {
		front.closeAllConnections();
		await new Promise<void>((resolve) => front.close(() => resolve()));
		await store.close().catch(() => undefined);
		rmSync(directory, { recursive: true, force: true });
	});
	let storePort: number;
	try {
		storePort = (await store.run()).port;
		await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
	} catch (error) {
		await stop();
		throw error;
	}
	const endpoint = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

	/** The checks, on the headers and the whole body; the signed payload hash when they pass. */
	function verify(req: http.IncomingMessage, body: Buffer): string {
		const auth =
			/^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
				req.headers.authorization ?? '',
			);
		if (!auth) throw new Refusal(403, 'AccessDenied', 'Signature V4 required');
		const [credential, signedList, provided] = auth.slice(1);
		const [keyId, ...scopeParts] = credential.split('/');
		const scope = scopeParts.join('/');
		if (keyId !== accessKeyId) throw new Refusal(403, 'InvalidAccessKeyId', 'Unknown key');
		const amzDate = String(req.headers['x-amz-date'] ?? '');
		const time = Date.parse(
			amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
		);
		if (!(Math.abs(Date.now() - time) <= MAX_SKEW_MS))
			throw new Refusal(403, 'RequestTimeTooSkewed', `x-amz-date ${amzDate}`);
		if (scope !== `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`)
			throw new Refusal(400, 'AuthorizationHeaderMalformed', `Credential scope ${scope}`);
		const signedHeaders = signedList.split(';');
		if (!signedHeaders.includes('host'))
			throw new Refusal(400, 'AuthorizationHeaderMalformed', 'host is not signed');
		const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
		if (!/^[0-9a-f]{64}$/.test(payloadHash) && payloadHash !== 'UNSIGNED-PAYLOAD')
			throw new Refusal(400, 'InvalidArgument', `x-amz-content-sha256 ${payloadHash}`);
		const request = canonicalRequest(
			req.method ?? 'GET',
			req.url ?? '/',
			req.headers,
			signedHeaders,
			payloadHash,
		);
		const expected = Buffer.from(signature(secretAccessKey, amzDate, scope, request));
		if (!timingSafeEqual(expected, Buffer.from(provided)))
			throw new Refusal(403, 'SignatureDoesNotMatch', 'The signature does not match');
		if (payloadHash !== 'UNSIGNED-PAYLOAD' && sha256(body) !== payloadHash)
			throw new Refusal(400, 'XAmzContentSHA256Mismatch', 'The body does not match its hash');
		const md5 = req.headers['content-md5'];
		if (md5 !== undefined && createHash('md5').update(body).digest('base64') !== md5)
			throw new Refusal(400, 'BadDigest', 'The body does not match its Content-MD5');
		return payloadHash;
	}

	async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const body = Buffer.concat(chunks);
		const record: S3Request = { method: req.method ?? 'GET', path: req.url ?? '/', status: 0 };
		requests.push(record);
		try {
			record.payloadSha256 = verify(req, body);
		} catch (error) {
			const refusal =
				error instanceof Refusal ? error : new Refusal(500, 'InternalError', String(error));
			record.status = refusal.status;
			record.refused = refusal.code;
			res.writeHead(refusal.status, { 'content-type': 'application/xml' });
			res.end(
				`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message></Error>`,
			);
			return;
		}
		// Verified here: s3rver would refuse the key, which it does not know, so it gets no auth.
		const { authorization: _verified, ...headers } = req.headers;
		const upstream = http.request(
			{ host: '127.0.0.1', port: storePort, method: req.method, path: req.url, headers },
			(answer) => {
				record.status = answer.statusCode ?? 0;
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		upstream.on('error', (error) => {
			record.status = 502;
			if (!res.headersSent) res.writeHead(502);
			res.end(String(error));
		});
		upstream.end(body);
	}

	const send: S3Server['send'] = (method, pathAndQuery, sendOptions = {}) => {
		const body = sendOptions.body ?? Buffer.alloc(0);
		const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
		const scope = `${amzDate.slice(0, 8)}/${region}/s3/aws4_request`;
		const headers: Record<string, string> = {
			host: new URL(endpoint).host,
			'x-amz-content-sha256': sha256(body),
			'x-amz-date': amzDate,
		};
		const signedHeaders = Object.keys(headers).sort();
		const request = canonicalRequest(method, pathAndQuery, headers, signedHeaders, sha256(body));
		const secret = sendOptions.secretAccessKey ?? secretAccessKey;
		headers.authorization = `${ALGORITHM} Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature(secret, amzDate, scope, request)}`;
		return new Promise<S3Reply>((resolve, reject) => {
			const outgoing = http.request(`${endpoint}${pathAndQuery}`, { method, headers }, (answer) => {
				const parts: Buffer[] = [];
				answer.on('data', (part: Buffer) => parts.push(part));
				answer.on('end', () =>
					resolve({
						status: answer.statusCode ?? 0,
						headers: answer.headers,
						body: Buffer.concat(parts),
					}),
				);
				answer.on('error', reject);
			});
			outgoing.on('error', reject);
			outgoing.end(body);
		});
	};

	return {
		endpoint,
		region,
		accessKeyId,
		secretAccessKey,
		requests,
		send,
		getObject: (bucket, key) => send('GET', `/${bucket}/${key.split('/').map(rfc3986).join('/')}`),
		close: stop,
	};
}
