/**
 * The file host: result videos (a minimal MP4 `ftyp` box, then filler, streamed with
 * backpressure) and reference media (real files, with or without Range support).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

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

/** Real media files (see media/README.md): served by the file host, read by tests too. */
export const MEDIA_DIR = path.join(__dirname, 'media');

/**
 * Reference media on the file host: `/media/<fixture>` serves tools/simulator/media with Range
 * support (206 + Content-Range) like a CDN; `?norange=1` ignores Range (200, whole file) like a
 * plain server; `/media/garbage-<n>s.mp4` is text, not a video.
 */
export function serveMedia(
	request: IncomingMessage,
	response: ServerResponse,
	name: string,
	honourRange: boolean,
): void {
	const file = name.startsWith('garbage')
		? Buffer.from('<html><body>this is not a video, just a web page</body></html>'.repeat(40))
		: existsSync(path.join(MEDIA_DIR, path.basename(name)))
			? readFileSync(path.join(MEDIA_DIR, path.basename(name)))
			: undefined;
	if (!file) {
		response.writeHead(404, { 'content-type': 'text/plain' });
		response.end('No such file');
		return;
	}
	const type = name.endsWith('.mp3')
		? 'audio/mpeg'
		: name.endsWith('.wav')
			? 'audio/wav'
			: 'video/mp4';
	const range = /^bytes=(\d+)-(\d*)$/.exec(String(request.headers.range ?? ''));
	if (!honourRange || !range) {
		response.writeHead(200, { 'content-type': type, 'content-length': String(file.length) });
		response.end(file);
		return;
	}
	const start = Number(range[1]);
	const end = Math.min(range[2] ? Number(range[2]) : file.length - 1, file.length - 1);
	if (start >= file.length) {
		response.writeHead(416, { 'content-range': `bytes */${file.length}` });
		response.end();
		return;
	}
	response.writeHead(206, {
		'content-type': type,
		'content-range': `bytes ${start}-${end}/${file.length}`,
		'content-length': String(end - start + 1),
	});
	response.end(file.subarray(start, end + 1));
}

/** What APIXO would measure: the simulator knows its media by name (`…-<seconds>s.<ext>`). */
export function servedMediaSeconds(pathname: string): number | undefined {
	const match = /^\/media\/[^/]*-(\d+)s[.-]/.exec(pathname);
	return match ? Number(match[1]) : undefined;
}
