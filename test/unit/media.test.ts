/**
 * Durations read from the headers of real files (made with ffmpeg, see tools/simulator/media),
 * through a range reader that counts what it hands out: a few KiB, never the whole file when
 * the file is larger than the first read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { MEDIA_DIR } from '../../tools/simulator/files';

import {
	ALL_ONES_32,
	ALL_ONES_64,
	box,
	fragmentedMp4,
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
	const stats = { reads: 0, bytes: 0 };
	const read: RangeReader = async (start, end) => {
		const bytes = file.subarray(start, end + 1);
		stats.reads++;
		stats.bytes += bytes.length;
		return { bytes, size: withSize ? file.length : undefined };
	};
	return { read, stats };
}

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
	/** Syncsafe: 7 bits a byte, as ID3v2 sizes are written. */
	const syncsafe = (n: number) =>
		Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
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
	expect(stats.reads).toBeGreaterThan(1);
	expect(stats.bytes).toBeLessThan(HEAD_BYTES + 1024);
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
