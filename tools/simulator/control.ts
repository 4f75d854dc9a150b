/**
 * The control routes, `/__sim/*` on the API host: the Simulator object's methods over HTTP, for
 * a caller in another process (e.g. one driving `npm run simulator`) — inject faults, plan
 * tasks, read the logs, reset, deliver a callback again.
 */
import { apiError, respond } from './answers';
import type { Exchange, SimContext } from './context';

export function control(ctx: SimContext, exchange: Exchange, path: string): void {
	const { sim } = ctx;
	const body = exchange.record.body as never;
	const ok = (data: unknown = true) => respond(exchange, 200, { ok: true, data });
	if (path === '/__sim/faults' && exchange.record.method === 'POST') return ok(sim.inject(body));
	if (path === '/__sim/plans' && exchange.record.method === 'POST') {
		return ok(sim.planNextTasks(...(Array.isArray(body) ? body : [body])));
	}
	if (path === '/__sim/requests') return ok(ctx.requests.filter((r) => r.endpoint !== 'control'));
	if (path === '/__sim/tasks') {
		return ok([...ctx.tasks.values()].map((t) => ({ ...t, data: ctx.dataOf(t) })));
	}
	if (path === '/__sim/deliveries') return ok(ctx.deliveries);
	if (path === '/__sim/reset' && exchange.record.method === 'POST') return ok(sim.reset());
	const deliver = /^\/__sim\/tasks\/([^/]+)\/deliver$/.exec(path);
	if (deliver && exchange.record.method === 'POST') {
		void sim.deliver(deliver[1]).then((status) => ok({ status }));
		return;
	}
	return apiError(exchange, 404, `No control route ${path}`);
}
