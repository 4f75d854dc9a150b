/**
 * The APIXO Seedance 2.0 Mini contract, written once from APIXO's API page
 * (https://apixo.ai/docs/models/seedance-2-0-mini). Pure zod + numbers: the nodes and the tests
 * import it, so the package's reading of the API lives here and nowhere else. The test simulator
 * keeps its own, independent reading; one table of cases runs against both. Imports nothing
 * from n8n.
 */
export * from './billing';
export * from './constants';
export * from './messages';
export * from './responses';
export * from './submit';
