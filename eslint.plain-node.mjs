import { config } from '@n8n/node-cli/eslint';

/**
 * Lint rules for tests, scripts and tools: code that runs in plain Node, outside n8n. It starts
 * processes, reads files, uses timers and holds test keys, so n8n's community-node rules (meant
 * for the code n8n loads: nodes/, credentials/, checked by the strict eslint.config.mjs) are off
 * here; TypeScript's recommended rules stay on. test/, scripts/ and tools/ each pick this up
 * through their own eslint.config.mjs (`npm run lint` turns on ESLint's per-folder config lookup).
 */
const communityNodeRules = Object.fromEntries(
	config
		.flatMap((block) => Object.keys(block.rules ?? {}))
		.filter((rule) => rule.startsWith('@n8n/community-nodes/'))
		.map((rule) => [rule, 'off']),
);

export default [
	...config,
	{
		files: ['**/*.ts'],
		rules: {
			...communityNodeRules,
			'no-console': 'off',
			// Tests reach into n8n's internals (require) and fake loosely typed n8n objects.
			'@typescript-eslint/no-explicit-any': 'off',
			'@typescript-eslint/no-require-imports': 'off',
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
			],
			'no-empty': ['error', { allowEmptyCatch: true }],
		},
	},
];
