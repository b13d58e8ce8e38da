/**
 * The n8n package as n8n's verification sees it: `n8n-node lint` over the sources, and the
 * community-package scanner's checks over the packed tarball (scripts/check-n8n-package.mjs).
 * Both need the build that `npm test` runs first.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
// vitest sets NODE_ENV=test, and eslint-plugin-n8n-nodes-base then pretends every file is "Test.node.ts".
const { NODE_ENV: _vitestNodeEnv, ...environment } = process.env;

describe('n8n community package', () => {
	it('passes n8n-node lint (strict mode, the template ESLint config)', async () => {
		const result = await run('npx', ['n8n-node', 'lint'], {
			cwd: root,
			env: { ...environment, ESLINT_FLAGS: 'v10_config_lookup_from_file', FORCE_COLOR: '0' },
			maxBuffer: 16 * 1024 * 1024,
		}).catch((error: { stdout?: string; stderr?: string }) => ({ failed: true, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
		expect('failed' in result ? `${result.stdout}\n${result.stderr}` : '').toBe('');
	}, 180_000);

	it('passes the community-package scanner on the packed tarball, and every node loads', async () => {
		const { stdout } = await run('node', ['scripts/check-n8n-package.mjs'], { cwd: root, env: environment, maxBuffer: 16 * 1024 * 1024 });
		expect(stdout).toContain('n8n package checks passed');
	}, 180_000);
});
