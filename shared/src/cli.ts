/**
 * The `devicehook` command: `send` (play a vendor: a signed sample to a URL, retried as the vendor does),
 * `sign` (print what a vendor would send), `verify` (check a captured request and say why it fails),
 * `vendors` (list vendors and event types). Node-only module.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeAttempt } from './delivery/attempt-line';
import { deliver, prepareDelivery, type PreparedDelivery } from './delivery/deliver';
import { isDeliveryError } from './delivery/errors';
import { redactUrl, redactUrlsIn } from './delivery/redact';
import { retryPolicies } from './delivery/retry-plan';
import { customRetryPolicy } from './delivery/retry-policies';
import { headerLookup } from './headers';
import { placeholdersOf, type PlaceholderValues } from './placeholders';
import { createNodeTransport, nodeSleep } from './node/transport';
import { isExplicitlyLocalHost } from './node/ssrf';
import { sign } from './sign';
import type { RetryPolicy, SchemeOptions, VendorProfile } from './types';
import { verify } from './verify';
import { getVendor, vendorIds, vendors } from './vendors/index';

/** Exit codes scripts can rely on. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

export interface CliIO {
  /** Prints a line. */
  stdout: (text: string) => void;
  /** Writes bytes exactly (no newline added): for bodies that must stay byte-exact. */
  write: (bytes: string | Buffer) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<Buffer>;
  signal?: AbortSignal;
  /** The environment (DEVICEHOOK_SECRET, DEVICEHOOK_PREVIOUS_SECRET); none when absent. */
  env?: Record<string, string | undefined>;
}

class UsageError extends Error {}

const SCHEME_OPTIONS = {
  algorithm: { type: 'string' },
  encoding: { type: 'string' },
  'signature-header': { type: 'string' },
  prefix: { type: 'string' },
  'signed-content': { type: 'string' },
  'timestamp-header': { type: 'string' },
  'auth-header': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const COMMON = {
  vendor: { type: 'string' },
  secret: { type: 'string', multiple: true },
  'secret-file': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const;

const SECRET_SOURCES = `Secrets: --secret S (repeatable; visible to other users in "ps"), --secret-file FILE (repeatable;
  one secret per file, a final newline ignored), or the environment: DEVICEHOOK_SECRET and, during a
  rotation, DEVICEHOOK_PREVIOUS_SECRET (read only when neither option is given).`;

const HELP: Record<string, string> = {
  main: `devicehook — verify, sign and send IoT vendor webhooks

Usage: devicehook <command> [options]

Commands:
  send     Send a signed sample event (or your own body) to a URL, retrying as the vendor does
  sign     Print the headers and body a vendor would send
  verify   Check a captured request (headers, blank line, body) and say why it fails
  vendors  List the vendors and their event types

Run "devicehook <command> --help" for a command's options.
Exit codes: 0 success, 1 not delivered / not verified, 2 usage or configuration error.`,
  send: `Usage: devicehook send --vendor ID [--type TYPE | --body FILE|-] [--secret S] [options] URL

Sends a signed event the way the vendor sends it — the vendors' "Mock"/"Test" buttons — and prints
each attempt as it happens.

  --vendor ID          ${vendorIds.join(', ')}
  --type TYPE          event type of the sample to send (default: the vendor's first)
  --body FILE|-        send this JSON instead of a sample
  --secret S           signing secret (repeat for Standard Webhooks rotation); none: unsigned
  --secret-file FILE   the secret from a file (preferred: --secret shows in "ps" for the whole retry schedule)
  --header 'N: V'      extra header (repeatable); values may use :iccid: :imsi: :ip:
  --iccid/--imsi/--ip  placeholder values (default: the event's device)
  --retry PRESET       ${Object.keys(retryPolicies).join(', ')} (default: the vendor's)
  --retries N          or a custom policy: N retries, doubling from --retry-delay MS (default 10000)
  --timeout MS         per-attempt timeout (default 15000)
  --allow-private      allow private and reserved addresses (the SSRF guard is on unless the URL is localhost)
  --json               print the delivery result as JSON
Scheme options (generic-hmac, 1nce): --algorithm, --encoding, --signature-header, --prefix,
  --signed-content body|timestamp.body, --timestamp-header, --auth-header
${SECRET_SOURCES}`,
  sign: `Usage: devicehook sign --vendor ID (--secret S | --secret-file FILE) [--type TYPE | --body FILE|-] [--json]

Prints the headers, a blank line and the exact body bytes the vendor would send.
Scheme options as for "send".
${SECRET_SOURCES}`,
  verify: `Usage: devicehook verify --vendor ID (--secret S | --secret-file FILE) [--secret S2] [FILE|-]

Reads a captured request — optional request line, header lines, a blank line, the body — and says
whether it verifies, and if not, why. Exit 0 when verified, 1 when not, 2 without a secret (nothing
can be verified without one).

  --allow-unsigned     accept a request without a signature
  --tolerance SECONDS  timestamp window (default 300; a positive whole number)
  --now UNIX_SECONDS   check timestamps as of this time (for old captures)
  --strict             refuse unknown fields
Scheme options as for "send".
${SECRET_SOURCES}`,
  vendors: `Usage: devicehook vendors [ID] [--json]

Lists the vendors, or one vendor's event types, scheme and retry policy.`,
};

function schemeOptionsFrom(values: Record<string, unknown>): SchemeOptions {
  const options: SchemeOptions = {};
  if (values['algorithm'] !== undefined) options.algorithm = values['algorithm'] as SchemeOptions['algorithm'];
  if (values['encoding'] !== undefined) options.encoding = values['encoding'] as SchemeOptions['encoding'];
  if (values['signature-header'] !== undefined) options.header = String(values['signature-header']);
  if (values['auth-header'] !== undefined) options.header = String(values['auth-header']);
  if (values['prefix'] !== undefined) options.prefix = String(values['prefix']);
  if (values['signed-content'] !== undefined) options.signedContent = values['signed-content'] as SchemeOptions['signedContent'];
  if (values['timestamp-header'] !== undefined) options.timestampHeader = String(values['timestamp-header']);
  return options;
}

function profileFrom(values: Record<string, unknown>): VendorProfile {
  const id = values['vendor'];
  if (id === undefined) throw new UsageError(`--vendor is required: one of ${vendorIds.join(', ')}.`);
  const profile = getVendor(String(id));
  if (!profile) throw new UsageError(`Unknown vendor "${String(id)}": use one of ${vendorIds.join(', ')}.`);
  return profile;
}

async function bodyFrom(values: Record<string, unknown>, profile: VendorProfile, io: CliIO): Promise<{ body: unknown; type: string }> {
  if (values['body'] !== undefined) {
    const source = String(values['body']);
    const bytes = source === '-' ? await io.readStdin() : readFileSync(source);
    const text = bytes.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`The body in ${source === '-' ? 'standard input' : source} is not JSON: ${(error as Error).message}`);
    }
    const type = parsed && typeof parsed === 'object' ? profile.typeOf(parsed as Record<string, unknown>, headerLookup({}), {}) : undefined;
    return { body: text, type: type ?? '(unknown)' };
  }
  const types = Object.keys(profile.samples);
  const type = values['type'] === undefined ? (types[0] as string) : String(values['type']);
  const sample = profile.samples[type];
  if (!sample) throw new UsageError(`${profile.label} has no event type "${type}": use one of ${types.join(', ')}.`);
  return { body: sample, type };
}

/** Runs a parseArgs call, turning its errors (unknown or malformed options) into usage errors. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * A number option, parsed strictly: digits only (and a fraction where allowed), within bounds. `5m`,
 * `abc`, `1e3` or an empty value is a usage error (exit 2), never NaN passed on to turn a check off.
 */
function numberOption(values: Record<string, unknown>, name: string, rules: { min: number; fraction?: boolean }): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const pattern = rules.fraction ? /^\d+(\.\d+)?$/ : /^\d+$/;
  const value = Number(text);
  if (!pattern.test(text) || !Number.isFinite(value) || value < rules.min) {
    throw new UsageError(`--${name} takes ${rules.fraction ? 'a number' : 'a whole number'} ≥ ${rules.min}; got "${text.slice(0, 40)}".`);
  }
  return value;
}

/** The secrets, current first: --secret and --secret-file, else DEVICEHOOK_SECRET and DEVICEHOOK_PREVIOUS_SECRET. */
function secretsFrom(values: Record<string, unknown>, io: CliIO): string[] {
  const secrets = [...((values['secret'] as string[] | undefined) ?? [])];
  for (const file of (values['secret-file'] as string[] | undefined) ?? []) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read the secret file ${file}: ${(error as Error).message}`);
    }
    const secret = text.replace(/\r?\n$/, '');
    if (secret === '') throw new UsageError(`The secret file ${file} is empty.`);
    secrets.push(secret);
  }
  if (secrets.length > 0) return secrets;
  const env = io.env ?? {};
  return [env['DEVICEHOOK_SECRET'], env['DEVICEHOOK_PREVIOUS_SECRET']].filter((s): s is string => typeof s === 'string' && s !== '');
}

async function send(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = usage(() => parseArgs({ args, allowPositionals: true, strict: true, options: {
    ...COMMON,
    ...SCHEME_OPTIONS,
    type: { type: 'string' },
    body: { type: 'string' },
    header: { type: 'string', multiple: true },
    iccid: { type: 'string' },
    imsi: { type: 'string' },
    ip: { type: 'string' },
    retry: { type: 'string' },
    retries: { type: 'string' },
    'retry-delay': { type: 'string' },
    timeout: { type: 'string' },
    method: { type: 'string' },
    'allow-private': { type: 'boolean' },
  } }));
  if (values.help) return io.stdout(HELP['send'] as string), EXIT.OK;
  const profile = profileFrom(values);
  if (positionals.length !== 1) throw new UsageError('send takes exactly one URL.');
  const url = positionals[0] as string;
  const { body, type } = await bodyFrom(values, profile, io);
  const headers: Record<string, string> = {};
  for (const header of (values.header as string[] | undefined) ?? []) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header takes "Name: value"; got "${header}".`);
    headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
  }
  const timeoutMs = numberOption(values, 'timeout', { min: 1 });
  const retries = numberOption(values, 'retries', { min: 0 });
  const retryDelay = numberOption(values, 'retry-delay', { min: 1 });
  let retryPolicy: string | RetryPolicy | undefined = values.retry;
  if (retries !== undefined) {
    try {
      retryPolicy = customRetryPolicy({ retries, initialDelayMs: retryDelay ?? 10_000 });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (values.secret !== undefined) {
    io.stderr('devicehook: warning: --secret is visible to other users of this machine (ps) for as long as send runs; use --secret-file or DEVICEHOOK_SECRET.');
  }
  let config: PreparedDelivery;
  try {
    config = prepareDelivery({
      url,
      vendor: profile.id,
      secrets: secretsFrom(values, io),
      schemeOptions: schemeOptionsFrom(values),
      headers,
      ...(retryPolicy !== undefined ? { retryPolicy } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(values.method !== undefined ? { method: String(values.method).toUpperCase() as 'POST' } : {}),
    });
  } catch (error) {
    // A configuration that cannot work is a usage error (exit 2), before anything is sent.
    throw isDeliveryError(error) ? new UsageError(error.message) : error;
  }
  // The flags first, then the device of the event the body stands for.
  const event = typeof body === 'object' ? profile.normalize(body as Record<string, unknown>, headerLookup({})) : undefined;
  const given: PlaceholderValues = { iccid: values.iccid, imsi: values.imsi, ip: values.ip };
  const placeholders = placeholdersOf(event, given);

  let host: string;
  try {
    host = new URL(url.replace(/:(iccid|imsi|ip):/g, 'x')).hostname;
  } catch {
    throw new UsageError(`"${redactUrl(url)}" is not a valid URL.`);
  }
  const ssrfGuard = !values['allow-private'] && !isExplicitlyLocalHost(host);
  const transport = createNodeTransport({ ssrfGuard });
  if (!values.json) io.stdout(`sending ${profile.label} "${type}" to ${redactUrl(url)} (retry policy: ${config.retryPolicy.label})`);
  try {
    const result = await deliver(
      { config, body, placeholders, ...(io.signal ? { signal: io.signal } : {}) },
      { transport, sleep: nodeSleep, onAttempt: (a) => values.json || io.stdout(describeAttempt(a)) },
    );
    if (values.json) io.stdout(JSON.stringify(result, null, 2));
    else io.stdout(result.delivered ? `delivered after ${result.attempts.length} attempt(s)` : `not delivered (${result.outcome}): ${result.error}`);
    return result.delivered ? EXIT.OK : EXIT.FAILED;
  } finally {
    transport.close();
  }
}

async function signCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = usage(() => parseArgs({ args, allowPositionals: true, strict: true, options: { ...COMMON, ...SCHEME_OPTIONS, type: { type: 'string' }, body: { type: 'string' } } }));
  if (values.help) return io.stdout(HELP['sign'] as string), EXIT.OK;
  const profile = profileFrom(values);
  const secret = secretsFrom(values, io)[0];
  if (!secret) throw new UsageError('A secret is required to sign: --secret-file FILE, --secret S, or DEVICEHOOK_SECRET.');
  const { body } = await bodyFrom(values, profile, io);
  let signed: ReturnType<typeof sign>;
  try {
    signed = sign({ vendor: profile.id, body, secret, options: schemeOptionsFrom(values) });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.json) io.stdout(JSON.stringify({ headers: signed.headers, body: signed.body.toString('utf8') }, null, 2));
  else {
    // No newline after the body: what is printed is exactly what is signed, so it can be captured and verified.
    io.write(`${Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n`);
    io.write(signed.body);
  }
  return EXIT.OK;
}

/** Splits a captured request: optional request line, header lines, blank line, then the body bytes exactly. */
export function parseCapturedRequest(bytes: Buffer): { headers: Record<string, string[]>; body: Buffer } {
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.indexOf('\n\n');
  const [end, gap] = crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, 4] : lf >= 0 ? [lf, 2] : [bytes.length, 0];
  const headers: Record<string, string[]> = {};
  const lines = bytes.subarray(0, end).toString('utf8').split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (index === 0 && /^[A-Z]+ \S+( HTTP\/[\d.]+)?$/.test(line)) continue; // "POST /hook HTTP/1.1"
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UsageError(`Line ${index + 1} of the capture is not a header ("Name: value"): "${line.slice(0, 60)}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  return { headers, body: bytes.subarray(end + gap) };
}

async function verifyCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = usage(() => parseArgs({ args, allowPositionals: true, strict: true, options: {
    ...COMMON,
    ...SCHEME_OPTIONS,
    'allow-unsigned': { type: 'boolean' },
    tolerance: { type: 'string' },
    now: { type: 'string' },
    strict: { type: 'boolean' },
  } }));
  if (values.help) return io.stdout(HELP['verify'] as string), EXIT.OK;
  const profile = profileFrom(values);
  if (positionals.length > 1) throw new UsageError('verify takes one capture file, or - for standard input.');
  const secrets = secretsFrom(values, io);
  if (secrets.length === 0) {
    throw new UsageError(`verify needs the ${profile.label} secret: --secret-file FILE, --secret S, or DEVICEHOOK_SECRET. Without one nothing can be verified.`);
  }
  const toleranceSeconds = numberOption(values, 'tolerance', { min: 1 });
  const nowSeconds = numberOption(values, 'now', { min: 1, fraction: true });
  const source = positionals[0] ?? '-';
  let bytes: Buffer;
  try {
    bytes = source === '-' ? await io.readStdin() : readFileSync(source);
  } catch (error) {
    throw new UsageError(`Cannot read ${source}: ${(error as Error).message}`);
  }
  const captured = parseCapturedRequest(bytes);
  const result = verify({
    vendor: profile.id,
    rawBody: captured.body,
    headers: captured.headers,
    secrets,
    options: {
      allowUnsigned: Boolean(values['allow-unsigned']),
      strictSchema: Boolean(values.strict),
      scheme: schemeOptionsFrom(values),
      ...(toleranceSeconds !== undefined ? { toleranceSeconds } : {}),
      ...(nowSeconds !== undefined ? { now: nowSeconds * 1000 } : {}),
    },
  });
  // A secret that is only an unset ${VAR}, or options the core refuses: a configuration error, not a verdict.
  if (!result.ok && (result.code === 'not_configured' || (result.code === 'invalid_input' && /^options\./.test(result.message)))) {
    throw new UsageError(result.message);
  }
  if (values.json) io.stdout(JSON.stringify(result, null, 2));
  else if (result.ok) {
    const e = result.event;
    const device = e.device.name ?? e.device.serialNumber ?? e.device.iccid ?? e.device.id;
    io.stdout(`verified (${result.authentication}): ${profile.label} "${e.type}" (${e.typeLabel})${device ? ` from ${device}` : ''}${e.id ? `, id ${e.id}` : ''}`);
  } else {
    const newline = result.code === 'signature_mismatch' && captured.body[captured.body.length - 1] === 0x0a;
    io.stdout(`not verified: ${result.status} ${result.code}: ${result.message}${newline ? ' (The captured body ends with a newline: if an editor added it, remove it.)' : ''}`);
  }
  return result.ok ? EXIT.OK : EXIT.FAILED;
}

function vendorsCommand(args: string[], io: CliIO): number {
  const { values, positionals } = usage(() => parseArgs({ args, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } } }));
  if (values.help) return io.stdout(HELP['vendors'] as string), EXIT.OK;
  if (positionals.length === 0) {
    if (values.json) io.stdout(JSON.stringify(vendorIds.map((id) => ({ id, label: vendors[id].label, eventTypes: vendors[id].eventTypes.length }))));
    else for (const id of vendorIds) io.stdout(`${id.padEnd(18)} ${vendors[id].label} — ${vendors[id].eventTypes.length} event types`);
    return EXIT.OK;
  }
  const profile = profileFrom({ vendor: positionals[0] });
  if (values.json) io.stdout(JSON.stringify({ id: profile.id, label: profile.label, scheme: profile.scheme.description, eventTypes: profile.eventTypes, retryPolicy: profile.retryPolicy }, null, 2));
  else {
    io.stdout(`${profile.label} (${profile.id})\nscheme: ${profile.scheme.description}\nretry: ${profile.retryPolicy.description}\ntype field: ${profile.typeField}`);
    for (const t of profile.eventTypes) io.stdout(`  ${t.value.padEnd(32)} ${t.label}`);
  }
  return EXIT.OK;
}

/** Runs the CLI; returns the exit code. Errors are printed in one clear line. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'send':
        return await send(args, io);
      case 'sign':
        return await signCommand(args, io);
      case 'verify':
        return await verifyCommand(args, io);
      case 'vendors':
        return vendorsCommand(args, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(HELP['main'] as string);
        return command === undefined ? EXIT.USAGE : EXIT.OK;
      default:
        throw new UsageError(`Unknown command "${command}". Run "devicehook --help".`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`devicehook: ${error.message}`);
      return EXIT.USAGE;
    }
    io.stderr(`devicehook: ${redactUrlsIn(error instanceof Error ? error.message : String(error))}`);
    return EXIT.FAILED;
  }
}

/** Entry point of the `devicehook` binary. */
export async function main(): Promise<void> {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const code = await runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(`${text}\n`),
    write: (bytes) => process.stdout.write(bytes),
    stderr: (text) => process.stderr.write(`${text}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    signal: controller.signal,
    env: process.env,
  });
  process.exitCode = code;
}

