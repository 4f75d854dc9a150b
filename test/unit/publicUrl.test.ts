/**
 * Which reference URLs name a public host: APIXO fetches them from the internet, so anything on
 * a private, loopback or link-local network is refused before it is read or sent.
 */
import { nonPublicHost, nonPublicUrlIssues } from '../../nodes/apixo/publicUrl';

it.each([
	['http://localhost/a.mp4', 'localhost is this machine'],
	['http://LOCALHOST./a.mp4', 'localhost is this machine'],
	['https://media.localhost:8080/a.mp4', 'media.localhost is this machine'],
	['http://0.0.0.0/a.mp4', '0.0.0.0 is a "this network" address'],
	['http://10.0.0.5/a.mp4', '10.0.0.5 is a private address'],
	['http://100.64.0.1/a.mp4', '100.64.0.1 is a shared (carrier-grade NAT) address'],
	['http://100.127.255.255/a.mp4', '100.127.255.255 is a shared (carrier-grade NAT) address'],
	['http://127.0.0.1:5678/a.mp4', '127.0.0.1 is a loopback address'],
	['http://127.255.0.9/a.mp4', '127.255.0.9 is a loopback address'],
	[
		'http://169.254.169.254/latest/meta-data/',
		'169.254.169.254 is a link-local address (cloud metadata lives there)',
	],
	['http://172.16.0.1/a.mp4', '172.16.0.1 is a private address'],
	['http://172.31.255.255/a.mp4', '172.31.255.255 is a private address'],
	['http://192.168.1.20/a.mp4', '192.168.1.20 is a private address'],
	['http://224.0.0.1/a.mp4', '224.0.0.1 is a multicast address'],
	['http://240.0.0.1/a.mp4', '240.0.0.1 is a reserved address'],
	['http://255.255.255.255/a.mp4', '255.255.255.255 is a reserved address'],
	// Numeric forms the URL parser turns into dotted quads.
	['http://2130706433/a.mp4', '127.0.0.1 is a loopback address'],
	['http://0x7f.1/a.mp4', '127.0.0.1 is a loopback address'],
	['http://0177.0.0.1/a.mp4', '127.0.0.1 is a loopback address'],
	[
		'http://0xa9fea9fe/a.mp4',
		'169.254.169.254 is a link-local address (cloud metadata lives there)',
	],
	['http://[::]/a.mp4', ':: is an unspecified address'],
	['http://[::1]:8080/a.mp4', '::1 is a loopback address'],
	['http://[0:0:0:0:0:0:0:1]/a.mp4', '::1 is a loopback address'],
	['http://[fc00::1]/a.mp4', 'fc00::1 is a private (unique local) address'],
	['http://[fd12:3456::1]/a.mp4', 'fd12:3456::1 is a private (unique local) address'],
	['http://[fe80::1]/a.mp4', 'fe80::1 is a link-local address'],
	['http://[febf::1]/a.mp4', 'febf::1 is a link-local address'],
	['http://[ff02::1]/a.mp4', 'ff02::1 is a multicast address'],
	// IPv4-mapped, IPv4-compatible and NAT64 forms reach the IPv4 address inside.
	['http://[::ffff:127.0.0.1]/a.mp4', '::ffff:7f00:1 is IPv4 127.0.0.1, a loopback address'],
	['http://[::ffff:a00:5]/a.mp4', '::ffff:a00:5 is IPv4 10.0.0.5, a private address'],
	[
		'http://[::ffff:169.254.169.254]/',
		'::ffff:a9fe:a9fe is IPv4 169.254.169.254, a link-local address (cloud metadata lives there)',
	],
	['http://[::10.0.0.5]/a.mp4', '::a00:5 is IPv4 10.0.0.5, a private address'],
	// Zeros up to the last group but not ::1: IPv4-compatible 0.0.0.5, not loopback.
	['http://[::5]/a.mp4', '::5 is IPv4 0.0.0.5, a "this network" address'],
	['http://[64:ff9b::192.168.0.1]/a.mp4', '64:ff9b::c0a8:1 is IPv4 192.168.0.1, a private address'],
])('%s is not public: %s', (url, why) => {
	expect(nonPublicHost(url)).toBe(why);
});

it.each([
	'https://cdn.example.com/a.mp4',
	'http://8.8.8.8/a.mp4',
	'http://100.63.255.255/a.mp4',
	'http://100.128.0.1/a.mp4',
	'http://172.15.255.255/a.mp4',
	'http://172.32.0.1/a.mp4',
	'http://169.253.255.255/a.mp4',
	'http://192.169.0.1/a.mp4',
	'http://223.255.255.255/a.mp4',
	'http://11.0.0.1/a.mp4',
	'http://[2001:db8::1]/a.mp4',
	'http://[2606:4700::1111]/a.mp4',
	// Eight groups, no "::" to expand.
	'http://[2001:db8:1:2:3:4:5:6]/a.mp4',
	'http://[::ffff:8.8.8.8]/a.mp4',
	'http://[fec0::1]/a.mp4',
	// Last 32 bits that read as 10.0.0.1, outside the mapped, compatible and NAT64 prefixes.
	'http://[::1:a00:1]/a.mp4',
	'http://[64:1::a00:1]/a.mp4',
	'http://[65:ff9b::a00:1]/a.mp4',
	'http://[64:ff9b:1::a00:1]/a.mp4',
	'http://[2606:4700::a00:1]/a.mp4',
	'http://1.2.3.com/a.mp4',
	'http://localhost.example.com/a.mp4',
	'http://mylocalhost/a.mp4',
	'not a url',
])('%s is public (or not a URL, left to the contract)', (url) => {
	expect(nonPublicHost(url)).toBeUndefined();
});

it('names each non-public reference URL at its API path', () => {
	expect(
		nonPublicUrlIssues({
			image_urls: ['https://cdn.example.com/a.png', 'http://[::1]/b.png'],
			video_urls: ['https://cdn.example.com/a.mp4', 'http://10.0.0.5/b.mp4'],
			audio_urls: ['http://169.254.169.254/x.mp3'],
		}),
	).toEqual([
		{ path: 'input.image_urls.1', message: 'must be a public URL: ::1 is a loopback address' },
		{ path: 'input.video_urls.1', message: 'must be a public URL: 10.0.0.5 is a private address' },
		{
			path: 'input.audio_urls.0',
			message:
				'must be a public URL: 169.254.169.254 is a link-local address (cloud metadata lives there)',
		},
	]);
	expect(nonPublicUrlIssues({ video_urls: ['https://cdn.example.com/a.mp4'] })).toEqual([]);
});
