/**
 * n8n's REST API on an instance, as its owner: the owner account is set up and logged in on the
 * first call, and the auth cookie is kept for the following ones.
 */

export type Rest = (
	method: string,
	route: string,
	body?: unknown,
) => Promise<{ status: number; json: any }>;

export function ownerRest(port: number): Rest {
	let cookie: string | undefined;
	const owner = { email: 'owner@example.com', password: 'Apixo-e2e-Passw0rd' };
	const call: Rest = async (method, route, body) => {
		const response = await fetch(`http://127.0.0.1:${port}${route}`, {
			method,
			headers: {
				'content-type': 'application/json',
				// n8n ties the auth cookie to the browser id it was issued for.
				'browser-id': 'apixo-e2e',
				...(cookie ? { cookie } : {}),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const setCookie = response.headers.get('set-cookie');
		if (setCookie?.startsWith('n8n-auth=')) cookie = setCookie.split(';')[0];
		const text = await response.text();
		let json: any;
		try {
			json = JSON.parse(text);
		} catch {
			json = text;
		}
		return { status: response.status, json };
	};
	return async (method, route, body) => {
		if (!cookie) {
			await call('POST', '/rest/owner/setup', { ...owner, firstName: 'E2E', lastName: 'Owner' });
			const login = await call('POST', '/rest/login', {
				emailOrLdapLoginId: owner.email,
				password: owner.password,
			});
			if (login.status !== 200) throw new Error(`n8n login failed: ${JSON.stringify(login.json)}`);
		}
		return await call(method, route, body);
	};
}
