/**
 * What /proc (Linux) tells about processes: a process's parent, group and start time, who
 * launched us, and the whole tree a process started — found even when a descendant left the
 * group, and signalled without ever hitting a reused pid.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface Proc {
	pid: number;
	ppid: number;
	pgid: number;
	start: string;
	dead: boolean;
}

/** One line of /proc/<pid>/stat; undefined when the process is gone (or there is no /proc). */
export function stat(pid: number): Proc | undefined {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name may hold spaces and parentheses: the fields start after the last ')'.
		const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
		return {
			pid,
			ppid: Number(f[1]),
			pgid: Number(f[2]),
			start: f[19],
			dead: f[0] === 'Z' || f[0] === 'X',
		};
	} catch {
		return undefined;
	}
}

function allProcs(): Proc[] {
	let names: string[];
	try {
		names = readdirSync('/proc');
	} catch {
		return [];
	}
	return names.flatMap((name) => (/^\d+$/.test(name) ? (stat(Number(name)) ?? []) : []));
}

/**
 * A process, its group and every descendant seen (even one that left the group, or whose parent
 * died and left it to init), each remembered with its start time so that a reused pid is never hit.
 */
export class Tree {
	private readonly members = new Map<number, string>();

	constructor(private readonly root: number) {
		const p = stat(root);
		if (p) this.members.set(root, p.start);
	}

	private scan() {
		const procs = allProcs();
		const byParent = new Map<number, Proc[]>();
		for (const p of procs) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
		const queue = procs.filter((p) => p.pgid === this.root || this.members.get(p.pid) === p.start);
		const visited = new Set<number>();
		for (let p = queue.pop(); p; p = queue.pop()) {
			if (visited.has(p.pid)) continue;
			visited.add(p.pid);
			this.members.set(p.pid, p.start);
			queue.push(...(byParent.get(p.pid) ?? []));
		}
	}

	private live(): number[] {
		return [...this.members]
			.filter(([pid, start]) => {
				const p = stat(pid);
				return p !== undefined && p.start === start && !p.dead;
			})
			.map(([pid]) => pid);
	}

	alive(): boolean {
		this.scan();
		if (this.members.size) return this.live().length > 0;
		try {
			// No /proc: the group is all we know.
			process.kill(-this.root, 0);
			return true;
		} catch {
			return false;
		}
	}

	signal(signal: NodeJS.Signals) {
		this.scan();
		for (const target of [-this.root, ...this.live()]) {
			try {
				process.kill(target, signal);
			} catch {
				// gone already
			}
		}
	}
}

/** The parent, and the one behind it when the parent is a shell. */
export function launchedBy(parent: number) {
	const chain: Array<{ pid: number; start: string }> = [];
	for (let pid = parent, p = stat(pid); p; pid = p.ppid, p = stat(pid)) {
		chain.push({ pid, start: p.start });
		if (chain.length === 2 || !/^(sh|dash|bash)$/.test(comm(pid))) break;
	}
	return chain;
}

function comm(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
	} catch {
		return '';
	}
}
