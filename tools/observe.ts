/**
 * What the tools (simulator, n8n host) hand out or see that a test may want to check: secrets
 * they were given, text a user or operator could read (n8n's logs), requests that reached a
 * host other than APIXO's API. The tools report here; test/harness/sweep.ts subscribes (scripts
 * don't, and then reports go nowhere).
 */
export interface OtherHostRequest {
	url: string;
	authorization?: string | string[];
}

export interface Observer {
	secret(...values: Array<string | undefined>): void;
	text(source: string, value: unknown): void;
	otherHost(request: OtherHostRequest): void;
}

const observers: Observer[] = [];

export function observe(observer: Observer): void {
	if (!observers.includes(observer)) observers.push(observer);
}

export const report: Observer = {
	secret: (...values) => observers.forEach((o) => o.secret(...values)),
	text: (source, value) => observers.forEach((o) => o.text(source, value)),
	otherHost: (request) => observers.forEach((o) => o.otherHost(request)),
};
