/**
 * Synthetic ISO-BMFF boxes for header-reading tests: enough structure for a duration reader,
 * no media. Fragmented files (moov with empty tracks + mvex, then moof/mdat pairs) are what
 * encoders write for streaming; their `mvhd` duration is 0 or all ones.
 */
export function box(type: string, ...parts: Buffer[]): Buffer {
	const body = Buffer.concat(parts);
	const head = Buffer.alloc(8);
	head.writeUInt32BE(8 + body.length, 0);
	head.write(type, 4, 'latin1');
	return Buffer.concat([head, body]);
}

/** A full box: version and flags, then its fields. */
export const fullBox = (type: string, version: number, fields: Buffer) =>
	box(type, Buffer.from([version, 0, 0, 0]), fields);

export const ALL_ONES_32 = 0xffffffffn;
export const ALL_ONES_64 = 0xffffffffffffffffn;

export function mvhd(version: 0 | 1, timescale: number, duration: bigint): Buffer {
	// creation, modification, timescale, duration, then 80 bytes of rate, matrix, next track...
	const fields = Buffer.alloc(version === 1 ? 28 + 80 : 16 + 80);
	if (version === 1) {
		fields.writeUInt32BE(timescale, 16);
		fields.writeBigUInt64BE(duration, 20);
	} else {
		fields.writeUInt32BE(timescale, 8);
		fields.writeUInt32BE(Number(duration), 12);
	}
	return fullBox('mvhd', version, fields);
}

/** Movie extends header: fragment_duration in the mvhd timescale. */
export function mehd(version: 0 | 1, duration: bigint): Buffer {
	const fields = Buffer.alloc(version === 1 ? 8 : 4);
	if (version === 1) fields.writeBigUInt64BE(duration);
	else fields.writeUInt32BE(Number(duration));
	return fullBox('mehd', version, fields);
}

export const trex = fullBox('trex', 0, Buffer.alloc(20));
export const trak = box('trak', box('tkhd', Buffer.alloc(84)), box('mdia', Buffer.alloc(300)));
export const ftyp = box('ftyp', Buffer.from('iso6\0\0\0\0iso6dash', 'latin1'));
export const fragments = Buffer.concat([
	box('moof', Buffer.alloc(100)),
	box('mdat', Buffer.alloc(2000)),
]);

/** ftyp, a moov made of `moov`, then two fragments. */
export const fragmentedMp4 = (...moov: Buffer[]) =>
	Buffer.concat([ftyp, box('moov', ...moov), fragments, fragments]);
