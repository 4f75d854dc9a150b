/**
 * Figure 4: items per second through the node's own body building, validation and pricing,
 * against the time of one status call to a server on loopback (the cheapest HTTP call there is).
 */
import http from 'node:http';

import { estimateCost, validateSubmitBody, type Mode } from '../../nodes/apixo/contract';
import { buildBody } from '../../nodes/SeedanceMini/actions/generate/body';
import { onCleanup } from '../../tools/cleanup';
import { startSimulator } from '../../tools/simulator/server';
import type { Figure } from './report';

/** One parameter set per mode, with the odd spacing and list formats users paste. */
const PARAMETER_SETS: Array<Record<string, unknown>> = [
	{ mode: 'text-to-video', prompt: 'a fox in the snow', resolution: '720p', duration: 10 },
	{
		mode: 'first_and_last_frames',
		prompt: ' from dawn to dusk ',
		resolution: ' 480P ',
		duration: '8',
		firstFrameUrl: 'https://cdn.example.com/first.png',
		lastFrameUrl: 'https://cdn.example.com/last.png',
	},
	{
		mode: 'omni_reference',
		prompt: 'the dancer from @image1 moves like @video1',
		duration: 6,
		aspectRatio: '9:16',
		imageUrls: 'https://cdn.example.com/a.png\nhttps://cdn.example.com/b.png',
		videoUrls: 'https://cdn.example.com/move.mp4',
		audioUrls: 'https://cdn.example.com/beat.mp3',
		options: { provider: 'auto' },
	},
];

function prepareItem(parameters: Record<string, unknown>): number {
	const body = buildBody((name, fallback) => parameters[name] ?? fallback, parameters.mode as Mode);
	const checked = validateSubmitBody(body);
	if (!checked.ok) throw new Error(`benchmark item is invalid: ${JSON.stringify(checked.issues)}`);
	return estimateCost(checked.body.input).usd;
}

function itemsPerSecond(count: number): number {
	const started = process.hrtime.bigint();
	let total = 0;
	for (let i = 0; i < count; i++) total += prepareItem(PARAMETER_SETS[i % PARAMETER_SETS.length]);
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	if (!(total > 0)) throw new Error('no cost computed');
	return count / seconds;
}

async function loopbackCallMs(baseUrl: string, apiKey: string, count: number): Promise<number> {
	const agent = new http.Agent({ keepAlive: true });
	const url = `${baseUrl}/apikeys/current-balance`;
	const once = () =>
		new Promise<void>((resolve, reject) => {
			http
				.get(url, { agent, headers: { authorization: `Bearer ${apiKey}` } }, (res) => {
					res.resume();
					res.on('end', resolve);
				})
				.on('error', reject);
		});
	const times: number[] = [];
	for (let i = 0; i < count; i++) {
		const started = process.hrtime.bigint();
		await once();
		times.push(Number(process.hrtime.bigint() - started) / 1e6);
	}
	agent.destroy();
	times.sort((a, b) => a - b);
	return times[Math.floor(times.length / 2)];
}

export async function validationFigure(log: (line: string) => void): Promise<Figure> {
	itemsPerSecond(20_000); // warm-up: let V8 optimize
	const rate = itemsPerSecond(200_000);
	const sim = await startSimulator({ apiKeys: ['sk-bench-SECRET-0004'] });
	const closeSim = onCleanup('simulator', () => sim.close());
	let callMs: number;
	try {
		callMs = await loopbackCallMs(sim.baseUrl, 'sk-bench-SECRET-0004', 300);
	} finally {
		await closeSim();
	}
	const itemUs = 1e6 / rate;
	const ratio = Math.round((callMs * 1000) / itemUs);
	log(
		`validation: ${Math.round(rate)} items/s (${itemUs.toFixed(1)} µs an item); one loopback HTTP call ${callMs.toFixed(3)} ms = ${ratio} items`,
	);
	return {
		group: 'validation',
		name: 'Items/s through body building, validation and pricing',
		value: Math.round(rate),
		unit: 'items/s',
		goal: '≥ 100 000 items/s',
		met: rate >= 100_000,
		detail: `${itemUs.toFixed(1)} µs an item; one HTTP call on loopback (median of 300) takes ${callMs.toFixed(3)} ms, the time of ${ratio} items`,
		bars: [
			{ label: 'one item checked and priced', value: Number(itemUs.toFixed(1)), unit: 'µs' },
			{ label: 'one HTTP call on loopback', value: Number((callMs * 1000).toFixed(0)), unit: 'µs' },
		],
	};
}
