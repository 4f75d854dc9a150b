import { apiReach } from '../../nodes/SeedanceMini/actions/generate/prepare';

describe('apiReach: what a base URL allows', () => {
	it.each([
		['APIXO', 'https://api.apixo.ai/api/v1', { allowLoopbackHttp: false, localApi: false }],
		[
			'APIXO’s bare domain',
			'https://apixo.ai/api/v1',
			{ allowLoopbackHttp: false, localApi: false },
		],
		[
			'APIXO, any case',
			'https://API.APIXO.AI/api/v1',
			{ allowLoopbackHttp: false, localApi: false },
		],
		// Another host (a proxy, a stand-in) decides for itself what it accepts.
		['a proxy', 'https://proxy.example.com/api/v1', { allowLoopbackHttp: true, localApi: false }],
		[
			'a host that only starts like APIXO',
			'https://api.apixo.ai.example.com/api/v1',
			{ allowLoopbackHttp: true, localApi: false },
		],
		[
			'a host that only ends like APIXO',
			'https://notapixo.ai/api/v1',
			{ allowLoopbackHttp: true, localApi: false },
		],
		[
			'a local stand-in',
			'http://127.0.0.1:8787/api/v1',
			{ allowLoopbackHttp: true, localApi: true },
		],
		[
			'a stand-in on the private network',
			'http://10.0.0.5/api/v1',
			{ allowLoopbackHttp: true, localApi: true },
		],
	])('%s', (_, baseUrl, expected) => {
		expect(apiReach(baseUrl)).toEqual(expected);
	});
});
