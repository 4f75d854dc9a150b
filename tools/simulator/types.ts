/** The simulator's public shapes: options, task plans, faults and the request log. */
import type { SimSubmitBody } from './validation';

export type { SimInput, SimSubmitBody } from './validation';

/** The `data` of a status answer and of a callback, as the API page shows it. */
export interface TaskData {
	taskId: string;
	/** pending, processing, success or failed — or what a plan's runningStates/stateCase say. */
	state: string;
	resultJson?: string;
	failCode?: string;
	failMsg?: string;
	createTime: number;
	completeTime?: number;
	costTime?: number;
}

export type Endpoint = 'submit' | 'status' | 'balance' | 'file' | 'control' | 'unknown';

export interface SimulatorOptions {
	port?: number;
	/** Keys accepted as `Authorization: Bearer <key>`. */
	apiKeys?: string[];
	balanceUsd?: number;
	/** A task is pending for pendingMs, then processing for processingMs, then final. */
	timing?: { pendingMs: number; processingMs: number };
	/** Size of each result MP4 served by the file host. */
	resultBytes?: number;
	/** Callback delivery: per-attempt timeout and the delays before the (up to 3) retries. */
	callback?: { timeoutMs?: number; retryDelaysMs?: number[] };
	/** The balance endpoint's answer to a key it does not know (the system page allows 403). */
	wrongKeyStatus?: 401 | 403;
	/** The account's concurrency limit (the page: "vary by account"); see Simulator.taskLimit. */
	taskLimit?: TaskLimit;
	/** One line per request (the CLI prints them); never given headers. */
	log?: (line: string) => void;
}

/**
 * At most `tasks` unfinished tasks at once: a submit beyond that is answered 429 (creating
 * nothing), with `Retry-After: retryAfterSeconds` when set.
 */
export interface TaskLimit {
	tasks: number;
	retryAfterSeconds?: number;
}

/** How a task ends. */
export interface TaskPlan {
	outcome?: 'success' | 'failed' | 'stuck';
	failCode?: string;
	failMsg?: string;
	pendingMs?: number;
	processingMs?: number;
	/** Raw resultJson override, e.g. 'not json'. */
	resultJson?: string;
	resultUrlCount?: number;
	/** Size of this task's result file (default: the simulator's resultBytes). */
	resultBytes?: number;
	/**
	 * In-progress states to answer instead of pending/processing, e.g. ['pending', 'processing_r2']
	 * (a public client sees `processing_r2`): the first while pendingMs runs, the second after
	 * (pending/processing where one is not given).
	 */
	runningStates?: string[];
	/** 'upper': answer states in upper case (SUCCESS), as clients that lower-case them allow. */
	stateCase?: 'upper';
	/** A final task without costTime (the page: "when timing data is available"). */
	omitCostTime?: boolean;
}

export interface Fault {
	endpoint: 'submit' | 'status' | 'balance' | 'file' | 'any';
	/** Status faults only: match this task. */
	taskId?: string;
	/** How many matching requests it hits (default 1; Infinity allowed). */
	times?: number;
	kind: 'http' | 'reset' | 'hang' | 'malformedJson' | 'wrongShape' | 'delay';
	status?: number;
	/** The envelope's `message` (default: the status's usual words). */
	message?: string;
	/**
	 * The envelope's `data` (default `{ error: <detail> }`, as APIXO's error page shows), e.g.
	 * `{ error: '...', provider_error_id: 'prov-123' }`; `null` answers `{code, message}` alone,
	 * the optional-body shape facts.md describes.
	 */
	data?: unknown;
	/** A body that is not the JSON envelope (e.g. a proxy's HTML 502 page), sent as is. */
	rawBody?: string;
	/** Content-Type of rawBody (default text/html when it starts with '<', else text/plain). */
	contentType?: string;
	retryAfterSeconds?: number;
	/** Seconds from now, sent as an HTTP-date Retry-After. */
	retryAfterDate?: number;
	delayMs?: number;
	/** Submit faults (not delay): create the task before failing ("500 after the task was made"). */
	createTask?: boolean;
}

export interface RecordedRequest {
	seq: number;
	endpoint: Endpoint;
	method: string;
	path: string;
	query: Record<string, string>;
	/** Lower-cased header names, as received. */
	headers: Record<string, string | string[] | undefined>;
	body?: unknown;
	taskId?: string;
	receivedAt: number;
	respondedAt?: number;
	status?: number;
	responseHeaders?: Record<string, string>;
	responseBody?: unknown;
}

export interface SimTask {
	taskId: string;
	model: string;
	/** The normalized body (defaults filled in, ignored fields dropped). */
	body: SimSubmitBody;
	createdAt: number;
	plan: TaskPlan;
}

export interface CallbackDelivery {
	taskId: string;
	attempt: number;
	url: string;
	status?: number;
	error?: string;
	at: number;
}

export interface Simulator {
	/** `http://127.0.0.1:<port>/api/v1` */
	baseUrl: string;
	origin: string;
	/** The result-file host: another port, so result URLs really are another host. */
	fileOrigin: string;
	apiKey: string;
	requests: RecordedRequest[];
	tasks: Map<string, SimTask>;
	deliveries: CallbackDelivery[];
	balanceUsd: number;
	/** The account's concurrency limit, changeable between runs (undefined: none). */
	taskLimit?: TaskLimit;
	now(): number;
	/** Requests to an endpoint (all but control when none is given). */
	count(endpoint?: Endpoint): number;
	inject(fault: Fault): void;
	planNextTasks(...plans: TaskPlan[]): void;
	setTaskPlan(taskId: string, plan: TaskPlan): void;
	taskData(taskId: string): TaskData | undefined;
	/** One more delivery of a final task's callback; resolves to the receiver's status. */
	deliver(taskId: string): Promise<number | undefined>;
	reset(): void;
	close(): Promise<void>;
}
