import { apiReach } from '../../nodes/SeedanceMini/actions/generate/prepare';

// Only a local APIXO (a simulator on this machine) can call back to this machine over plain
// http: APIXO itself, or a proxy in front of it, needs a public https callback URL.
const APIXO = { allowLoopbackHttp: false, localApi: false };
const ELSEWHERE = APIXO;
const LOCAL = { allowLoopbackHttp: true, localApi: true };

describe('apiReach: what a base URL allows', () => {
	it.each([
		['APIXO', 'https://api.apixo.ai/api/v1', APIXO],
		['APIXO’s bare domain', 'https://apixo.ai/api/v1', APIXO],
		['APIXO, any case', 'https://API.APIXO.AI/api/v1', APIXO],
		['a proxy', 'https://proxy.example.com/api/v1', ELSEWHERE],
		['a host that only starts like APIXO', 'https://api.apixo.ai.example.com/api/v1', ELSEWHERE],
		['a host that only ends like APIXO', 'https://notapixo.ai/api/v1', ELSEWHERE],
		['a local stand-in', 'http://127.0.0.1:8787/api/v1', LOCAL],
		[
			'a stand-in on the private network',
			'http://10.0.0.5/api/v1',
			{ allowLoopbackHttp: false, localApi: true },
		],
	])('%s', (_, baseUrl, expected) => {
		expect(apiReach(baseUrl)).toEqual(expected);
	});
});
