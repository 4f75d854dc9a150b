/**
 * The node as a person meets it: n8n's real editor in headless Debian Chromium. Adds Seedance
 * Mini from the node creator, switches through the three modes and checks the fields shown for
 * each; screenshots go to docs/ (README shows them).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { createInstance, packPackage, type N8nInstance } from '../../tools/n8n-host/host';

const DOCS = path.resolve(__dirname, '..', '..', 'docs');
const OWNER = {
	email: 'owner@example.com',
	firstName: 'Ada',
	lastName: 'Owner',
	password: 'Passw0rd-Editor',
};

/** Fields each mode must show (and, for the others, hide). */
const MODE_FIELDS: Record<string, { label: string; shown: string[]; hidden: string[] }> = {
	'text-to-video': {
		label: 'Text to Video',
		shown: [
			'prompt',
			'resolution',
			'duration',
			'aspectRatio',
			'sound',
			'webSearch',
			'requestType',
			'waitForCompletion',
		],
		hidden: ['firstFrameUrl', 'lastFrameUrl', 'imageUrls', 'videoUrls', 'audioUrls'],
	},
	first_and_last_frames: {
		label: 'First and Last Frames',
		shown: ['prompt', 'firstFrameUrl', 'lastFrameUrl', 'resolution', 'duration', 'aspectRatio'],
		hidden: ['imageUrls', 'videoUrls', 'audioUrls'],
	},
	omni_reference: {
		label: 'Omni Reference',
		shown: ['prompt', 'imageUrls', 'videoUrls', 'audioUrls', 'resolution', 'duration'],
		hidden: ['firstFrameUrl', 'lastFrameUrl'],
	},
};

let n8n: N8nInstance;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
	const tarball = await packPackage(mkdtempSync(path.join(os.tmpdir(), 'apixo-pack-')));
	n8n = await createInstance(tarball);
	await n8n.start();
	context = await chromium.launchPersistentContext(
		mkdtempSync(path.join(os.tmpdir(), 'apixo-chromium-')),
		{
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			headless: true,
			viewport: { width: 1440, height: 900 },
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
			],
		},
	);
	const setup = await context.request.post(`${n8n.baseUrl}/rest/owner/setup`, { data: OWNER });
	expect(setup.status()).toBe(200);
	const login = await context.request.post(`${n8n.baseUrl}/rest/login`, {
		data: { emailOrLdapLoginId: OWNER.email, password: OWNER.password },
	});
	expect(login.status()).toBe(200);
	page = await context.newPage();
}, 10 * 60_000);

afterAll(async () => {
	await context?.close();
	await n8n?.stop();
});

/** Parameter names of the fields the open node panel shows. */
async function visibleFields(): Promise<string[]> {
	return await page.$$eval(
		'[data-test-id="ndv"] [data-test-id="input-label"] label[for]',
		(labels) =>
			labels
				.filter((label) => (label as unknown as { checkVisibility(): boolean }).checkVisibility())
				.map((label) => label.getAttribute('for') ?? ''),
	);
}

it(
	'adds Seedance Mini and shows the fields of each mode',
	async () => {
		const created = await context.request.post(`${n8n.baseUrl}/rest/workflows`, {
			data: {
				name: 'Editor check',
				nodes: [
					{
						id: 'start',
						name: 'Start',
						type: 'n8n-nodes-base.manualTrigger',
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
					},
				],
				connections: {},
				active: false,
				settings: {},
			},
		});
		const workflowId = (await created.json()).data.id;
		// The package's nodes are loaded by this n8n (installed as a community package).
		const types = await (await context.request.get(`${n8n.baseUrl}/types/nodes.json`)).text();
		expect(types).toContain('n8n-nodes-apixo.seedanceMini');
		await page.goto(`${n8n.baseUrl}/workflow/${workflowId}`);

		// Node creator: search the package's node and pick its Generate action.
		await page
			.locator('[data-test-id="canvas-plus-button"], [data-test-id="node-creator-plus-button"]')
			.first()
			.click({ timeout: 60_000 });
		await page.locator('[data-test-id="node-creator-search-bar"]').fill('Seedance Mini');
		await page.screenshot({ path: path.join(DOCS, 'editor-node-creator.png') });
		await page
			.locator('[data-test-id="node-creator-item-name"]', { hasText: 'Seedance Mini' })
			.first()
			.click();
		await page
			.locator('[data-test-id="node-creator-item-name"]', { hasText: 'Generate a video' })
			.first()
			.click();
		await page
			.locator('[data-test-id="ndv"] [data-test-id="parameter-input-mode"]')
			.waitFor({ timeout: 30_000 });

		for (const [mode, expected] of Object.entries(MODE_FIELDS)) {
			await page.locator('[data-test-id="ndv"] [data-test-id="parameter-input-mode"]').click();
			await page
				.locator('.el-select-dropdown__item:visible', { hasText: expected.label })
				.first()
				.click();
			await page.waitForTimeout(300);
			const fields = await visibleFields();
			for (const field of expected.shown)
				expect({ mode, fields }).toEqual({ mode, fields: expect.arrayContaining([field]) });
			for (const field of expected.hidden)
				expect({ mode, field, shown: fields.includes(field) }).toEqual({
					mode,
					field,
					shown: false,
				});
			await page.screenshot({ path: path.join(DOCS, `editor-${mode}.png`) });
		}
	},
	5 * 60_000,
);
