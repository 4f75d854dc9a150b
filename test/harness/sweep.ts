/**
 * The secrets sweep: everything the tests produce — every log line n8n's logger receives, every
 * output item, every error (message, description, context), every webhook answer — is collected
 * here, with every secret the tests handed out (API keys, trigger tokens) and every request that
 * reached a host other than APIXO's API. test/setup/sweep.ts asserts over it after each file.
 */
import { observe, type OtherHostRequest } from '../../tools/observe';

const state = {
	secrets: new Set<string>(),
	texts: [] as Array<{ source: string; text: string }>,
	otherHosts: [] as OtherHostRequest[],
};

/** A value the tests treat as secret: it must never show up in anything collected. */
export function addSecret(...values: Array<string | undefined>): void {
	for (const value of values) if (value && value.length >= 8) state.secrets.add(value);
}

/** Collect something a user or an operator could see (output, error, log line, response). */
export function collect(source: string, value: unknown): void {
	let text: string;
	if (typeof value === 'string') text = value;
	else if (value instanceof Error) {
		const { message, stack: _stack, ...rest } = value as Error & Record<string, unknown>;
		// The error's own fields (description, context, httpCode...) without circular node refs.
		text = `${message} ${safeJson(rest)}`;
	} else text = safeJson(value);
	state.texts.push({ source, text });
}

/** The log lines collected so far (n8n's logger, every level), for tests that check a log. */
export function loggedLines(): string[] {
	return state.texts.filter((t) => t.source.startsWith('log.')).map((t) => t.text);
}

/** A request that reached a non-APIXO host (result files, reference media, callbacks). */
export function collectOtherHost(request: OtherHostRequest): void {
	state.otherHosts.push(request);
}

function safeJson(value: unknown): string {
	const seen = new WeakSet<object>();
	try {
		return (
			JSON.stringify(value, (_key, v: unknown) => {
				if (typeof v === 'bigint') return String(v);
				if (v && typeof v === 'object') {
					if (seen.has(v)) return '[circular]';
					seen.add(v);
				}
				return v;
			}) ?? String(value)
		);
	} catch {
		return String(value);
	}
}

export interface SweepReport {
	secrets: number;
	texts: number;
	otherHostRequests: number;
	leaks: string[];
}

/** What leaked, if anything; then starts over (one report per test file). */
export function sweep(): SweepReport {
	const leaks: string[] = [];
	for (const { source, text } of state.texts) {
		for (const secret of state.secrets) {
			if (text.includes(secret)) leaks.push(`${source}: ${text.slice(0, 300)}`);
		}
	}
	for (const request of state.otherHosts) {
		if (request.authorization !== undefined)
			leaks.push(`Authorization sent to a non-APIXO host: ${request.url}`);
	}
	const report = {
		secrets: state.secrets.size,
		texts: state.texts.length,
		otherHostRequests: state.otherHosts.length,
		leaks,
	};
	state.texts = [];
	state.otherHosts = [];
	return report;
}

// The tools (simulator, n8n host) report the keys they were given, n8n's logs and requests to
// other hosts: every test file that loads the sweep sees them.
observe({ secret: addSecret, text: collect, otherHost: collectOtherHost });
