import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/**
 * The node's one way to make a NodeOperationError, which keeps its message. n8n swaps a message
 * holding ECONNREFUSED, EACCES, EEXIST & co. anywhere, in any case (so a URL on
 * "freeaccess.example" or a "preexisting" file) for a generic text such as "Forbidden by access
 * permissions", even one given as an option: the field, the value seen, the task ID and the real
 * reason would be gone from what the user reads.
 */
export function operationError(
	node: INode,
	error: string | Error,
	options: ConstructorParameters<typeof NodeOperationError>[2] = {},
): NodeOperationError {
	const wrapped = new NodeOperationError(node, error, options);
	wrapped.message = typeof error === 'string' ? error : error.message;
	return wrapped;
}
