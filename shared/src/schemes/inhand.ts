/**
 * InHand's scheme (Device Manager and InCloud Manager): `X-Signature` = base64 HMAC-SHA256 of
 * Python's `json.dumps(data, ensure_ascii=False)` of the parsed body. Their Java backend may sign compact
 * JSON instead, and a sender may send exactly the signed bytes, so all three forms are accepted.
 * Pure module.
 */
import { compactBytesFromPythonForm, NotSignableError, pythonJsonDumps, pythonJsonDumpsBytes, type ReserializeOptions } from '../json/lossless-json';
import type { SignatureScheme } from '../types';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderConfig } from './hmac-header';

/** `": ` right after a key: Python's json.dumps separator. */
const PYTHON_SEPARATOR = '": ';
/** A `\uD800`–`\uDFFF` escape (or a backslash-u run that looks like one; the scanner decides exactly). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
/** The forms we compute are the ones a sender signed, so they must stand for exactly one parsed body. */
const SIGNABLE: ReserializeOptions = { signable: true };

const config: HmacHeaderConfig = {
  algorithm: 'sha256',
  encoding: 'base64',
  header: 'X-Signature',
  prefix: '',
  label: "InHand's X-Signature",
  formsIncludePython: true,
  /**
   * One form at a time, likeliest first, each computed only when the ones before it did not match (the
   * caller stops at the first match). The Python form is one linear pass of the scanner; the compact
   * form one pass over its bytes.
   *
   * Injective: a body with a lone surrogate escape is refused before any MAC, as Python refuses it
   * (`json.dumps(…).encode('utf-8')` raises), so no signature covers both it and the body with U+FFFD;
   * an integer `-0` is refused when the match would need a re-serialized form (which says `0`), so one
   * signature never stands for both `0` and `-0`. The scanner's key identity is exact.
   */
  *bodyForms(input) {
    const text = input.text;
    // A body with Python's separators was most likely sent as signed; a compact one was most likely
    // re-serialized by someone after signing.
    const rawFirst = text.includes(PYTHON_SEPARATOR);
    // Decoding replaced nothing, so the received bytes are the text's UTF-8: the scanner reads them directly.
    const textBytes = text.includes('\ufffd') ? Buffer.from(text, 'utf8') : input.rawBody;
    let python: Buffer | NotSignableError | undefined;
    const pythonForm = () => (python ??= signedForm(text, textBytes));
    // A lone surrogate is refused before any MAC. When the raw bytes come first, only a body that may hold
    // one is scanned before them; otherwise the form comes first anyway and says so itself.
    if (rawFirst && text.includes('\\u') && SURROGATE_ESCAPE.test(text)) {
      const form = pythonForm();
      if (form instanceof NotSignableError && form.reason === 'lone_surrogate') throw form;
    }
    if (rawFirst) yield input.rawBody;
    const form = pythonForm();
    if (form instanceof NotSignableError) {
      if (form.reason === 'lone_surrogate') throw form;
      // An integer -0: only the raw bytes may be what was signed.
      if (!rawFirst) yield input.rawBody;
      throw form;
    }
    if (!form.equals(textBytes)) yield form;
    if (!rawFirst) yield input.rawBody;
    // The same value with compact separators: derived from the Python form, not scanned again.
    const compact = compactBytesFromPythonForm(form);
    // Only spaces are removed, so the same length means the same bytes.
    if (!compact.equals(input.rawBody) && compact.length !== form.length) yield compact;
  },
};

/** The form's UTF-8 bytes, or the reason the body has none (other syntax errors are thrown). */
function signedForm(text: string, textBytes: Buffer): Buffer | NotSignableError {
  try {
    return pythonJsonDumpsBytes(text, textBytes, SIGNABLE);
  } catch (error) {
    if (error instanceof NotSignableError) return error;
    throw error;
  }
}

export const inhandScheme: SignatureScheme = {
  description:
    'HMAC-SHA256 in base64, header X-Signature, over Python json.dumps(body, ensure_ascii=False) ' +
    '(the raw bytes and compact JSON are accepted too).',
  signatureHeaders: () => ['x-signature'],
  keepsMessageIdAcrossRetries: false,
  needsReplayProtection: false,
  settings: [],
  verify: (input) => verifyHmacHeader(input, config),
  sign({ text, secret, textIsVendorForm }) {
    // A Python sender signs json.dumps of its data and sends those very bytes.
    const body = textIsVendorForm ? text : pythonJsonDumps(text);
    return { text: body, headers: { 'Content-Type': 'application/json', 'X-Signature': signHmacHeader(config, secret, body) } };
  },
};
