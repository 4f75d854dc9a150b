/**
 * What the editor shows and saved workflows depend on: every parameter's name, type, default,
 * options and display conditions, and the texts that explain them, for both nodes and the
 * credential. A change to any of them shows up here as a snapshot diff to review (and, for a
 * name or a default, to treat as a breaking change for saved workflows).
 */
import { ApixoApi } from '../../credentials/ApixoApi.credentials';
import { ApixoTrigger } from '../../nodes/ApixoTrigger/ApixoTrigger.node';
import { SeedanceMini } from '../../nodes/SeedanceMini/SeedanceMini.node';

it.each([
	['Seedance Mini', new SeedanceMini().description],
	['APIXO Trigger', new ApixoTrigger().description],
	['APIXO API credential', new ApixoApi()],
])('%s: description', (_name, description) => {
	expect(description).toMatchSnapshot();
});
