/** Workflow JSON as n8n's import:workflow takes it, built from the node names users save. */

export const CREDENTIAL_ID = 'apixoSimCred0001';

export function apixoCredential(baseUrl: string, apiKey: string) {
	return {
		id: CREDENTIAL_ID,
		name: 'APIXO (simulator)',
		type: 'apixoApi',
		data: { apiKey, baseUrl },
	};
}

const credentials = { apixoApi: { id: CREDENTIAL_ID, name: 'APIXO (simulator)' } };

/** Manual Trigger → Seedance Mini with these parameters. */
export function generateWorkflow(id: string, parameters: Record<string, unknown>) {
	return {
		id,
		name: `Seedance Mini ${id}`,
		active: false,
		settings: {},
		nodes: [
			{
				id: `${id}-start`,
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: `${id}-seedance`,
				name: 'Seedance Mini',
				type: 'n8n-nodes-apixo.seedanceMini',
				typeVersion: 1,
				position: [220, 0],
				parameters,
				credentials,
			},
		],
		connections: { Start: { main: [[{ node: 'Seedance Mini', type: 'main', index: 0 }]] } },
	};
}

/** APIXO Trigger → HTTP Request posting each emitted item to `catcherUrl`. */
export function triggerWorkflow(
	id: string,
	webhookId: string,
	parameters: Record<string, unknown>,
	catcherUrl: string,
) {
	return {
		id,
		name: `APIXO Trigger ${id}`,
		active: false,
		settings: {},
		nodes: [
			{
				id: `${id}-trigger`,
				name: 'APIXO Trigger',
				type: 'n8n-nodes-apixo.apixoTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId,
				parameters,
			},
			{
				id: `${id}-catch`,
				name: 'Report',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [220, 0],
				parameters: {
					method: 'POST',
					url: catcherUrl,
					sendBody: true,
					specifyBody: 'json',
					jsonBody: '={{ JSON.stringify($json) }}',
					options: {},
				},
			},
		],
		connections: { 'APIXO Trigger': { main: [[{ node: 'Report', type: 'main', index: 0 }]] } },
	};
}
