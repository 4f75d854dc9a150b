import type { INode } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/**
 * A NodeOperationError that keeps its message. n8n swaps a message that names ECONNREFUSED,
 * ETIMEDOUT & co. for a generic "perhaps it is offline" (even one given as an option), which
 * would drop the task ID and the real reason from what the user reads.
 */
export function operationError(
	node: INode,
	message: string,
	options: ConstructorParameters<typeof NodeOperationError>[2],
): NodeOperationError {
	const error = new NodeOperationError(node, message, options);
	error.message = message;
	return error;
}
