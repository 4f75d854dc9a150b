/**
 * How long a reference video or audio file is, read from its header with a few small byte-range
 * reads — never the whole file. Pure: the caller supplies `read` (HTTP Range requests in the
 * node, a Buffer in tests). Formats: ISO-BMFF (MP4, MOV, M4A: `moov` → `mvhd`, or `mvex/mehd`
 * for fragmented files), MP3 (Xing/Info
 * or VBRI frame count, else constant bitrate) and WAV (`fmt ` byte rate, `data` size).
 */

/** Bytes [start, end] of the file (end inclusive, may run past its end) and its total size. */
export type RangeReader = (start: number, end: number) => Promise<{ bytes: Buffer; size?: number }>;

export interface MediaDuration {
	seconds: number;
	format: 'mp4' | 'mov' | 'm4a' | 'mp3' | 'wav';
}

/** A header this reader cannot understand: the caller falls back to the API's own check. */
export class MediaHeaderError extends Error {}

export const HEAD_BYTES = 16 * 1024;
/** `mvhd` is the first box in `moov`: this much of it is enough. */
const MOOV_START = 512;
/** At most this many reads per file (the head, then box headers / the moov start). */
const MAX_READS = 8;

const fail = (why: string): never => {
	throw new MediaHeaderError(why);
};
const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

export async function readMediaDuration(read: RangeReader): Promise<MediaDuration> {
	let reads = 0;
	const limitedRead: RangeReader = async (start, end) => {
		if (++reads > MAX_READS) fail(`the header needs more than ${MAX_READS} reads`);
		return await read(start, end);
	};
	const { bytes: head, size } = await limitedRead(0, HEAD_BYTES - 1);
	if (head.length < 12) fail('the file is too short to be a video or audio file');
	if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WAVE') return wavDuration(head, size);
	if (ascii(head, 4, 4) === 'ftyp' || ['moov', 'mdat', 'free', 'wide'].includes(ascii(head, 4, 4)))
		return await isoDuration(head, size, limitedRead);
	if (ascii(head, 0, 3) === 'ID3' || isMp3Sync(head, 0))
		return await mp3Duration(head, size, limitedRead);
	return fail('not an MP4, MOV, M4A, MP3 or WAV file');
}

const ascii = (b: Buffer, at: number, length: number) => b.toString('latin1', at, at + length);

// ---------------------------------------------------------------------------------------------
// ISO base media (MP4 / MOV / M4A)

async function isoDuration(
	head: Buffer,
	size: number | undefined,
	read: RangeReader,
): Promise<MediaDuration> {
	const brand = ascii(head, 4, 4) === 'ftyp' ? ascii(head, 8, 4) : 'qt  ';
	const format = brand === 'qt  ' ? 'mov' : brand.startsWith('M4A') ? 'm4a' : 'mp4';
	const fileEnd = size ?? (head.length < HEAD_BYTES ? head.length : Infinity);
	// Bytes at [offset, offset + length) (fewer at the end of the file): from the bytes already
	// read when they hold them, else one read of `prefetch` bytes.
	let known = { at: 0, bytes: head };
	const bytesAt = async (offset: number, length: number, prefetch = length) => {
		const from = offset - known.at;
		if (from >= 0 && known.at + known.bytes.length >= Math.min(offset + length, fileEnd))
			return known.bytes.subarray(from, from + length);
		known = { at: offset, bytes: (await read(offset, offset + prefetch - 1)).bytes };
		return known.bytes.subarray(0, length);
	};
	// Walk the top-level boxes; `moov` may come after a large `mdat` (not "fast start").
	let offset = 0;
	while (offset < fileEnd) {
		// Past the head, one read takes the box header and enough of a `moov` to find `mvhd`.
		const box = boxAt(await bytesAt(offset, 16, 16 + MOOV_START), fileEnd - offset);
		if (!box) break;
		if (box.type === 'moov') {
			const start = offset + box.header;
			const mvhd = mvhdDuration(await bytesAt(start, Math.min(MOOV_START, box.size - box.header)));
			// Fragmented MP4s leave the total out of `mvhd` (0 or all ones): `mvex/mehd` says it.
			const duration = mvhd.unknown
				? await fragmentDuration(start, offset + box.size, bytesAt)
				: mvhd.duration;
			return { seconds: round(Number(duration) / mvhd.timescale), format };
		}
		offset += box.size;
	}
	return fail('no "moov" box found');
}

interface Box {
	type: string;
	/** Header and body; `room` when the box runs to the end of its parent (size 0). */
	size: number;
	header: number;
}

/** The box starting at `bytes[0]`, `room` bytes being left in its parent; undefined if cut off. */
function boxAt(bytes: Buffer, room: number): Box | undefined {
	if (bytes.length < 8) return undefined;
	const type = ascii(bytes, 4, 4);
	let size = bytes.readUInt32BE(0);
	let header = 8;
	if (size === 1) {
		if (bytes.length < 16) return undefined;
		size = Number(bytes.readBigUInt64BE(8));
		header = 16;
	} else if (size === 0) {
		size = room;
	}
	if (size < header) fail(`a ${JSON.stringify(type)} box has an impossible size`);
	return { type, size, header };
}

/** A duration of 0 or all ones means "not known here" (fragmented or live files). */
const unknownDuration = (duration: bigint, bits: 32 | 64) =>
	duration === 0n || duration === (1n << BigInt(bits)) - 1n;

function mvhdDuration(moov: Buffer): { timescale: number; duration: bigint; unknown: boolean } {
	let at = 0;
	while (at + 8 <= moov.length) {
		const size = moov.readUInt32BE(at);
		if (ascii(moov, at + 4, 4) === 'mvhd') {
			const version = moov[at + 8];
			const fields = at + 12;
			if (fields + (version === 1 ? 28 : 16) > moov.length) break;
			const [timescale, duration] =
				version === 1
					? [moov.readUInt32BE(fields + 16), moov.readBigUInt64BE(fields + 20)]
					: [moov.readUInt32BE(fields + 8), BigInt(moov.readUInt32BE(fields + 12))];
			if (!timescale) fail('the "mvhd" box has no timescale');
			return { timescale, duration, unknown: unknownDuration(duration, version === 1 ? 64 : 32) };
		}
		if (size < 8) break;
		at += size;
	}
	return fail('no "mvhd" box at the start of "moov"');
}

/**
 * A fragmented file's total duration, from `moov/mvex/mehd` (fragment_duration, in the `mvhd`
 * timescale). Without it the length is only the sum of all fragments: left to the API then.
 */
async function fragmentDuration(
	start: number,
	end: number,
	bytesAt: (offset: number, length: number) => Promise<Buffer>,
): Promise<bigint> {
	const unknown = 'a fragmented MP4 that does not state its total duration (no "mehd" box)';
	for (let at = start; at + 8 <= end; ) {
		const child = boxAt(await bytesAt(at, 16), end - at);
		if (!child) break;
		if (child.type === 'mvex') {
			const mvex = await bytesAt(
				at + child.header,
				Math.min(MOOV_START, child.size - child.header),
			);
			for (let inner = 0; inner + 8 <= mvex.length; ) {
				const box = boxAt(mvex.subarray(inner), mvex.length - inner);
				if (!box) break;
				if (box.type === 'mehd' && inner + 16 <= mvex.length) {
					const version = mvex[inner + 8];
					if (version === 1 && inner + 20 > mvex.length) break;
					const duration =
						version === 1
							? mvex.readBigUInt64BE(inner + 12)
							: BigInt(mvex.readUInt32BE(inner + 12));
					return unknownDuration(duration, version === 1 ? 64 : 32) ? fail(unknown) : duration;
				}
				inner += box.size;
			}
			break;
		}
		at += child.size;
	}
	return fail(unknown);
}

// ---------------------------------------------------------------------------------------------
// MP3 (MPEG audio layer III)

const MP3_BITRATES_KBPS = {
	mpeg1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
	mpeg2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_SAMPLE_RATES: Record<number, number[]> = {
	3: [44100, 48000, 32000], // MPEG-1
	2: [22050, 24000, 16000], // MPEG-2
	0: [11025, 12000, 8000], // MPEG-2.5
};

const isMp3Sync = (b: Buffer, at: number) =>
	at + 4 <= b.length &&
	b[at] === 0xff &&
	(b[at + 1] & 0xe0) === 0xe0 &&
	((b[at + 1] >> 1) & 3) === 1;

async function mp3Duration(
	head: Buffer,
	size: number | undefined,
	read: RangeReader,
): Promise<MediaDuration> {
	let start = 0;
	if (ascii(head, 0, 3) === 'ID3') {
		const tag =
			((head[6] & 0x7f) << 21) |
			((head[7] & 0x7f) << 14) |
			((head[8] & 0x7f) << 7) |
			(head[9] & 0x7f);
		start = 10 + tag + (head[5] & 0x10 ? 10 : 0);
	}
	// The first frame: right after the tag, possibly after a little padding.
	let window = head;
	let base = 0;
	if (start + 64 > head.length) {
		window = (await read(start, start + 4095)).bytes;
		base = start;
	}
	let at = start - base;
	while (at < window.length && !isMp3Sync(window, at)) at++;
	if (!isMp3Sync(window, at)) fail('no MP3 frame header found');
	const frameStart = base + at;
	const header = window.readUInt32BE(at);
	const version = (header >> 19) & 3;
	const bitrateIndex = (header >> 12) & 15;
	const sampleRate = MP3_SAMPLE_RATES[version]?.[(header >> 10) & 3];
	const bitrateKbps = (version === 3 ? MP3_BITRATES_KBPS.mpeg1 : MP3_BITRATES_KBPS.mpeg2)[
		bitrateIndex
	];
	if (!sampleRate || !bitrateKbps) fail('the MP3 frame header is not valid');
	const mono = ((header >> 6) & 3) === 3;
	const samplesPerFrame = version === 3 ? 1152 : 576;
	// A VBR file says its frame count in a Xing/Info tag (after the side info) or a VBRI tag.
	const sideInfo = version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
	const xing = at + 4 + sideInfo;
	const tag = ascii(window, xing, 4);
	if ((tag === 'Xing' || tag === 'Info') && window.readUInt32BE(xing + 4) & 1) {
		return {
			seconds: round((window.readUInt32BE(xing + 8) * samplesPerFrame) / sampleRate!),
			format: 'mp3',
		};
	}
	if (ascii(window, at + 36, 4) === 'VBRI') {
		return {
			seconds: round((window.readUInt32BE(at + 50) * samplesPerFrame) / sampleRate!),
			format: 'mp3',
		};
	}
	if (size === undefined)
		fail('a constant-bitrate MP3 needs the file size, which the server did not say');
	return { seconds: round(((size! - frameStart) * 8) / (bitrateKbps! * 1000)), format: 'mp3' };
}

// ---------------------------------------------------------------------------------------------
// WAV (RIFF)

function wavDuration(head: Buffer, size: number | undefined): MediaDuration {
	let byteRate: number | undefined;
	let at = 12;
	while (at + 8 <= head.length) {
		const id = ascii(head, at, 4);
		const length = head.readUInt32LE(at + 4);
		if (id === 'fmt ') byteRate = head.readUInt32LE(at + 16);
		if (id === 'data') {
			if (!byteRate) fail('the WAV "data" chunk comes before its "fmt " chunk');
			// Streamed WAVs leave the size at 0 or 0xFFFFFFFF: the file size says it then.
			const dataBytes =
				length === 0 || length === 0xffffffff
					? size !== undefined
						? size - (at + 8)
						: fail('the WAV data size is unknown')
					: length;
			return { seconds: round(dataBytes / byteRate!), format: 'wav' };
		}
		at += 8 + length + (length % 2);
	}
	return fail('no WAV "data" chunk in the first bytes');
}
