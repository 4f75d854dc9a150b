/* eslint-disable -- test and tooling code runs in plain Node; the community-node rules are for code loaded by n8n */
/** Serves result videos: a minimal MP4 `ftyp` box, then filler, streamed with backpressure. */
import type { ServerResponse } from 'node:http';

const FTYP = Buffer.from([
	0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0x00, 0x00, 0x02, 0x00,
	0x69, 0x73, 0x6f, 0x6d, 0x6d, 0x70, 0x34, 0x31,
]);
const CHUNK = Buffer.alloc(64 * 1024, 0x2e);

export function streamVideo(response: ServerResponse, bytes: number): void {
	response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(bytes) });
	let sent = 0;
	const pump = () => {
		while (sent < bytes) {
			const head = sent === 0 ? FTYP.subarray(0, Math.min(FTYP.length, bytes)) : undefined;
			const piece = head ?? CHUNK.subarray(0, Math.min(CHUNK.length, bytes - sent));
			sent += piece.length;
			if (!response.write(piece)) {
				response.once('drain', pump);
				return;
			}
		}
		response.end();
	};
	response.on('close', () => response.removeListener('drain', pump));
	pump();
}
