/**
 * A storage chain in a real n8n (the pinned line, or N8N_E2E_VERSION): the example
 * examples/generate-and-upload-to-s3.json — Seedance Mini (generate, wait, Download Video) → n8n's
 * S3 node — uploads the simulator's result to an S3-compatible server on loopback
 * (tools/s3-server.ts: s3rver behind a Signature V4 check), and the object read back through the
 * S3 API is the simulator's result file, byte for byte.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';

import { createInstance, packPackage, type N8nInstance } from '../../tools/n8n-host/host';
import { apixoCredential, exampleWorkflows } from '../../tools/n8n-host/workflows';
import { startS3Server, type S3Server } from '../../tools/s3-server';
import { startSimulator, type Simulator } from '../../tools/simulator/server';

const KEY = 'sk-e2e-s3-SECRET-16180339';
const FAST = { firstPollDelay: 0.3, pollInterval: 0.2, maxWait: 60 };
/** Big enough to be a real transfer: n8n's binary store on disk, then one signed PUT. */
const RESULT_BYTES = 2 * 1024 * 1024;
const BUCKET = 'videos';
const S3_CREDENTIAL = { id: 's3LoopbackCred01', name: 'S3-compatible storage (loopback)' };

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const [EXAMPLE] = exampleWorkflows('s3-', FAST).filter(
	(w) => w.file === 'generate-and-upload-to-s3.json',
);
// As a user picks their S3 credential after importing (exampleWorkflows does the APIXO one).
for (const node of EXAMPLE.nodes) if (node.credentials?.s3) node.credentials.s3 = S3_CREDENTIAL;

let sim: Simulator;
let s3: S3Server;
let n8n: N8nInstance;

beforeAll(async () => {
	sim = await startSimulator({
		apiKeys: [KEY],
		timing: { pendingMs: 300, processingMs: 700 },
		resultBytes: RESULT_BYTES,
	});
	s3 = await startS3Server({ buckets: [BUCKET] });
	const tarball = await packPackage(mkdtempSync(path.join(os.tmpdir(), 'apixo-pack-')));
	n8n = await createInstance(tarball);
	await n8n.importCredentials([
		apixoCredential(sim.baseUrl, KEY),
		{
			...S3_CREDENTIAL,
			type: 's3',
			data: {
				endpoint: s3.endpoint,
				region: s3.region,
				accessKeyId: s3.accessKeyId,
				secretAccessKey: s3.secretAccessKey,
				forcePathStyle: true,
			},
		},
	]);
	await n8n.importWorkflows([EXAMPLE]);
}, 15 * 60_000);

afterAll(async () => {
	await n8n?.stop();
	await s3?.close();
	await sim?.close();
});

it('the example uploads the downloaded video to S3: the stored object is the result file', async () => {
	const result = await n8n.execute(EXAMPLE.id);
	expect(result.error).toBeUndefined();
	expect(sim.tasks.size).toBe(1);
	const [taskId] = sim.tasks.keys();
	expect(result.runData['Upload to S3'][0].data!.main[0]).toEqual([
		expect.objectContaining({ json: { success: true } }),
	]);

	const file = await fetch(`${sim.fileOrigin}/files/${taskId}.mp4`);
	const expected = Buffer.from(await file.arrayBuffer());
	expect(expected.length).toBe(RESULT_BYTES);

	const stored = await s3.getObject(BUCKET, `${taskId}.mp4`);
	expect(stored.status).toBe(200);
	expect(stored.headers['content-type']).toBe('video/mp4');
	expect(stored.body.length).toBe(RESULT_BYTES);
	expect(stored.body.equals(expected)).toBe(true);

	// n8n's S3 node signed the upload (V4, this key pair) over this very body.
	const uploads = s3.requests.filter((r) => r.method === 'PUT');
	expect(uploads).toEqual([
		expect.objectContaining({
			path: `/${BUCKET}/${taskId}.mp4`,
			status: 200,
			payloadSha256: sha256(expected),
		}),
	]);
	expect(s3.requests.filter((r) => r.refused)).toEqual([]);
});

it('the S3 server refuses what S3 refuses: a wrong secret, no signature', async () => {
	const wrong = await s3.send('GET', `/${BUCKET}?location=`, { secretAccessKey: 'not-the-secret' });
	expect(wrong.status).toBe(403);
	expect(wrong.body.toString()).toContain('<Code>SignatureDoesNotMatch</Code>');
	const unsigned = await fetch(`${s3.endpoint}/${BUCKET}?location=`);
	expect(unsigned.status).toBe(403);
	expect(await unsigned.text()).toContain('<Code>AccessDenied</Code>');
});
