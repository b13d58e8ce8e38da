/**
 * The family most vendors use: an HMAC of (a form of) the body, written as hex or base64 in one header,
 * optionally with a prefix and a signed timestamp. InHand, Scalefusion, EdgeSense and the generic scheme
 * are configurations of this one verifier. Pure module.
 */
import { JsonSyntaxError, pythonJsonDumps } from '../json/lossless-json';
import {
  DIGEST_BYTES,
  decodeSignature,
  describeSignatureShape,
  hmac,
  macEquals,
  type HmacAlgorithm,
  type SignatureEncoding,
} from '../mac';
import { checkTimestamp, refuse, statusOf } from '../results';
import type { SchemeVerifyInput, SchemeVerifyResult, VerifyFailure } from '../types';

export interface HmacHeaderConfig {
  algorithm: HmacAlgorithm;
  encoding: SignatureEncoding;
  /** Header carrying the signature. */
  header: string;
  /** Text before the signature in the header, e.g. `sha256=`; empty for none. */
  prefix: string;
  /** Header carrying a Unix timestamp that is signed as `${timestamp}.${body}`; undefined for none. */
  timestampHeader?: string;
  /**
   * The forms of the body the sender may have signed, cheapest first. May throw {@link JsonSyntaxError}
   * when a form needs the body parsed. Defaults to the raw bytes alone.
   */
  bodyForms?: (input: SchemeVerifyInput) => Iterable<string | Buffer>;
  /** Where the signature is read when not from `header` alone (EdgeSense also sends it in the body). */
  readSignature?: (input: SchemeVerifyInput) => string[];
  /** Wording for messages, e.g. "InHand's X-Signature". */
  label: string;
  /** The body forms already include Python's json.dumps form, so the mismatch hint need not build it again. */
  formsIncludePython?: boolean;
}

/** Verifies a request under an {@link HmacHeaderConfig}. Never throws. */
export function verifyHmacHeader(input: SchemeVerifyInput, config: HmacHeaderConfig): SchemeVerifyResult {
  const values = config.readSignature ? config.readSignature(input) : input.headers.all(config.header);
  if (values.length === 0) return { ok: false, unsigned: true };
  if (values.length > 1) {
    return refuse('signature_malformed', `The ${config.header} header was sent ${values.length} times; send it once.`);
  }
  // Node's HTTP parser joins a repeated unknown header into one value with ", ", so a doubled header
  // arrives as a single value; hex and base64 never contain a comma, so a comma means several headers.
  if ((values[0] as string).includes(',')) {
    return refuse(
      'signature_malformed',
      `The ${config.header} header was sent ${(values[0] as string).split(',').length} times (joined with commas); send it once.`,
    );
  }
  let signatureText = (values[0] as string).trim();
  if (config.prefix !== '') {
    if (!signatureText.toLowerCase().startsWith(config.prefix.toLowerCase())) {
      return refuse(
        'signature_malformed',
        `${config.label} must start with "${config.prefix}"; got ${describeSignatureShape(signatureText)}. Check the prefix setting.`,
      );
    }
    signatureText = signatureText.slice(config.prefix.length);
  }
  const digestBytes = DIGEST_BYTES[config.algorithm];
  const given = decodeSignature(signatureText, config.encoding, digestBytes);
  if (given === undefined) {
    const expected = config.encoding === 'hex' ? `${digestBytes * 2} hex characters` : `${Math.ceil(digestBytes / 3) * 4} characters of padded base64`;
    return refuse(
      'signature_malformed',
      `${config.label} should be ${expected} (HMAC-${config.algorithm.toUpperCase()}); got ${describeSignatureShape(signatureText)}. ` +
        'Check the encoding, algorithm and prefix settings.',
    );
  }

  let timestampPrefix = '';
  if (config.timestampHeader !== undefined) {
    const timestamp = checkTimestamp(input.headers.get(config.timestampHeader), config.timestampHeader, input.nowMs, input.toleranceSeconds);
    if (!timestamp.ok) return timestamp;
    timestampPrefix = `${timestamp.seconds}.`;
  }
  const secrets = input.secrets;
  try {
    if (config.bodyForms === undefined) {
      // The raw bytes alone (most schemes): no generator to run.
      const content = signedContent(timestampPrefix, input.rawBody);
      for (let s = 0; s < secrets.length; s++) {
        if (macEquals(hmac(config.algorithm, secrets[s] as string, content), given)) return VERIFIED;
      }
    } else {
      for (const body of config.bodyForms(input)) {
        const content = signedContent(timestampPrefix, body);
        for (let s = 0; s < secrets.length; s++) {
          if (macEquals(hmac(config.algorithm, secrets[s] as string, content), given)) return VERIFIED;
        }
      }
    }
  } catch (error) {
    if (error instanceof JsonSyntaxError) return refuse('invalid_json', `The body is not valid JSON: ${error.message}.`);
    throw error;
  }
  // The verdict is settled; only its wording is left. Finding out whether the body was re-serialized
  // costs several more serializations and MACs, so it is done when the message or hint is first read
  // (hosts read it to answer; a caller that only looks at `ok` and `code` never pays for it), once.
  return lazyFailure('signature_mismatch', () => mismatchWording(config, input, timestampPrefix, given));
}

/** Verified, without a message id: one shared answer. */
const VERIFIED: SchemeVerifyResult = Object.freeze({ ok: true as const });

/** What the MAC was computed over: the body, or `${timestamp}.` and the body. */
function signedContent(timestampPrefix: string, body: string | Buffer): string | Buffer {
  return timestampPrefix === '' ? body : Buffer.concat([Buffer.from(timestampPrefix), typeof body === 'string' ? Buffer.from(body) : body]);
}

/**
 * A refusal whose message and hint are computed on first read (then kept). The
 * computation never throws: should it fail, the plain wording is used.
 */
function lazyFailure(code: VerifyFailure['code'], wording: () => Pick<VerifyFailure, 'message' | 'hint'>): VerifyFailure {
  let worded: Pick<VerifyFailure, 'message' | 'hint'> | undefined;
  let compute: (() => Pick<VerifyFailure, 'message' | 'hint'>) | undefined = wording;
  const settle = (): Pick<VerifyFailure, 'message' | 'hint'> => {
    if (worded === undefined) {
      worded = (compute as () => Pick<VerifyFailure, 'message' | 'hint'>)();
      compute = undefined; // drop the body and secrets
    }
    return worded;
  };
  // An object literal with accessors (cheaper to make than defineProperty on every refusal); writing a
  // property works as on a plain object.
  return {
    ok: false,
    status: statusOf(code),
    code,
    get message(): string {
      return settle().message;
    },
    set message(value: string) {
      settle().message = value;
    },
    get hint(): VerifyFailure['hint'] {
      return settle().hint;
    },
    set hint(value: VerifyFailure['hint']) {
      settle().hint = value;
    },
  };
}

/** The message and hint of a signature mismatch: names a re-serialization of the body when one matches. */
function mismatchWording(
  config: HmacHeaderConfig,
  input: SchemeVerifyInput,
  timestampPrefix: string,
  given: Buffer,
): Pick<VerifyFailure, 'message' | 'hint'> {
  const secrets = input.secrets;
  let reserialized: string | undefined;
  try {
    reserialized =
      input.rawBody.length <= HINT_MAX_BYTES
        ? findReserializedForm(
            input.text,
            (body) => secrets.some((secret) => macEquals(hmac(config.algorithm, secret, signedContent(timestampPrefix, body)), given)),
            config.formsIncludePython === true,
          )
        : undefined;
  } catch {
    reserialized = undefined; // only the wording depends on it
  }
  return mismatchMessage(config, reserialized, secrets.length);
}

function mismatchMessage(config: HmacHeaderConfig, reserialized: string | undefined, secretCount: number): Pick<VerifyFailure, 'message' | 'hint'> {
  if (reserialized === TRIMMED) {
    return {
      message:
        `${config.label} does not match the body received, but it matches the body without its leading or trailing whitespace: ` +
        'something added whitespace (a trailing newline?) to the body before verification.',
      hint: 'body_reserialized',
    };
  }
  if (reserialized) {
    return {
      message:
        `${config.label} does not match the body received, but it matches the same JSON ${reserialized}: the body was ` +
        'parsed and re-serialized before verification. Verify the raw request bytes (e.g. express.raw(), "Do not parse request body").',
      hint: 'body_reserialized',
    };
  }
  return {
    message:
      `${config.label} does not match${secretCount > 1 ? ` any of the ${secretCount} secrets` : ' the secret'}: ` +
      'the secret is most likely wrong (or the body was changed on the way).',
    hint: 'secret_or_body',
  };
}

const TRIMMED = 'with surrounding whitespace removed';

/**
 * The mismatch hint re-serializes the body, so it runs only on bodies up to 16 KiB: a misconfigured
 * receiver fails on its first real alert (a few KiB), so the hint reaches everyone it helps, while an
 * unauthenticated sender of a large body gets the plain mismatch without costing us the extra passes
 * (measured by bench/hostile.mjs: with the hint, a 64 KiB hostile body cost up to ~17× JSON.parse).
 */
export const HINT_MAX_BYTES = 16 * 1024;
/**
 * An indented form is built only when it stays within this many times the body's size (plus a little):
 * pretty-printed real payloads are 1.2–2× their compact size, while tiny values nested deep would expand
 * a body many times over (each line carries its depth in spaces).
 */
const INDENT_MAX_GROWTH = 3;

/**
 * The most common reason a correct signature fails: a framework parsed the JSON and the code signed
 * `JSON.stringify(req.body)`. Tries the usual serializations of the same value; names the one that matches.
 * Work is linear in the body: one parse, at most one Python-style pass, and indented forms only when
 * their size (counted first, without building them) stays within {@link INDENT_MAX_GROWTH}× the body.
 */
function findReserializedForm(text: string, matches: (body: string) => boolean, pythonAlreadyTried: boolean): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const budget = INDENT_MAX_GROWTH * text.length + 1024;
  let compactForm: string | undefined;
  let growth: IndentGrowth | undefined;
  const compact = () => (compactForm ??= JSON.stringify(value));
  const indented = (indent: number) => {
    growth ??= indentGrowth(value);
    return compact().length + growth.newlines + indent * growth.indentUnits + growth.members <= budget ? JSON.stringify(value, null, indent) : undefined;
  };
  const forms: Array<[string, () => string | undefined]> = [
    [TRIMMED, () => text.trim()],
    ['in Python json.dumps style', () => (pythonAlreadyTried ? undefined : pythonJsonDumps(text))],
    ['as compact JSON', compact],
    ['indented by 2 spaces', () => indented(2)],
    ['indented by 4 spaces', () => indented(4)],
  ];
  for (const [name, serialize] of forms) {
    try {
      const body = serialize();
      if (body !== undefined && body !== text && matches(body)) return name;
    } catch {
      // A form that cannot be built is simply not the one.
    }
  }
  return undefined;
}

/** What `JSON.stringify(value, null, indent)` adds to the compact form, as a function of `indent`. */
export interface IndentGrowth {
  /** Newlines: one per entry of a non-empty container, plus one before its closing bracket. */
  newlines: number;
  /** Indentation levels written in all: `indent` spaces each. */
  indentUnits: number;
  /** Members of non-empty objects: one space each after the colon. */
  members: number;
}

/**
 * How much longer than the compact form (`JSON.stringify(value)`) the indented forms are, counted without
 * building them: the indented length is `compact + newlines + indent × indentUnits + members`. One walk
 * over the containers for every indent (no strings built, no per-entry allocation), linear in the value.
 */
/** @internal exported for its property test */
export function indentGrowth(root: unknown): IndentGrowth {
  const growth: IndentGrowth = { newlines: 0, indentUnits: 0, members: 0 };
  const values: unknown[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop() as number;
    if (v === null || typeof v !== 'object') continue;
    const items: unknown[] = Array.isArray(v) ? v : Object.values(v);
    if (items.length === 0) continue;
    growth.newlines += items.length + 1;
    growth.indentUnits += items.length * (depth + 1) + depth;
    if (!Array.isArray(v)) growth.members += items.length;
    for (const item of items) {
      if (item !== null && typeof item === 'object') {
        values.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return growth;
}

/** Signs `${timestamp}.${body}` or the body, and writes the header value with its prefix. */
export function signHmacHeader(
  config: Pick<HmacHeaderConfig, 'algorithm' | 'encoding' | 'prefix'>,
  secret: string,
  content: string,
): string {
  return config.prefix + hmac(config.algorithm, secret, content).toString(config.encoding);
}

