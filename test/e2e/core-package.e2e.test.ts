/**
 * @devicehook/core as a user installs it: the release tarball, with the README's two commands —
 * `npm install -g <tarball>` for the `devicehook` command (into a temporary prefix here) and
 * `npm install <tarball>` in a project for the library — in folders outside this repository, so nothing
 * of the workspace can be found. zod comes from the registry (or npm's cache), as for a user.
 *
 * Run: npm run build && npx vitest run --config vitest.e2e.config.ts test/e2e/core-package.e2e.test.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, run } from '../helpers/process-kit';
import { releaseTarballs } from '../helpers/release-tarballs';

let work: string;
let tarball: string;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

beforeAll(() => {
  tarball = releaseTarballs().core;
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'devicehook-core-e2e-'));
}, 120_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('@devicehook/core from its release tarball', () => {
  it('npm install -g <tarball>: the devicehook command signs a sample and verifies the capture', async () => {
    const prefix = path.join(work, 'global');
    const install = await run(npm, ['install', '-g', '--no-audit', '--no-fund', `--prefix=${prefix}`, tarball], { cwd: work, timeoutMs: 300_000 });
    expect(install.code, install.output).toBe(0);
    const bin = path.join(prefix, 'bin', 'devicehook');
    expect(fs.existsSync(bin), install.output).toBe(true);
    // Where npm put it: a real folder from the tarball, with zod beside it.
    const installed = path.join(prefix, 'lib', 'node_modules', '@devicehook', 'core');
    expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);

    const help = await run(bin, ['--help'], { cwd: work });
    expect(help.code).toBe(0);
    expect(help.output).toMatch(/^devicehook — /);

    const signed = await run(bin, ['sign', '--vendor', 'scalefusion', '--secret', 's3cret', '--type', 'device.locked'], { cwd: work });
    expect(signed.code, signed.output).toBe(0);
    const capture = path.join(work, 'capture.txt');
    fs.writeFileSync(capture, signed.output);
    const verified = await run(bin, ['verify', '--vendor', 'scalefusion', '--secret', 's3cret', capture], { cwd: work });
    expect(verified.code, verified.output).toBe(0);
    const wrong = await run(bin, ['verify', '--vendor', 'scalefusion', '--secret', 'not-it', capture], { cwd: work });
    expect(wrong.code, wrong.output).toBe(1);
  }, 300_000);

  it('npm install <tarball> in a project: require() of the library and of @devicehook/core/node', async () => {
    const project = path.join(work, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'my-receiver', version: '1.0.0', private: true }, null, 2)}\n`);
    const install = await run(npm, ['install', '--no-audit', '--no-fund', tarball], { cwd: project, timeoutMs: 300_000 });
    expect(install.code, install.output).toBe(0);
    expect(fs.readdirSync(path.join(project, 'node_modules')).filter((f) => !f.startsWith('.')).sort()).toEqual(['@devicehook', 'zod']);

    const script = `
const { sign, verify, vendors } = require('@devicehook/core');
const node = require('@devicehook/core/node');
const signed = sign({ vendor: 'inhand-dm', body: vendors['inhand-dm'].samples.offline, secret: 's' });
const result = verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: signed.headers, secrets: 's' });
console.log(JSON.stringify({ ok: result.ok, type: result.ok ? result.event.type : result.code, node: Object.keys(node).length > 0, from: require.resolve('@devicehook/core') }));
`;
    const result = await run(process.execPath, ['-e', script], { cwd: project, env: childEnv() });
    expect(result.code, result.output).toBe(0);
    const answer = JSON.parse(result.output.trim().split('\n').at(-1)!) as { ok: boolean; type: string; node: boolean; from: string };
    expect(answer).toMatchObject({ ok: true, type: 'offline', node: true });
    expect(answer.from.startsWith(path.join(fs.realpathSync(project), 'node_modules', '@devicehook', 'core'))).toBe(true);
  }, 300_000);
});
