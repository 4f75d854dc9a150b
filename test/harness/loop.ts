/**
 * A node's execute() running the operation several times as n8n's loops do (Loop Over Items, a
 * connection back into the node): each run has its own run index, which is what tells a new run
 * from a Retry On Fail try of the same one.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

/** Returns `next(runIndex)`: from then on the node's context says it is in that run. */
export function loopRuns(ctx: IExecuteFunctions): (runIndex: number) => void {
	let current = 0;
	const original = ctx.getWorkflowDataProxy.bind(ctx);
	ctx.getWorkflowDataProxy = (itemIndex) =>
		new Proxy(original(itemIndex), {
			get: (target, key) => (key === '$thisRunIndex' ? current : Reflect.get(target, key)),
		});
	return (runIndex) => {
		current = runIndex;
	};
}
