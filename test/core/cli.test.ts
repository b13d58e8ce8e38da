/**
 * The devicehook CLI as a user runs it: the built binary's exit codes, output and help.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verify } from '../../shared/src/index';
import { runCli } from '../../shared/src/cli';
import { closedPort, startReceiver, type Receiver } from '../helpers/receiver';

const BIN = join(__dirname, '..', '..', 'shared', 'bin', 'devicehook.js');
const tmp = mkdtempSync(join(tmpdir(), 'devicehook-cli-'));

/** Runs the built binary (async, so the in-process receiver keeps answering). */
function run(args: string[], input?: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DEVICEHOOK_')));
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...clean, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code: number) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('devicehook send', () => {
  it('sends a signed sample of the vendor and type, prints each attempt, exits 0', async () => {
    receiver = await startReceiver((n) => (n === 0 ? { status: 500 } : { status: 200 }));
    const { code, stdout } = await run(['send', '--vendor', 'inhand-dm', '--type', 'offline', '--secret', 's3', '--retries', '1', '--retry-delay', '50', `${receiver.url}/hook`]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Attempt 1 at .*: HTTP 500, retried after 50 ms/);
    expect(stdout).toMatch(/Attempt 2 at .*: HTTP 200, delivered/);
    const last = receiver.requests[1]!;
    expect(verify({ vendor: 'inhand-dm', rawBody: last.body, headers: last.headers, secrets: 's3' })).toMatchObject({ ok: true, event: { type: 'offline' } });
  });

  it('exits 1 when not delivered, with the reason', async () => {
    const port = await closedPort();
    const { code, stdout } = await run(['send', '--vendor', 'inhand-dm', '--secret', 's', `http://127.0.0.1:${port}/`]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/not delivered \(failed\): The receiver refused the connection after 1 attempt/);
  });

  it('guards against private addresses unless the URL is localhost or --allow-private is given', async () => {
    const blocked = await run(['send', '--vendor', 'scalefusion', '--secret', 's', '--retry', 'none', 'http://192.168.255.254:9/']);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/SSRF guard/);
  });

  it('fills placeholders from the sample device, or from flags', async () => {
    receiver = await startReceiver();
    await run(['send', '--vendor', '1nce', '--type', 'LIFECYCLE', '--secret', 'k', '--imsi', '999', `${receiver.url}/e?iccid=:iccid:&imsi=:imsi:`]);
    expect(receiver.requests[0]!.url).toBe('/e?iccid=8988280666000002864&imsi=999');
  });

  it('answers usage errors with exit 2 and one clear line', async () => {
    for (const args of [
      ['send', 'http://localhost/'],
      ['send', '--vendor', 'acme', 'http://localhost/'],
      ['send', '--vendor', 'inhand-dm', '--type', 'meltdown', 'http://localhost/'],
      ['send', '--vendor', 'inhand-dm', '--header', 'X-Signature: forged', 'http://localhost/'],
      ['send', '--vendor', 'inhand-dm', '--bogus', 'http://localhost/'],
      ['frobnicate'],
    ]) {
      const { code, stderr } = await run(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(stderr).toMatch(/^devicehook: /);
    }
  });
});

describe('devicehook sign and verify', () => {
  it('sign prints exact headers and body that verify accepts; a changed byte is refused with the reason', async () => {
    const signed = await run(['sign', '--vendor', 'scalefusion', '--secret', 'test-secret', '--type', 'device.locked']);
    expect(signed.code).toBe(0);
    const capture = join(tmp, 'capture.txt');
    writeFileSync(capture, `POST /hooks/scalefusion HTTP/1.1\n${signed.stdout}`);
    const ok = await run(['verify', '--vendor', 'scalefusion', '--secret', 'test-secret', capture]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(/verified \(verified\): Scalefusion "device.locked" \(Device Locked\) from TEST001/);

    const bad = await run(['verify', '--vendor', 'scalefusion', '--secret', 'other', '-'], signed.stdout);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/not verified: 401 signature_mismatch: .*secret/);
  });

  it('sign reads a body from standard input', async () => {
    const signed = await run(['sign', '--vendor', 'inhand-dm', '--secret', 's', '--body', '-', '--json'], '{"alertType":"offline","ratio":1e5}');
    const { headers, body } = JSON.parse(signed.stdout);
    expect(body).toBe('{"alertType": "offline", "ratio": 100000.0}');
    expect(verify({ vendor: 'inhand-dm', rawBody: body, headers, secrets: 's' }).ok).toBe(true);
  });

  it('verify explains a stale Standard Webhooks capture, and --now checks it as of its time', async () => {
    const secret = 'whsec_' + Buffer.from('cli-secret-cli-secret').toString('base64');
    const signed = await run(['sign', '--vendor', 'standard-webhooks', '--secret', secret]);
    const stale = signed.stdout.replace(/webhook-timestamp: (\d+)/, (_m, t) => `webhook-timestamp: ${Number(t) - 3600}`);
    const result = await run(['verify', '--vendor', 'standard-webhooks', '--secret', secret, '-'], stale);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/timestamp_out_of_window/);
  });
});

describe('secrets and numbers on the command line', () => {
  const signedCapture = async () => (await run(['sign', '--vendor', 'scalefusion', '--secret', 'file-secret', '--type', 'device.locked'])).stdout;

  it('verify without a secret exits 2 and says how to give one (it never prints "verified")', async () => {
    const result = await run(['verify', '--vendor', 'scalefusion', '-'], await signedCapture());
    expect(result.code).toBe(2);
    expect(result.stdout).not.toMatch(/verified/);
    expect(result.stderr).toMatch(/verify needs the Scalefusion secret: --secret-file FILE, --secret S, or DEVICEHOOK_SECRET/);
  });

  it('verify with a secret that is an unset ${VAR} exits 2 naming the variable', async () => {
    const result = await run(['verify', '--vendor', 'scalefusion', '--secret', '${SF_SECRET}', '-'], await signedCapture());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SF_SECRET/);
  });

  it('takes the secret from --secret-file (final newline ignored) or from DEVICEHOOK_SECRET / DEVICEHOOK_PREVIOUS_SECRET', async () => {
    const capture = await signedCapture();
    const file = join(tmp, 'secret.txt');
    writeFileSync(file, 'file-secret\n');
    expect(await run(['verify', '--vendor', 'scalefusion', '--secret-file', file, '-'], capture)).toMatchObject({ code: 0 });
    expect(await run(['verify', '--vendor', 'scalefusion', '-'], capture, { DEVICEHOOK_SECRET: 'file-secret' })).toMatchObject({ code: 0 });
    expect(await run(['verify', '--vendor', 'scalefusion', '-'], capture, { DEVICEHOOK_SECRET: 'new', DEVICEHOOK_PREVIOUS_SECRET: 'file-secret' })).toMatchObject({ code: 0 });
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '');
    expect((await run(['verify', '--vendor', 'scalefusion', '--secret-file', empty, '-'], capture)).code).toBe(2);
    const signedFromFile = await run(['sign', '--vendor', 'scalefusion', '--secret-file', file]);
    expect(signedFromFile.code).toBe(0);
  });

  it.each([
    ['verify', '--tolerance', 'abc'],
    ['verify', '--tolerance', '5m'],
    ['verify', '--tolerance', '0'],
    ['verify', '--now', 'abc'],
    ['verify', '--now', 'Infinity'],
    ['send', '--timeout', '5s'],
    ['send', '--retries', 'x'],
    ['send', '--retry-delay', '1.5'],
  ])('%s %s %s is a usage error (exit 2), not a check silently turned off', async (command, option, value) => {
    const args = command === 'verify' ? ['verify', '--vendor', 'scalefusion', '--secret', 'file-secret', option, value, '-'] : ['send', '--vendor', 'scalefusion', option, value, 'http://127.0.0.1:9/'];
    const result = await run(args, await signedCapture());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--${option.slice(2)} takes`);
  });

  it('send warns on stderr when --secret is used (visible in ps), not with --secret-file', async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    const withFlag = await run(['send', '--vendor', 'scalefusion', '--secret', 's', '--retry', 'none', `${receiver.url}/hook`]);
    expect(withFlag.code).toBe(0);
    expect(withFlag.stderr).toMatch(/warning: --secret is visible to other users of this machine \(ps\)/);
    const file = join(tmp, 'send-secret.txt');
    writeFileSync(file, 's');
    const withFile = await run(['send', '--vendor', 'scalefusion', '--secret-file', file, '--retry', 'none', `${receiver.url}/hook`]);
    expect(withFile.code).toBe(0);
    expect(withFile.stderr).toBe('');
    expect(verify({ vendor: 'scalefusion', rawBody: receiver.requests[1]!.body, headers: receiver.requests[1]!.headers, secrets: 's' }).ok).toBe(true);
  });
});

describe('help', () => {
  it('every command has --help, exit 0', async () => {
    for (const command of ['send', 'sign', 'verify', 'vendors']) {
      const { code, stdout } = await run([command, '--help']);
      expect(code, command).toBe(0);
      expect(stdout, command).toMatch(/^Usage: devicehook /);
    }
    const main = await run(['--help']);
    expect(main.stdout).toMatch(/Exit codes: 0 success, 1 not delivered \/ not verified, 2 usage/);
  });

  it('runs in-process too, listing vendors', async () => {
    const lines: string[] = [];
    const code = await runCli(['vendors'], { stdout: (t) => lines.push(t), write: () => undefined, stderr: () => undefined, readStdin: async () => Buffer.alloc(0) });
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/inhand-dm +InHand Device Manager — 11 event types/);
  });
});

