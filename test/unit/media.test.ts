/**
 * Durations read from the headers of real files (made with ffmpeg, see tools/simulator/media),
 * through a range reader that counts what it hands out: a few KiB, never the whole file when
 * the file is larger than the first read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { MEDIA_DIR } from '../../tools/simulator/files';

import { fmt, id3, mp3, syncsafe, wav } from '../harness/audio';

import {
	ALL_ONES_32,
	ALL_ONES_64,
	box,
	fragmentedMp4,
	fullBox,
	fragments,
	ftyp,
	mehd,
	mvhd,
	trak,
	trex,
} from '../harness/mp4';
import {
	HEAD_BYTES,
	MediaHeaderError,
	readMediaDuration,
	type RangeReader,
} from '../../nodes/apixo/mediaDuration';

const MEDIA = MEDIA_DIR;

function reader(file: Buffer, withSize = true) {
	const stats = { reads: 0, bytes: 0, ranges: [] as Array<[number, number]> };
	const read: RangeReader = async (start, end) => {
		const bytes = file.subarray(start, end + 1);
		stats.reads++;
		stats.ranges.push([start, end]);
		stats.bytes += bytes.length;
		return { bytes, size: withSize ? file.length : undefined };
	};
	return { read, stats };
}

/** The duration of `file`, read through `reader` (with or without its size). */
const measure = async (file: Buffer, withSize = true) =>
	await readMediaDuration(reader(file, withSize).read);

it.each([
	['video-3s.mp4', 3, 'mp4'],
	['video-8s-moov-at-end.mp4', 8, 'mp4'],
	['video-16s.mp4', 16, 'mp4'],
	['video-5s.mov', 5, 'mov'],
	['audio-4s.m4a', 4, 'm4a'],
	['audio-6s-cbr.mp3', 6.192, 'mp3'],
	['audio-7s-vbr.mp3', 7.2, 'mp3'],
	['audio-16s.mp3', 16.2, 'mp3'],
	['audio-3s.wav', 3, 'wav'],
] as const)('%s lasts %s s (%s)', async (name, seconds, format) => {
	const file = readFileSync(path.join(MEDIA, name));
	const { read, stats } = reader(file);
	const measured = await readMediaDuration(read);
	expect(measured.format).toBe(format);
	// What ffprobe says, to the millisecond: a misplaced first frame (an ID3 tag of ~40 bytes
	// at 8 kb/s is 0.04 s) must not hide in a tolerance.
	expect(measured.seconds).toBe(seconds);
	expect(stats.reads).toBeLessThanOrEqual(3);
});

describe('MP3 with a large ID3 tag (embedded cover art) before the first frame', () => {
	/** `file` with its own ID3v2 tag replaced by one holding an APIC frame of `cover` bytes. */
	function withCover(file: Buffer, cover: number, footer = false): Buffer {
		expect(file.toString('latin1', 0, 3)).toBe('ID3'); // ffmpeg's small tag, no footer
		const ownSize = file.subarray(6, 10).reduce((size, byte) => (size << 7) | (byte & 0x7f), 0);
		const audio = file.subarray(10 + ownSize);
		// JPEG data holds bytes that look like MP3 frame headers (ff fb 90 00: a valid MPEG-1
		// layer III header): a reader that scans the cover instead of skipping it finds a "frame".
		const picture = Buffer.alloc(cover, Buffer.from('fffb9000', 'hex'));
		const body = Buffer.concat([Buffer.from('\0image/jpeg\0\x03\0', 'latin1'), picture]);
		const frame = Buffer.concat([
			Buffer.from('APIC'),
			syncsafe(body.length),
			Buffer.alloc(2),
			body,
		]);
		const header = (id: string) =>
			Buffer.concat([
				Buffer.from(`${id}\x04\x00${footer ? '\x10' : '\x00'}`, 'latin1'),
				syncsafe(frame.length),
			]);
		return Buffer.concat([header('ID3'), frame, ...(footer ? [header('3DI')] : []), audio]);
	}

	it.each([
		['audio-6s-cbr.mp3', 6.192, false],
		['audio-7s-vbr.mp3', 7.2, false],
		['audio-6s-cbr.mp3', 6.192, true],
		['audio-16s.mp3', 16.2, true],
	] as const)('%s, %s s, behind a 40 KB cover (footer: %s)', async (name, seconds, footer) => {
		const file = withCover(readFileSync(path.join(MEDIA, name)), 40_000, footer);
		const { read, stats } = reader(file);
		expect(await readMediaDuration(read)).toEqual({ seconds, format: 'mp3' });
		// The head, then one read at the first frame: the cover is skipped, not downloaded.
		expect(stats.reads).toBe(2);
		expect(stats.bytes).toBeLessThan(HEAD_BYTES + 8192);
	});
});

it('finds a moov box after the mdat with small reads, not by reading the file', async () => {
	const file = readFileSync(path.join(MEDIA, 'video-8s-moov-at-end.mp4'));
	expect(file.length).toBeGreaterThan(HEAD_BYTES);
	const { read, stats } = reader(file);
	expect((await readMediaDuration(read)).seconds).toBe(8);
	// The head, then one read at the moov: its box header and the start of its body.
	expect(stats.ranges).toEqual([
		[0, HEAD_BYTES - 1],
		[expect.any(Number), expect.any(Number)],
	]);
	const [moovAt, moovEnd] = stats.ranges[1];
	expect(file.toString('latin1', moovAt + 4, moovAt + 8)).toBe('moov');
	expect(moovEnd - moovAt + 1).toBe(16 + 512);
	// Without a file size the reader walks on past the first read all the same.
	expect(await readMediaDuration(reader(file, false).read)).toEqual({ seconds: 8, format: 'mp4' });
});

it('small files are read in one request', async () => {
	for (const name of ['video-3s.mp4', 'audio-6s-cbr.mp3', 'audio-7s-vbr.mp3', 'audio-3s.wav']) {
		const { read, stats } = reader(readFileSync(path.join(MEDIA, name)));
		await readMediaDuration(read);
		expect(stats.ranges).toEqual([[0, HEAD_BYTES - 1]]);
	}
});

it('a 64-bit box size and an mvhd of version 1 are read too', async () => {
	const box = (type: string, body: Buffer) => {
		const head = Buffer.alloc(16);
		head.writeUInt32BE(1, 0);
		head.write(type, 4, 'latin1');
		head.writeBigUInt64BE(BigInt(16 + body.length), 8);
		return Buffer.concat([head, body]);
	};
	const mvhd = Buffer.alloc(8 + 4 + 8 + 8 + 4 + 8);
	mvhd.writeUInt32BE(mvhd.length, 0);
	mvhd.write('mvhd', 4, 'latin1');
	mvhd[8] = 1;
	mvhd.writeUInt32BE(1000, 28);
	mvhd.writeBigUInt64BE(12_500n, 32);
	const ftyp = Buffer.from('00000010667479706d70343200000000', 'hex');
	const file = Buffer.concat([ftyp, box('mdat', Buffer.alloc(40_000)), box('moov', mvhd)]);
	expect(await readMediaDuration(reader(file).read)).toEqual({ seconds: 12.5, format: 'mp4' });
});

it.each([
	['a text file', Buffer.from('hello, this is not a video at all')],
	['an HTML error page', Buffer.from('<!doctype html><html><body>404</body></html>')],
	['an MP4 without moov', Buffer.from('00000010667479706d70343200000000', 'hex')],
	['a truncated file', Buffer.from('RIFF')],
])('%s is a MediaHeaderError (the API checks it instead)', async (_name, file) => {
	await expect(readMediaDuration(reader(file).read)).rejects.toBeInstanceOf(MediaHeaderError);
});

it('a constant-bitrate MP3 needs the file size', async () => {
	const file = readFileSync(path.join(MEDIA, 'audio-6s-cbr.mp3'));
	await expect(readMediaDuration(reader(file, false).read)).rejects.toThrow(/file size/);
});

describe('fragmented MP4 (duration in mvex/mehd, not mvhd)', () => {
	it.each([
		['mvhd 0, mehd v0', mvhd(0, 1000, 0n), mehd(0, 6000n), 6],
		['mvhd all ones, mehd v0', mvhd(0, 90000, ALL_ONES_32), mehd(0, 675000n), 7.5],
		['mvhd v1 0, mehd v1', mvhd(1, 600, 0n), mehd(1, 2400n), 4],
		['mvhd v1 all ones, mehd v1', mvhd(1, 1000, ALL_ONES_64), mehd(1, 12_345n), 12.345],
	] as const)('%s: the length comes from mehd', async (_name, header, fragmentsHeader, seconds) => {
		const bytes = fragmentedMp4(header, trak, trak, box('mvex', fragmentsHeader, trex, trex));
		expect(await readMediaDuration(reader(bytes).read)).toEqual({ seconds, format: 'mp4' });
	});

	it.each([
		['no mvex', fragmentedMp4(mvhd(0, 1000, 0n), trak)],
		['mvex without mehd', fragmentedMp4(mvhd(0, 1000, ALL_ONES_32), trak, box('mvex', trex))],
		['mehd of 0', fragmentedMp4(mvhd(1, 1000, ALL_ONES_64), trak, box('mvex', mehd(0, 0n), trex))],
		['mehd all ones', fragmentedMp4(mvhd(0, 1000, 0n), box('mvex', mehd(1, ALL_ONES_64)))],
	])('%s: unreadable (left to APIXO), never "0 s"', async (_name, bytes) => {
		await expect(readMediaDuration(reader(bytes).read)).rejects.toThrow(
			new MediaHeaderError(
				'a fragmented MP4 that does not state its total duration (no "mehd" box)',
			),
		);
	});

	it('a moov beyond the first read is walked with a few small reads', async () => {
		const bytes = Buffer.concat([
			ftyp,
			box('free', Buffer.alloc(HEAD_BYTES)),
			box('moov', mvhd(0, 1000, 0n), trak, trak, trak, box('mvex', mehd(0, 9000n), trex)),
			fragments,
		]);
		const { read, stats } = reader(bytes);
		expect(await readMediaDuration(read)).toEqual({ seconds: 9, format: 'mp4' });
		expect(stats.bytes).toBeLessThan(HEAD_BYTES + 4096);
	});
});

describe('MP3 versions and tags (synthetic headers)', () => {
	it.each([
		// frames × samples per frame (1152 for MPEG-1, 576 otherwise) / sample rate
		[
			'MPEG-1 stereo 44.1 kHz, Xing',
			{ version: 'mpeg1', sampleRateIndex: 0, xing: { frames: 100 } },
			2.612,
		],
		[
			'MPEG-1 mono 48 kHz, Info',
			{ version: 'mpeg1', sampleRateIndex: 1, mono: true, xing: { frames: 250, tag: 'Info' } },
			6,
		],
		[
			'MPEG-1 stereo 32 kHz, Xing',
			{ version: 'mpeg1', sampleRateIndex: 2, xing: { frames: 250 } },
			9,
		],
		[
			'MPEG-2 mono 22.05 kHz, Xing',
			{ version: 'mpeg2', sampleRateIndex: 0, mono: true, xing: { frames: 300 } },
			7.837,
		],
		[
			'MPEG-2 stereo 24 kHz, Info',
			{ version: 'mpeg2', sampleRateIndex: 1, xing: { frames: 500, tag: 'Info' } },
			12,
		],
		[
			'MPEG-2 stereo 16 kHz, Xing',
			{ version: 'mpeg2', sampleRateIndex: 2, xing: { frames: 100 } },
			3.6,
		],
		[
			'MPEG-2.5 stereo 11.025 kHz, Xing',
			{ version: 'mpeg2.5', sampleRateIndex: 0, xing: { frames: 100 } },
			5.224,
		],
		[
			'MPEG-2.5 stereo 12 kHz, Xing',
			{ version: 'mpeg2.5', sampleRateIndex: 1, xing: { frames: 100 } },
			4.8,
		],
		['MPEG-1 stereo 44.1 kHz, VBRI', { version: 'mpeg1', sampleRateIndex: 0, vbri: 1000 }, 26.122],
		['MPEG-2 stereo 22.05 kHz, VBRI', { version: 'mpeg2', sampleRateIndex: 0, vbri: 200 }, 5.224],
	] as const)('%s', async (_name, options, seconds) => {
		const file = mp3({ bitrateIndex: 9, size: 4096, ...options });
		expect(await measure(file)).toEqual({ seconds, format: 'mp3' });
	});

	it.each([
		// (size − first frame) × 8 / bitrate
		['MPEG-1 128 kb/s', { version: 'mpeg1', bitrateIndex: 9, size: 160_000 }, 10],
		[
			'MPEG-1 320 kb/s after an ID3 tag of 990 bytes and 10 of padding',
			{
				version: 'mpeg1',
				bitrateIndex: 14,
				size: 400_000,
				before: Buffer.concat([id3(980), Buffer.alloc(10)]),
			},
			9.975,
		],
		['MPEG-1 32 kb/s', { version: 'mpeg1', bitrateIndex: 1, size: 40_000 }, 10],
		['MPEG-2 160 kb/s', { version: 'mpeg2', bitrateIndex: 14, size: 200_000 }, 10],
		['MPEG-2.5 8 kb/s', { version: 'mpeg2.5', bitrateIndex: 1, size: 10_000 }, 10],
		[
			'MPEG-1 a Xing tag without the frames flag',
			{ version: 'mpeg1', bitrateIndex: 9, size: 160_000, xing: { frames: 5, flagged: false } },
			10,
		],
	] as const)('constant bitrate: %s', async (_name, options, seconds) => {
		const file = mp3({ sampleRateIndex: 0, ...options });
		expect(await measure(file)).toEqual({ seconds, format: 'mp3' });
	});

	it.each([
		['bitrate index 15 (reserved)', { bitrateIndex: 15, sampleRateIndex: 0 }],
		['bitrate index 0 (free format)', { bitrateIndex: 0, sampleRateIndex: 0 }],
		['sample rate index 3 (reserved)', { bitrateIndex: 9, sampleRateIndex: 3 }],
	])('%s: the MP3 frame header is not valid', async (_name, options) => {
		for (const version of ['mpeg1', 'mpeg2', 'mpeg2.5'] as const) {
			await expect(measure(mp3({ version, size: 4096, ...options }))).rejects.toThrow(
				new MediaHeaderError('the MP3 frame header is not valid'),
			);
		}
	});

	it('an ID3 tag followed by no frame: no MP3 frame header found', async () => {
		const tag = Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x10', 'latin1'); // 16 bytes of tag
		const file = Buffer.concat([tag, Buffer.alloc(16 + 8000, 0x20)]);
		await expect(measure(file)).rejects.toThrow(new MediaHeaderError('no MP3 frame header found'));
	});

	it('a layer II header is not an MP3 this reader knows', async () => {
		const file = mp3({ version: 'mpeg1', bitrateIndex: 9, sampleRateIndex: 0, size: 4096 });
		file[1] = (file[1] & ~0b110) | 0b100; // layer bits 10: layer II
		await expect(measure(file)).rejects.toThrow(
			new MediaHeaderError('not an MP4, MOV, M4A, MP3 or WAV file'),
		);
	});
});

describe('WAV layouts (synthetic chunks)', () => {
	const data = (bytes: number) => ({ id: 'data', body: Buffer.alloc(bytes) });

	it('chunks of odd length before "fmt " are padded to even (RIFF)', async () => {
		const file = wav([
			{ id: 'LIST', body: Buffer.from('abc') },
			{ id: 'fmt ', body: fmt(8000) },
			data(24_000),
		]);
		expect(await measure(file)).toEqual({ seconds: 3, format: 'wav' });
	});

	it.each([0, 0xffffffff])(
		'a streamed WAV (data size %s) is measured by the file size',
		async (declared) => {
			const file = wav(
				[
					{ id: 'fmt ', body: fmt(8000) },
					{ id: 'data', declared },
				],
				20_000,
			);
			expect(await measure(file)).toEqual({ seconds: 2.5, format: 'wav' });
			await expect(measure(file, false)).rejects.toThrow(
				new MediaHeaderError('the WAV data size is unknown'),
			);
		},
	);

	it('"data" before "fmt ": refused with the reason', async () => {
		const file = wav([data(8000), { id: 'fmt ', body: fmt(8000) }]);
		await expect(measure(file)).rejects.toThrow(
			new MediaHeaderError('the WAV "data" chunk comes before its "fmt " chunk'),
		);
	});

	it('no "data" chunk in the first bytes: refused with the reason', async () => {
		const file = wav([
			{ id: 'fmt ', body: fmt(8000) },
			{ id: 'LIST', body: Buffer.alloc(HEAD_BYTES) },
			data(8000),
		]);
		await expect(measure(file)).rejects.toThrow(
			new MediaHeaderError('no WAV "data" chunk in the first bytes'),
		);
	});

	it('a RIFF file that is not WAVE (an AVI) is not read as one', async () => {
		const file = wav([{ id: 'fmt ', body: fmt(8000) }, data(8000)]);
		file.write('AVI ', 8, 'latin1');
		await expect(measure(file)).rejects.toThrow(
			new MediaHeaderError('not an MP4, MOV, M4A, MP3 or WAV file'),
		);
	});
});

describe('MP4 and MOV structure (synthetic boxes)', () => {
	const moov5s = box('moov', mvhd(0, 1000, 5000n), trak);

	it.each(['moov', 'mdat', 'free', 'wide'])(
		'a QuickTime file starting with "%s" (no ftyp) is a MOV',
		async (first) => {
			const file =
				first === 'moov' ? moov5s : Buffer.concat([box(first, Buffer.alloc(100)), moov5s]);
			expect(await measure(file)).toEqual({ seconds: 5, format: 'mov' });
		},
	);

	it('a moov of size 0 runs to the end of the file', async () => {
		const moov = box('moov', mvhd(0, 600, 1800n));
		moov.writeUInt32BE(0, 0);
		expect(await measure(Buffer.concat([ftyp, moov]))).toEqual({ seconds: 3, format: 'mp4' });
	});

	it('without a file size, a short file ends where its bytes end', async () => {
		expect(await measure(Buffer.concat([ftyp, moov5s]), false)).toEqual({
			seconds: 5,
			format: 'mp4',
		});
		await expect(
			measure(Buffer.concat([ftyp, box('free', Buffer.alloc(50))]), false),
		).rejects.toThrow(new MediaHeaderError('no "moov" box found'));
	});

	it.each([
		[
			'a text file',
			Buffer.from('hello, this is not a video at all'),
			'not an MP4, MOV, M4A, MP3 or WAV file',
		],
		['a truncated file', Buffer.from('RIFF'), 'the file is too short to be a video or audio file'],
		[
			'an MP4 without moov',
			Buffer.concat([ftyp, box('free', Buffer.alloc(10))]),
			'no "moov" box found',
		],
		[
			'a box smaller than its header',
			Buffer.concat([ftyp, Buffer.from('00000004', 'hex'), Buffer.from('junk')]),
			'a "junk" box has an impossible size',
		],
		[
			'an mvhd with timescale 0',
			Buffer.concat([ftyp, box('moov', mvhd(0, 0, 5000n))]),
			'the "mvhd" box has no timescale',
		],
		[
			'a moov without mvhd',
			Buffer.concat([ftyp, box('moov', trak)]),
			'no "mvhd" box at the start of "moov"',
		],
		[
			'an mvhd cut short',
			Buffer.concat([ftyp, box('moov', box('mvhd', Buffer.alloc(12)))]),
			'no "mvhd" box at the start of "moov"',
		],
	])('%s: "%s"', async (_name, file, reason) => {
		await expect(measure(file)).rejects.toThrow(new MediaHeaderError(reason));
	});

	it('at most 8 reads a file: a moov behind many large boxes is left to APIXO', async () => {
		const big = () => box('free', Buffer.alloc(HEAD_BYTES + 100));
		const file = (boxes: number) =>
			Buffer.concat([ftyp, ...Array.from({ length: boxes }, big), moov5s]);
		// The head holds the first big box's header; each further box header costs a read.
		const { read, stats } = reader(file(7));
		expect(await readMediaDuration(read)).toEqual({ seconds: 5, format: 'mp4' });
		expect(stats.reads).toBe(8);
		await expect(measure(file(8))).rejects.toThrow(
			new MediaHeaderError('the header needs more than 8 reads'),
		);
	});
});

describe('edges of the headers (each a bug a mutant showed untested)', () => {
	const refused = async (file: Buffer, reason: string, withSize = true) =>
		await expect(measure(file, withSize)).rejects.toThrow(new MediaHeaderError(reason));
	const NOT_MEDIA = 'not an MP4, MOV, M4A, MP3 or WAV file';

	it('bytes that only half look like an MP3 frame header are not an MP3', async () => {
		await refused(Buffer.from('00fb90000000000000000000000000', 'hex'), NOT_MEDIA);
		await refused(Buffer.from('ff0290000000000000000000000000', 'hex'), NOT_MEDIA);
		await refused(Buffer.from('ff1b90000000000000000000000000', 'hex'), NOT_MEDIA);
	});

	it('an MP3 header of the reserved MPEG version is refused, not a crash', async () => {
		const file = mp3({ version: 'mpeg1', bitrateIndex: 9, sampleRateIndex: 0, size: 4096 });
		file[1] = (file[1] & ~0b11000) | 0b01000; // version bits 01: reserved
		await refused(file, 'the MP3 frame header is not valid');
	});

	it('a 12-byte RIFF/WAVE file is read (and has no data chunk)', async () => {
		await refused(
			Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'),
			'no WAV "data" chunk in the first bytes',
		);
	});

	it('an MP4 whose brand is "WAVE" is still an MP4', async () => {
		const wavish = box('ftyp', Buffer.from('WAVE\0\0\0\0isom', 'latin1'));
		expect(await measure(Buffer.concat([wavish, box('moov', mvhd(0, 1000, 2000n))]))).toEqual({
			seconds: 2,
			format: 'mp4',
		});
	});

	it('a WAV with a chunk after "data" is measured by the data size, not the file size', async () => {
		const file = wav([
			{ id: 'fmt ', body: fmt(8000) },
			{ id: 'data', body: Buffer.alloc(8000) },
			{ id: 'LIST', body: Buffer.alloc(4000) },
		]);
		expect(await measure(file)).toEqual({ seconds: 1, format: 'wav' });
	});

	it.each([
		['a partial box header at the end', Buffer.from('0000', 'hex')],
		['a 64-bit size cut short at the end', Buffer.from('000000016d64617400000000', 'hex')],
	])('%s: no moov (not a crash)', async (_name, tail) => {
		await refused(
			Buffer.concat([ftyp, box('free', Buffer.alloc(20)), tail]),
			'no "moov" box found',
		);
	});

	it('mvhd: version 0 with just its fields is read; a cut version 1 is refused', async () => {
		const v0 = Buffer.alloc(16);
		v0.writeUInt32BE(1000, 8);
		v0.writeUInt32BE(4000, 12);
		const shortest = fullBox('mvhd', 0, v0);
		expect(await measure(Buffer.concat([ftyp, box('moov', shortest)]))).toEqual({
			seconds: 4,
			format: 'mp4',
		});
		const cut = fullBox('mvhd', 1, Buffer.alloc(20));
		await refused(Buffer.concat([ftyp, box('moov', cut)]), 'no "mvhd" box at the start of "moov"');
	});

	it('mvhd after other boxes in moov (an empty one included) is found; a broken size stops', async () => {
		const moov = (...children: Buffer[]) => Buffer.concat([ftyp, box('moov', ...children)]);
		const five = mvhd(0, 1000, 5000n);
		expect(await measure(moov(box('free'), trak, five))).toEqual({ seconds: 5, format: 'mp4' });
		const broken = Buffer.from('00000004free', 'latin1');
		broken.writeUInt32BE(4, 0);
		await refused(moov(broken, five), 'no "mvhd" box at the start of "moov"');
		broken.writeUInt32BE(0, 0);
		await refused(moov(broken, five), 'no "mvhd" box at the start of "moov"');
	});

	it('mehd after trex in mvex; a 32-bit mehd of all ones or a cut 64-bit one is unknown', async () => {
		const unknown = 'a fragmented MP4 that does not state its total duration (no "mehd" box)';
		const file = (...mvex: Buffer[]) =>
			fragmentedMp4(mvhd(0, 1000, 0n), trak, box('mvex', ...mvex));
		expect(await measure(file(trex, mehd(0, 9000n)))).toEqual({ seconds: 9, format: 'mp4' });
		await refused(file(trex, mehd(0, ALL_ONES_32)), unknown);
		await refused(file(trex, fullBox('mehd', 1, Buffer.alloc(2))), unknown);
	});

	it('a mehd cut inside its duration is unknown, not a crash; a whole one ending mvex is read', async () => {
		const unknown = 'a fragmented MP4 that does not state its total duration (no "mehd" box)';
		const file = (...mvex: Buffer[]) =>
			fragmentedMp4(mvhd(0, 1000, 0n), trak, box('mvex', ...mvex));
		await refused(file(trex, fullBox('mehd', 0, Buffer.alloc(2))), unknown);
		await refused(file(trex, fullBox('mehd', 1, Buffer.alloc(4))), unknown);
		expect(await measure(file(trex, mehd(1, 7000n)))).toEqual({ seconds: 7, format: 'mp4' });
	});

	it('without a file size, a short file without moov is read once, not past its end', async () => {
		const { read, stats } = reader(Buffer.concat([ftyp, box('free', Buffer.alloc(50))]), false);
		await expect(readMediaDuration(read)).rejects.toThrow(
			new MediaHeaderError('no "moov" box found'),
		);
		expect(stats.reads).toBe(1);
	});

	/** The 4 bytes of an MPEG-1 layer III, 32 kbit/s, 44.1 kHz frame header. */
	const HEADER = mp3({ version: 'mpeg1', bitrateIndex: 1, sampleRateIndex: 0, size: 4 }).subarray(
		0,
		4,
	);

	it('an MP3 frame header that ends the file is read; a sync word in its last 2 bytes is none', async () => {
		// 4 bytes at 32 kbit/s: 1 ms.
		expect(await measure(Buffer.concat([id3(0), HEADER]))).toEqual({
			seconds: 0.001,
			format: 'mp3',
		});
		await refused(Buffer.concat([id3(50), HEADER.subarray(0, 2)]), 'no MP3 frame header found');
	});

	it('an ID3 tag that ends just past the first read: the frame is read there', async () => {
		const file = mp3({
			version: 'mpeg1',
			bitrateIndex: 1,
			sampleRateIndex: 0,
			before: id3(HEAD_BYTES),
			size: HEAD_BYTES + 10 + 4000,
		});
		const { read, stats } = reader(file);
		expect(await readMediaDuration(read)).toEqual({ seconds: 1, format: 'mp3' });
		expect(stats.reads).toBe(2);
	});

	it('a first frame whose 64 bytes end the first read needs no second read', async () => {
		const file = mp3({
			version: 'mpeg1',
			bitrateIndex: 1,
			sampleRateIndex: 0,
			before: id3(HEAD_BYTES - 64 - 10),
			size: HEAD_BYTES - 64 + 4000,
		});
		const { read, stats } = reader(file);
		expect(await readMediaDuration(read)).toEqual({ seconds: 1, format: 'mp3' });
		expect(stats.reads).toBe(1);
	});

	it('a WAV "data" chunk header that ends the first bytes is read', async () => {
		const file = wav([
			{ id: 'fmt ', body: fmt(8000) },
			{ id: 'data', declared: 16_000 },
		]);
		expect(file.length).toBe(44);
		expect(await measure(file)).toEqual({ seconds: 2, format: 'wav' });
	});
});
