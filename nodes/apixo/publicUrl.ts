/**
 * Whether a URL names a public host. APIXO fetches reference media from the internet, so a
 * private, loopback or link-local address can only be a mistake — or a way to make this node
 * probe the network it runs in (cloud metadata at 169.254.169.254). Pure: the hostname comes
 * from `new URL()`, which writes every address in one canonical form — numeric forms such as
 * `http://2130706433/` or `http://0x7f.1/` become `127.0.0.1`, and IPv6 becomes lowercase hex
 * groups with at most one `::` (`[::ffff:127.0.0.1]` becomes `[::ffff:7f00:1]`) — so only that
 * form is read here. Names are not resolved (node code has no DNS).
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

const ipv4Number = (dotted: string) => dotted.split('.').reduce((n, p) => n * 256 + Number(p), 0);

function ipv4Kind(address: number): string | undefined {
	return IPV4_RANGES.find(([first, bits]) => {
		const size = 2 ** (32 - bits);
		return Math.floor(address / size) === ipv4Number(first) / size;
	})?.[2];
}

/** The eight 16-bit groups of a canonical IPv6 address ("fe80::1"). */
function ipv6Groups(text: string): number[] {
	const [head, tail = []] = text.split('::').map((half) => (half ? half.split(':') : []));
	const missing = Array<string>(8 - head.length - tail.length).fill('0');
	return [...head, ...missing, ...tail].map((group) => parseInt(group, 16));
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
		hostname = new URL(url).hostname;
	} catch {
		return undefined; // not a URL: the contract names that problem
	}
	if (hostname.startsWith('[')) {
		const address = hostname.slice(1, -1);
		const kind = ipv6Kind(ipv6Groups(address));
		return kind && `${address} is ${kind}`;
	}
	const host = hostname.replace(/\.$/, ''); // "localhost." is localhost too
	if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is this machine`;
	const kind = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? ipv4Kind(ipv4Number(host)) : undefined;
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
