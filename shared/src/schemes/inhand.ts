/**
 * InHand's scheme (Device Manager and InCloud Manager): `X-Signature` = base64 HMAC-SHA256 of
 * Python's `json.dumps(data, ensure_ascii=False)` of the parsed body. Their Java backend may sign compact
 * JSON instead, and a sender may send exactly the signed bytes, so all three forms are accepted.
 * Pure module.
 */
import { compactJsonDumps, pythonJsonDumps } from '../json/lossless-json';
import type { SignatureScheme } from '../types';
import { signHmacHeader, verifyHmacHeader, type HmacHeaderConfig } from './hmac-header';

/** `": ` right after a key: Python's json.dumps separator. */
const PYTHON_SEPARATOR = /": /;

const config: HmacHeaderConfig = {
  algorithm: 'sha256',
  encoding: 'base64',
  header: 'X-Signature',
  prefix: '',
  label: "InHand's X-Signature",
  *bodyForms(input) {
    // Likeliest first, to spend one HMAC where we can: a body with Python's separators was most likely
    // sent as signed; a compact one was most likely re-serialized by someone after signing.
    const looksPythonStyle = PYTHON_SEPARATOR.test(input.text);
    if (looksPythonStyle) yield input.rawBody;
    const python = pythonJsonDumps(input.text);
    if (python !== input.text) yield python;
    if (!looksPythonStyle) yield input.rawBody;
    const compact = compactJsonDumps(input.text);
    if (compact !== input.text && compact !== python) yield compact;
  },
};

export const inhandScheme: SignatureScheme = {
  description:
    'HMAC-SHA256 in base64, header X-Signature, over Python json.dumps(body, ensure_ascii=False) ' +
    '(the raw bytes and compact JSON are accepted too).',
  signatureHeaders: () => ['x-signature'],
  verify: (input) => verifyHmacHeader(input, config),
  sign({ text, secret, textIsVendorForm }) {
    // A Python sender signs json.dumps of its data and sends those very bytes.
    const body = textIsVendorForm ? text : pythonJsonDumps(text);
    return { text: body, headers: { 'Content-Type': 'application/json', 'X-Signature': signHmacHeader(config, secret, body) } };
  },
};
