/**
 * Synthetic MP3 and WAV headers for duration-reader tests: the first frame header (and its
 * Xing/Info or VBRI tag) or the RIFF chunks, padded with silence. The real ffmpeg files in
 * tools/simulator/media are all MPEG-2.5 mono; these cover the other versions and layouts.
 */
export type MpegVersion = 'mpeg1' | 'mpeg2' | 'mpeg2.5';
const VERSION_BITS: Record<MpegVersion, number> = { mpeg1: 3, mpeg2: 2, 'mpeg2.5': 0 };

export interface Mp3Options {
	version: MpegVersion;
	bitrateIndex: number;
	sampleRateIndex: number;
	mono?: boolean;
	/** A Xing (or Info) tag after the side info: frame count, and whether its "frames" flag is set. */
	xing?: { frames: number; tag?: 'Xing' | 'Info'; flagged?: boolean };
	/** A VBRI tag 32 bytes after the frame header: frame count. */
	vbri?: number;
	/** Bytes before the first frame (junk, or an ID3 tag given whole). */
	before?: Buffer;
	/** The file's total size (silence after the first frame). */
	size: number;
}

export function mp3(options: Mp3Options): Buffer {
	const version = VERSION_BITS[options.version];
	const header =
		(0x7ff << 21) | // sync
		(version << 19) |
		(1 << 17) | // layer III
		(1 << 16) | // no CRC
		(options.bitrateIndex << 12) |
		(options.sampleRateIndex << 10) |
		((options.mono ? 3 : 0) << 6);
	const frame = Buffer.alloc(512);
	frame.writeUInt32BE(header >>> 0, 0);
	if (options.xing) {
		const sideInfo = options.version === 'mpeg1' ? (options.mono ? 17 : 32) : options.mono ? 9 : 17;
		const at = 4 + sideInfo;
		frame.write(options.xing.tag ?? 'Xing', at, 'latin1');
		frame.writeUInt32BE(options.xing.flagged === false ? 0b1110 : 0b1111, at + 4);
		frame.writeUInt32BE(options.xing.frames, at + 8);
	}
	if (options.vbri !== undefined) {
		frame.write('VBRI', 36, 'latin1');
		frame.writeUInt32BE(options.vbri, 50);
	}
	const before = options.before ?? Buffer.alloc(0);
	const rest = Math.max(0, options.size - before.length - frame.length);
	return Buffer.concat([before, frame, Buffer.alloc(rest)]);
}

export interface WavChunk {
	id: string;
	body?: Buffer;
	/** The size written in the chunk header (default: the body's length). */
	declared?: number;
}

/** RIFF/WAVE with these chunks in order (odd bodies padded to even, as RIFF requires). */
export function wav(chunks: WavChunk[], tail = 0): Buffer {
	const parts = chunks.map(({ id, body = Buffer.alloc(0), declared }) => {
		const head = Buffer.alloc(8);
		head.write(id, 0, 'latin1');
		head.writeUInt32LE(declared ?? body.length, 4);
		return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
	});
	const riff = Buffer.alloc(12);
	riff.write('RIFF', 0, 'latin1');
	riff.write('WAVE', 8, 'latin1');
	const file = Buffer.concat([riff, ...parts, Buffer.alloc(tail)]);
	file.writeUInt32LE(file.length - 8, 4);
	return file;
}

/** A PCM "fmt " chunk body with this byte rate. */
export function fmt(byteRate: number): Buffer {
	const body = Buffer.alloc(16);
	body.writeUInt16LE(1, 0); // PCM
	body.writeUInt16LE(1, 2); // mono
	body.writeUInt32LE(byteRate, 4); // sample rate (8-bit mono: one byte a sample)
	body.writeUInt32LE(byteRate, 8);
	body.writeUInt16LE(1, 12);
	body.writeUInt16LE(8, 14);
	return body;
}

/** Syncsafe: 7 bits a byte, as ID3v2 sizes are written. */
export const syncsafe = (n: number) =>
	Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);

/** An ID3v2.4 tag whose body is `bytes` long (10 + bytes in all), the body zeros. */
export function id3(bytes: number): Buffer {
	const head = Buffer.from('ID3\x04\x00\x00', 'latin1');
	return Buffer.concat([head, syncsafe(bytes), Buffer.alloc(bytes)]);
}
