/**
 * Whether a URL names a public host. APIXO fetches reference media from the internet, so a
 * private, loopback or link-local address can only be a mistake — or a way to make this node
 * probe the network it runs in (cloud metadata at 169.254.169.254). Pure: the hostname comes
 * from `new URL()`, which already turns numeric forms such as `http://2130706433/` or
 * `http://0x7f.1/` into `127.0.0.1`. Names are not resolved (node code has no DNS).
 */
import type { ContractIssue } from './contract';

/** [first address, prefix length, what it is]. */
const IPV4_RANGES: Array<[string, number, string]> = [
	['0.0.0.0', 8, 'a "this network" address'],
	['10.0.0.0', 8, 'a private address'],
	['100.64.0.0', 10, 'a shared (carrier-grade NAT) address'],
	['127.0.0.0', 8, 'a loopback address'],
	['169.254.0.0', 16, 'a link-local address (cloud metadata lives there)'],
	['172.16.0.0', 12, 'a private address'],
	['192.168.0.0', 16, 'a private address'],
	['224.0.0.0', 4, 'a multicast address'],
	['240.0.0.0', 4, 'a reserved address'],
];

function ipv4Number(text: string): number | undefined {
	const parts = text.split('.');
	if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) < 256))
		return undefined;
	return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function ipv4Kind(address: number): string | undefined {
	return IPV4_RANGES.find(([first, bits]) => {
		const size = 2 ** (32 - bits);
		return Math.floor(address / size) === ipv4Number(first)! / size;
	})?.[2];
}

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail allowed), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
	const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (dotted) {
		const v4 = ipv4Number(dotted[2]);
		if (v4 === undefined) return undefined;
		text = `${dotted[1]}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
	}
	const halves = text.split('::');
	if (halves.length > 2) return undefined;
	const parse = (half: string) => (half ? half.split(':') : []);
	const head = parse(halves[0]);
	const tail = halves.length === 2 ? parse(halves[1]) : [];
	const missing = 8 - head.length - tail.length;
	if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
	const groups = [...head, ...Array<string>(missing).fill('0'), ...tail];
	if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
	return groups.map((g) => parseInt(g, 16));
}

function ipv6Kind(groups: number[]): string | undefined {
	const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
	const embedded = () => {
		const kind = ipv4Kind(groups[6] * 65536 + groups[7]);
		const v4 = [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
		return kind && `IPv4 ${v4}, ${kind}`;
	};
	if (zeros(0, 8)) return 'an unspecified address';
	if (zeros(0, 7) && groups[7] === 1) return 'a loopback address';
	if ((groups[0] & 0xfe00) === 0xfc00) return 'a private (unique local) address';
	if ((groups[0] & 0xffc0) === 0xfe80) return 'a link-local address';
	if ((groups[0] & 0xff00) === 0xff00) return 'a multicast address';
	// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
	// addresses reach the IPv4 address in their last 32 bits.
	if (zeros(0, 5) && (groups[5] === 0xffff || groups[5] === 0)) return embedded();
	if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return embedded();
	return undefined;
}

/** Why `url`'s host is not public ("10.0.0.5 is a private address"), or undefined if it is. */
export function nonPublicHost(url: string): string | undefined {
	let hostname: string;
	try {
		hostname = new URL(url).hostname.toLowerCase();
	} catch {
		return undefined; // not a URL: the contract names that problem
	}
	const host = hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
	if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is this machine`;
	const v4 = ipv4Number(host);
	const v6 = v4 === undefined && host.includes(':') ? ipv6Groups(host) : undefined;
	const kind = v4 !== undefined ? ipv4Kind(v4) : v6 && ipv6Kind(v6);
	return kind && `${host} is ${kind}`;
}

/** Media URL lists of a submit input, by API field. */
type MediaInput = Partial<Record<'image_urls' | 'video_urls' | 'audio_urls', string[]>>;

/** One issue per reference URL whose host is not public, at its API path. */
export function nonPublicUrlIssues(input: MediaInput): ContractIssue[] {
	return (['image_urls', 'video_urls', 'audio_urls'] as const).flatMap((key) =>
		(input[key] ?? []).flatMap((url, index) => {
			const why = nonPublicHost(url);
			return why
				? [{ path: `input.${key}.${index}`, message: `must be a public URL: ${why}` }]
				: [];
		}),
	);
}
