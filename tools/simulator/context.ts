/**
 * The state one running simulator shares between its modules (server, api, faults, control,
 * callbacks): its settings, its logs, what is pending (faults, plans, timers) and the request
 * being answered. One object, so that a module sees what another changed (reset, close).
 */
import type http from 'node:http';

import type { Timing } from './tasks';
import type {
	CallbackDelivery,
	Fault,
	RecordedRequest,
	SimTask,
	Simulator,
	TaskData,
	TaskPlan,
} from './types';

export const API_PREFIX = '/api/v1';

export interface SimContext {
	readonly sim: Simulator;
	readonly apiKeys: string[];
	/** The balance endpoint's answer to a key it does not know. */
	readonly wrongKeyStatus: number;
	readonly timing: Timing;
	readonly resultBytes: number;
	readonly callbackTimeoutMs: number;
	readonly retryDelaysMs: number[];
	readonly fileOrigin: string;
	readonly requests: RecordedRequest[];
	readonly tasks: Map<string, SimTask>;
	readonly deliveries: CallbackDelivery[];
	faults: Array<Fault & { left: number }>;
	plans: TaskPlan[];
	readonly timers: Set<NodeJS.Timeout>;
	readonly callbackTimers: Map<string, NodeJS.Timeout>;
	/** Callback requests in flight, destroyed by close(). */
	readonly outbound: Set<http.ClientRequest>;
	closed: boolean;
	/** Bumped by reset(): deliveries still in flight from before are not recorded. */
	generation: number;
	now(): number;
	/** A timer that close() clears. */
	later(ms: number, fn: () => void): NodeJS.Timeout;
	/** The task's `data` as a status answer shows it now. */
	dataOf(task: SimTask): TaskData;
}

/** One request being answered. */
export interface Exchange {
	record: RecordedRequest;
	/** The body parsed as JSON (any JSON value). */
	isJson: boolean;
	request: http.IncomingMessage;
	response: http.ServerResponse;
}
