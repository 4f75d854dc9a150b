import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class ApixoApi implements ICredentialType {
	name = 'apixoApi';

	displayName = 'APIXO API';

	icon: Icon = { light: 'file:../icons/apixo.svg', dark: 'file:../icons/apixo.dark.svg' };

	documentationUrl = 'https://apixo.ai/docs/api-reference/authentication';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'Your APIXO API key, from the APIXO dashboard',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.apixo.ai/api/v1',
			description:
				'Leave as is for APIXO. Change it only for a proxy or a local APIXO simulator (e.g. http://127.0.0.1:8787/api/v1).',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// Reading the balance is free and creates nothing. The base URL is read as the nodes read it
	// (APIXO's bare host gets /api/v1, as APIXO's own MCP server configures it), and redirects are
	// not followed: n8n would re-attach the key on a cross-origin redirect.
	// Error statuses are read from the answer's body (APIXO repeats the status in `code`): n8n's
	// "responseCode" rules never fire for request errors (the tester looks for a `cause` that
	// n8n's own NodeApiError does not keep), so they would show n8n's generic texts instead.
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{ $credentials.baseUrl.trim().replace(/\\/+$/, "").replace(/^(https?:\\/\\/api\\.apixo\\.ai)$/i, "$1/api/v1") }}',
			url: '/apikeys/current-balance',
			method: 'GET',
			disableFollowRedirect: true,
			ignoreHttpStatusErrors: true,
		},
		rules: [
			// A wrong key may get 403 instead of 401 from the balance endpoint.
			...[401, 403].map((value) => ({
				type: 'responseSuccessBody' as const,
				properties: {
					key: 'code',
					value,
					message: `API key rejected (HTTP ${value}): check the API key, from the APIXO dashboard`,
				},
			})),
			...[400, 404, 405].map((value) => ({
				type: 'responseSuccessBody' as const,
				properties: {
					key: 'code',
					value,
					message: `Not APIXO's balance endpoint (HTTP ${value}): the Base URL must be the API root, e.g. https://api.apixo.ai/api/v1`,
				},
			})),
			...[429, 500, 502, 503, 504].map((value) => ({
				type: 'responseSuccessBody' as const,
				properties: {
					key: 'code',
					value,
					message: `APIXO is busy or unavailable (HTTP ${value}): try the test again later`,
				},
			})),
			// A balance answer always has `data`; anything else is not APIXO's balance endpoint.
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'data',
					value: undefined,
					message:
						'No balance came back: the API key was rejected, or the Base URL is not the API root (APIXO’s is https://api.apixo.ai/api/v1; redirects are not followed)',
				},
			},
		],
	};
}
