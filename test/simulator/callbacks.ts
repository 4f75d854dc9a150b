/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/** POSTs a final task to its callback_url the way APIXO does: JSON body, 200 expected. */
import http from 'node:http';
import https from 'node:https';

export async function postCallback(
	url: string,
	payload: unknown,
	timeoutMs: number,
	open: Set<http.ClientRequest>,
): Promise<{ status?: number; error?: string }> {
	const body = JSON.stringify(payload);
	const client = url.startsWith('https:') ? https : http;
	return await new Promise((resolve) => {
		const request = client.request(
			url,
			{
				method: 'POST',
				headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
				timeout: timeoutMs,
				// Local test receivers may use self-signed certificates.
				rejectUnauthorized: false,
			},
			(response) => {
				response.resume();
				response.on('end', () => resolve({ status: response.statusCode }));
				response.on('error', (error) =>
					resolve({ status: response.statusCode, error: error.message }),
				);
			},
		);
		open.add(request);
		request.on('close', () => open.delete(request));
		request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
		request.on('error', (error) => resolve({ error: error.message }));
		request.end(body);
	});
}
