import { NodeOperationError } from 'n8n-workflow';

import { operationError } from '../../nodes/SeedanceMini/helpers/operationError';
import { SEEDANCE_NODE as NODE } from '../harness/node';

// Each text holds, in some case, a word n8n's errors read as an errno and swap for a generic text.
const MISREAD = [
	['ECONNREFUSED', 'Task t1 failed: connect ECONNREFUSED 10.0.0.1:443'],
	['EACCES', 'Invalid callbackUrl: must be https (got "http://freeaccess.example.com/hook")'],
	['EEXIST', 'Invalid firstFrameUrl: must be an http(s) URL (got "preexisting.png")'],
	['EPERM', 'Pause mode needs a public https address for n8n, not ftp://keeperm.example'],
];

describe('operationError', () => {
	it.each(MISREAD)('a text holding %s is kept word for word', (_word, text) => {
		// The plain NodeOperationError is what the node used before: it loses the text.
		expect(new NodeOperationError(NODE, text, { message: text }).message).not.toBe(text);
		const error = operationError(NODE, text, { itemIndex: 3, description: 'What to do' });
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe(text);
		expect(error.description).toBe('What to do');
		expect(error.context.itemIndex).toBe(3);
		expect(error.node).toBe(NODE);
	});

	it('wraps an Error of another kind, keeping its message', () => {
		const cause = new TypeError('read EACCES on preexisting.png');
		const error = operationError(NODE, cause, { itemIndex: 1 });
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('read EACCES on preexisting.png');
		expect(error.context.itemIndex).toBe(1);
	});

	it('gives back a NodeOperationError as it is', () => {
		const original = operationError(NODE, 'Invalid duration', { itemIndex: 0 });
		expect(operationError(NODE, original, { itemIndex: 5 })).toBe(original);
		expect(original.context.itemIndex).toBe(0);
	});

	it('takes no options', () => {
		const error = operationError(NODE, 'The operation "x" is not supported');
		expect(error.message).toBe('The operation "x" is not supported');
		expect(error.description).toBeUndefined();
	});
});
