/** The Seedance Mini node as n8n hands it to helpers (getNode()), for unit tests without n8n. */
import type { INode } from 'n8n-workflow';

export const SEEDANCE_NODE: INode = {
	id: '1',
	name: 'Seedance Mini',
	type: 'n8n-nodes-apixo.seedanceMini',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};
