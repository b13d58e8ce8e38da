/**
 * HMAC computing and constant-time comparison. Pure module (only `node:crypto`, which n8n allows).
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';

export const DIGEST_BYTES: Record<HmacAlgorithm, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** HMAC of `content` with `key`, as bytes. */
export function hmac(algorithm: HmacAlgorithm, key: string | Buffer, content: string | Buffer): Buffer {
  return createHmac(algorithm, typeof key === 'string' ? secretKey(key) : key).update(content).digest();
}

/**
 * Key objects of the few secrets in use, by their text: createHmac with a string key encodes it to bytes
 * on every call; a KeyObject hands over bytes prepared once. Bounded (cleared when full).
 */
const keyObjects = new Map<string, KeyObject>();

/** The secret's UTF-8 bytes as a KeyObject (what createHmac makes of the string itself). */
export function secretKey(secret: string): KeyObject | string {
  let key = keyObjects.get(secret);
  if (key === undefined) {
    // createSecretKey refuses an empty key, which createHmac takes: leave that to createHmac.
    if (secret === '') return secret;
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    if (keyObjects.size >= 64) keyObjects.clear();
    keyObjects.set(secret, key);
  }
  return key;
}

/** Compares two MACs in constant time; different lengths compare unequal without leaking where. */
export function macEquals(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decodes a signature strictly: hex of the exact digest length (either case), or padded standard base64.
 * Returns undefined for anything else, so a signature in the wrong encoding is told apart from a wrong one.
 */
export function decodeSignature(text: string, encoding: SignatureEncoding, digestBytes: number): Buffer | undefined {
  if (encoding === 'hex') {
    return text.length === digestBytes * 2 && HEX.test(text) ? Buffer.from(text, 'hex') : undefined;
  }
  if (text.length !== Math.ceil(digestBytes / 3) * 4 || !BASE64.test(text)) return undefined;
  // Only the canonical spelling: Node ignores the unused bits of the last character before the padding
  // (2 bits with one "=", 4 with two), which would otherwise give one MAC several accepted encodings.
  const padding = text.charCodeAt(text.length - 1) !== 0x3d ? 0 : text.charCodeAt(text.length - 2) !== 0x3d ? 1 : 2;
  if (padding > 0 && (base64Value(text.charCodeAt(text.length - padding - 1)) & (padding === 1 ? 0b11 : 0b1111)) !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === digestBytes ? bytes : undefined;
}

/** The 6-bit value of a standard base64 character (already checked to be one). */
function base64Value(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41; // A-Z
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26; // a-z
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52; // 0-9
  return c === 0x2b ? 62 : 63; // + /
}

/** Guesses what a malformed signature is, to tell the user which setting is off. */
export function describeSignatureShape(text: string): string {
  if (text.length === 0) return 'an empty value';
  const eq = text.indexOf('=');
  if (/^[a-z0-9]+=/.test(text) && eq > 0 && eq < 10) return `a value with the prefix "${text.slice(0, eq + 1)}"`;
  if (HEX.test(text)) return `${text.length} hex characters`;
  if (/^[A-Za-z0-9_-]+={0,2}$/.test(text) && /[-_]/.test(text)) return `${text.length} characters of base64url`;
  if (BASE64.test(text)) return `${text.length} characters of base64`;
  return `${text.length} characters that are neither hex nor base64`;
}

/** Encodes a MAC the way a scheme sends it. */
export function encodeSignature(mac: Buffer, encoding: SignatureEncoding): string {
  return mac.toString(encoding);
}
