/**
 * Lossless JSON re-serialization, reproducing Python's `json.dumps(json.loads(text), ensure_ascii=False)`
 * byte for byte without ever going through `JSON.parse`.
 *
 * Why not `JSON.stringify(JSON.parse(text))`: it loses integers past 2^53, prints `1e5` as `100000`
 * where Python prints `100000.0`, moves integer-like keys (`"10"`) to the front of the object, and keeps
 * no record of `-0` vs `-0.0`. InHand signs the Python form of the body it parsed, so we must reproduce
 * Python exactly; a single forward scan over the source text does that and is fast enough to run on
 * every request.
 *
 * Pure module: no I/O, no timers, no globals — n8n may load it.
 */

/** Raised when the text is not JSON that Python's `json.loads` accepts. */
export class JsonSyntaxError extends SyntaxError {
  /** Offset (UTF-16 code units) in the source text where the problem was found. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = 'JsonSyntaxError';
    this.position = position;
  }
}

/** Options shared by the re-serializers. */
export interface ReserializeOptions {
  /**
   * Deepest nesting accepted. Python's own decoder gives up near its recursion limit (1000);
   * we refuse past this depth instead of risking a stack overflow anywhere downstream.
   * @defaultValue 1000
   */
  maxDepth?: number;
  /**
   * Refuse (with {@link NotSignableError}) what has no faithful signed form, so that one signed form
   * stands for exactly one parsed value:
   * - a lone surrogate (escaped `\ud800` without its other half, or an unpaired one in a JS string):
   *   Python's `json.dumps(…, ensure_ascii=False).encode('utf-8')` raises on it, so no Python sender
   *   signed such a body; and as UTF-8 it would become U+FFFD, the form of a different body;
   * - the integer `-0`: Python prints it `0` (the form of the body with `0`) while JavaScript parses it
   *   as `-0`. No sender writes it (Python prints `0`, Java has no integer -0); `-0.0` is a float and fine.
   * @defaultValue false
   */
  signable?: boolean;
}

/** Thrown in {@link ReserializeOptions.signable} mode for a body with no faithful signed form. */
export class NotSignableError extends JsonSyntaxError {
  /** `lone_surrogate` whenever the body holds one (it wins over an integer -0). */
  readonly reason: 'lone_surrogate' | 'negative_zero';
  constructor(message: string, position: number, reason: 'lone_surrogate' | 'negative_zero') {
    super(message, position);
    this.name = 'NotSignableError';
    this.reason = reason;
  }
}

/** Python 3.11+ refuses to convert integers with more digits than this (`sys.int_info.default_max_str_digits`). */
const PYTHON_MAX_INT_DIGITS = 4300;
const DEFAULT_MAX_DEPTH = 1000;

/**
 * Exactly Python's `json.dumps(json.loads(text), ensure_ascii=False)`:
 * separators `", "` and `": "`, keys in received order (a duplicated key keeps its first position and its
 * last value), non-ASCII characters raw, control characters as lower-case `\u00XX`, `/` and U+2028 not
 * escaped, numbers as Python prints them (`1e5` → `100000.0`, `0.00001` → `1e-05`, `-0` → `0`,
 * integers of any size exact). Accepts what Python accepts, including `NaN`, `Infinity` and `-Infinity`.
 *
 * One pass over the text, linear in its length whatever it holds (duplicate keys, nesting, escapes).
 *
 * @throws {@link JsonSyntaxError} when Python's `json.loads` would refuse the text.
 * @example
 * pythonJsonDumps('{"a":1e5,"b":[1.0,"é"]}') // '{"a": 100000.0, "b": [1.0, "é"]}'
 */
export function pythonJsonDumps(text: string, options?: ReserializeOptions): string {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  const signable = options?.signable === true;
  const length = fastFromText(text, true, maxDepth);
  if (length >= 0) return releaseLarge(unitsToString(length));
  releaseLarge(undefined);
  return reserialize(text, ', ', ': ', maxDepth, signable);
}

/**
 * {@link pythonJsonDumps} as UTF-8 bytes (what is signed). `bytes`, when given, must be the UTF-8 encoding
 * of `text` (e.g. the request body it was decoded from, when the decoding replaced nothing): the common case
 * is then read straight from the bytes, without encoding the text again.
 *
 * @throws {@link JsonSyntaxError} when Python's `json.loads` would refuse the text.
 */
export function pythonJsonDumpsBytes(text: string, bytes?: Uint8Array, options?: ReserializeOptions): Buffer {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  const source = bytes ?? Buffer.from(text, 'utf8');
  // Lone surrogates cannot travel in UTF-8: left to the slow path.
  const length = bytes === undefined && SURROGATE.test(text) && LONE_SURROGATE_ONCE.test(text) ? -1 : fastReserializeBytes(source, source.length, true, maxDepth);
  if (length >= 0) return releaseLarge(Buffer.from((fastTarget as Uint8Array).subarray(0, length)));
  releaseLarge(undefined);
  return Buffer.from(reserialize(text, ', ', ': ', maxDepth, options?.signable === true), 'utf8');
}

/**
 * Python's `json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))`: the same value
 * forms as {@link pythonJsonDumps} with no whitespace — the compact form a non-Python backend signs.
 *
 * @throws {@link JsonSyntaxError} when Python's `json.loads` would refuse the text.
 */
export function compactJsonDumps(text: string, options?: ReserializeOptions): string {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  const length = fastFromText(text, false, maxDepth);
  if (length >= 0) return releaseLarge(unitsToString(length));
  releaseLarge(undefined);
  return reserialize(text, ',', ':', options?.maxDepth ?? DEFAULT_MAX_DEPTH, options?.signable === true);
}

/**
 * The frame scanner alone, without the fast path: what {@link pythonJsonDumps} (`python`) and
 * {@link compactJsonDumps} fall back to. For tests that hold the two to the same output.
 * @internal
 */
export function referenceJsonDumps(text: string, python: boolean, options?: ReserializeOptions): string {
  return reserialize(text, python ? ', ' : ',', python ? ': ' : ':', options?.maxDepth ?? DEFAULT_MAX_DEPTH, options?.signable === true);
}

/**
 * The UTF-8 bytes of the compact form (as {@link compactJsonDumps} prints it) of a text that
 * {@link pythonJsonDumps} printed, in one pass over bytes instead of a second scan: in Python's output,
 * `", "` and `": "` outside strings are exactly the separators, and strings are `"…"` with backslash
 * escapes. (A string with a lone surrogate becomes U+FFFD, as any UTF-8 encoding of it does.)
 */
export function compactBytesFromPythonForm(python: string | Uint8Array): Buffer {
  const source = typeof python === 'string' ? Buffer.from(python, 'utf8') : python;
  const out = Buffer.allocUnsafe(source.length);
  let o = 0;
  let inString = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as number;
    out[o++] = c;
    if (inString) {
      if (c === CH_BACKSLASH) out[o++] = source[++i] as number;
      else if (c === CH_QUOTE) inString = false;
    } else if (c === CH_QUOTE) {
      inString = true;
    } else if ((c === CH_COMMA || c === CH_COLON) && source[i + 1] === 32) {
      i++;
    }
  }
  return out.subarray(0, o);
}

/**
 * One open array or object. Each container builds its own output and hands it to its parent when it
 * closes. An object keeps one slot per distinct key, in order of first appearance (Python's dict): a
 * duplicated key overwrites its slot's value as it is read — no re-reading, no re-ordering, no copy.
 * Frames are reused by depth, so many tiny objects cost no allocation of their own.
 *
 * Output is joined into flat strings ({@link joinParts}), except that a part of {@link LONG_PART} characters
 * or more is kept by reference (V8 then makes a rope): so a byte is copied only while the text around it is
 * short, and memory stays near the size of the output instead of a rope node per token.
 */
class Frame {
  isObject = false;
  /** Arrays: the output so far, in pieces (the opening bracket, items and separators). */
  readonly parts: string[] = [];
  /** Arrays: items so far. */
  count = 0;
  /** Objects, per slot: the key's identity (equal exactly when Python's keys are equal). */
  readonly keys: string[] = [];
  /** Objects, per slot: the key as Python prints it (its first spelling; equal keys print alike). */
  readonly printedKeys: string[] = [];
  /** Objects, per slot: the last value read for the key, as Python prints it. */
  readonly values: string[] = [];
  /** Objects with more than {@link LINEAR_KEYS} distinct keys: identity → slot. */
  slotOf: Map<string, number> | null = null;
  /** Objects: the slot of the member being read. */
  slot = 0;
  /**
   * Signable mode: the first reason this container has no faithful signed form. Arrays: from any item;
   * objects: from any key (every distinct key survives), while a value's reason counts only while the value
   * is its key's last — Python (and JSON.parse) drop the earlier values of a key.
   */
  issue: Issue | null = null;
  /** Objects, per slot: the reason of the slot's value, or null; null itself while no value has one. */
  valueIssues: Array<Issue | null> | null = null;
  /** Set by {@link close}: the reason of the container just closed. */
  closedIssue: Issue | null = null;

  /** A frame is new or was emptied by {@link close}. */
  open(isObject: boolean): void {
    this.isObject = isObject;
    this.issue = null;
    if (!isObject) {
      this.parts.push('[');
      this.count = 0;
    }
  }

  add(value: string, issue: Issue | null, itemSep: string): void {
    if (this.isObject) {
      this.values[this.slot] = value;
      if (issue !== null) (this.valueIssues ??= [])[this.slot] = issue;
      else if (this.valueIssues !== null) this.valueIssues[this.slot] = null;
    } else {
      this.issue = worse(this.issue, issue);
      const parts = this.parts;
      if (this.count++ > 0) parts.push(itemSep);
      parts.push(value);
      // Long arrays are joined as they grow, so their pieces do not pile up until the close.
      if (parts.length >= FLUSH_PARTS) {
        const joined = joinParts(parts);
        parts.length = 0;
        parts.push(joined);
      }
    }
  }

  /** Finds or makes the slot of a key; the value read next goes there. */
  addKey(identity: string, printed: string, issue: Issue | null): void {
    const keys = this.keys;
    this.issue = worse(this.issue, issue);
    let slot = -1;
    if (this.slotOf === null) {
      for (let k = 0; k < keys.length; k++) {
        if (keys[k] === identity) {
          slot = k;
          break;
        }
      }
      if (slot === -1 && keys.length === LINEAR_KEYS) {
        this.slotOf = new Map();
        for (let k = 0; k < keys.length; k++) this.slotOf.set(keys[k] as string, k);
      }
    } else {
      slot = this.slotOf.get(identity) ?? -1;
    }
    if (slot === -1) {
      slot = keys.length;
      keys.push(identity);
      this.printedKeys.push(printed);
      this.values.push('');
      this.slotOf?.set(identity, slot);
    }
    this.slot = slot;
  }

  /** The container's whole output (its reason, if any, in {@link closedIssue}); frees the references it held. */
  close(itemSep: string, keySep: string): string {
    let text: string;
    if (!this.isObject) {
      this.parts.push(']');
      text = joinParts(this.parts);
      this.parts.length = 0;
    } else {
      const { printedKeys, values } = this;
      const parts = scratchParts;
      parts.length = 0;
      parts.push('{');
      for (let k = 0; k < values.length; k++) {
        if (k > 0) parts.push(itemSep);
        parts.push(printedKeys[k] as string, keySep, values[k] as string);
      }
      parts.push('}');
      text = joinParts(parts);
      parts.length = 0;
      for (const valueIssue of this.valueIssues ?? []) this.issue = worse(this.issue, valueIssue ?? null);
      this.keys.length = 0;
      this.printedKeys.length = 0;
      this.values.length = 0;
      this.slotOf = null;
      this.valueIssues = null;
    }
    this.closedIssue = this.issue;
    return text;
  }
}

/** Up to this many distinct keys, an object finds a key's slot by a linear scan; past it, by a Map. */
const LINEAR_KEYS = 16;
/** A part this long is not copied into its container's output but kept by reference. */
const LONG_PART = 1024;
/** An array's pieces are joined whenever this many have piled up. */
const FLUSH_PARTS = 1024;
/** Reused by every object's close (closes never nest). */
const scratchParts: string[] = [];

/**
 * The concatenation of `parts`: runs of short parts joined into flat strings (one copy each), long parts
 * appended by reference (a rope node, no copy).
 */
function joinParts(parts: string[]): string {
  let out = '';
  let runStart = 0;
  let hasLong = false;
  for (let k = 0; k < parts.length; k++) {
    if ((parts[k] as string).length < LONG_PART) continue;
    hasLong = true;
    if (k > runStart) out += k - runStart === 1 ? (parts[runStart] as string) : parts.slice(runStart, k).join('');
    out += parts[k] as string;
    runStart = k + 1;
  }
  if (!hasLong) return parts.join('');
  if (runStart < parts.length) out += parts.length - runStart === 1 ? (parts[runStart] as string) : parts.slice(runStart).join('');
  return out;
}

/** Why a value has no faithful signed form, and where (turned into a {@link NotSignableError} only at the end). */
interface Issue {
  message: string;
  position: number;
  kind: 'lone_surrogate' | 'negative_zero';
}

/** The issue to report: the first one, except that a lone surrogate wins over an integer -0. */
function worse(current: Issue | null, next: Issue | null): Issue | null {
  if (next === null) return current;
  if (current === null || (current.kind === 'negative_zero' && next.kind === 'lone_surrogate')) return next;
  return current;
}

const CH_QUOTE = 34;
const CH_BACKSLASH = 92;
const CH_MINUS = 45;
const CH_LBRACE = 123;
const CH_RBRACE = 125;
const CH_LBRACKET = 91;
const CH_RBRACKET = 93;
const CH_COMMA = 44;
const CH_COLON = 58;

function isJsonWhitespace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && isJsonWhitespace(text.charCodeAt(i))) i++;
  return i;
}

/** Per call of {@link reserialize}. */
interface ScanState {
  /** The text holds a surrogate code unit written raw (not escaped): only a JS string can. */
  rawSurrogates: boolean;
  /** …and one of them is unpaired. */
  rawLoneSurrogates: boolean;
  signable: boolean;
}

function reserialize(text: string, itemSep: string, keySep: string, maxDepth: number, signable: boolean): string {
  const rawSurrogates = SURROGATE.test(text);
  const state: ScanState = { rawSurrogates, rawLoneSurrogates: rawSurrogates && LONE_SURROGATE_ONCE.test(text), signable };
  const frames: Frame[] = [];
  let depth = 0;
  let i = skipWhitespace(text, 0);
  let value: string;
  let issue: Issue | null;

  // Each turn of this loop reads one value at `i`, then closes every container that ends after it.
  for (;;) {
    const c = text.charCodeAt(i);
    issue = null;
    if (c === CH_LBRACE || c === CH_LBRACKET) {
      const isObject = c === CH_LBRACE;
      i = skipWhitespace(text, i + 1);
      if (text.charCodeAt(i) === (isObject ? CH_RBRACE : CH_RBRACKET)) {
        value = isObject ? '{}' : '[]';
        i++;
      } else {
        if (depth >= maxDepth) throw new JsonSyntaxError(`Nesting deeper than ${maxDepth} levels`, i);
        const frame = frames[depth] ?? (frames[depth] = new Frame());
        depth++;
        frame.open(isObject);
        if (isObject) i = readKey(text, i, frame, state);
        continue;
      }
    } else if (c === CH_QUOTE) {
      const end = findStringEnd(text, i);
      value = stringEscaped ? pythonStringFromEscaped(text, i, end) : text.slice(i, end);
      if (signable) issue = stringIssue(text, i, end, value, state);
      i = end;
    } else if (c === CH_MINUS || (c >= 48 && c <= 57)) {
      value = readNumber(text, i);
      if (signable && numberWasNegativeZeroInteger) issue = { message: NEGATIVE_ZERO_MESSAGE, position: i, kind: 'negative_zero' };
      i = numberEnd;
    } else {
      value = readLiteral(text, i);
      i += value.length;
    }

    // After a value: a comma moves on to the next item, a closing bracket ends the container.
    for (;;) {
      i = skipWhitespace(text, i);
      if (depth === 0) {
        if (i !== text.length) throw new JsonSyntaxError('Extra data after the JSON value', i);
        // Only now, so that a text Python refuses is refused as Python does (JsonSyntaxError) first.
        if (issue !== null) throw new NotSignableError(issue.message, issue.position, issue.kind);
        return value;
      }
      const frame = frames[depth - 1] as Frame;
      frame.add(value, issue, itemSep);
      const d = text.charCodeAt(i);
      if (d === CH_COMMA) {
        i = skipWhitespace(text, i + 1);
        if (frame.isObject) i = readKey(text, i, frame, state);
        break;
      }
      if (d === (frame.isObject ? CH_RBRACE : CH_RBRACKET)) {
        i++;
        depth--;
        value = frame.close(itemSep, keySep);
        issue = frame.closedIssue;
        continue;
      }
      throw new JsonSyntaxError(
        frame.isObject ? "Expecting ',' delimiter or '}'" : "Expecting ',' delimiter or ']'",
        i,
      );
    }
  }
}

/**
 * Signable mode: the reason the string literal text[start, end) (printed by Python as `printed`) has no
 * faithful signed form, or null. A lone surrogate survives into `printed` unless it was raw and next to
 * an escaped one, which decoding joined into a pair that Python keeps apart — hence the source check.
 */
function stringIssue(text: string, start: number, end: number, printed: string, state: ScanState): Issue | null {
  let lone = SURROGATE.test(printed) ? LONE_SURROGATE_ONCE.exec(printed) : null;
  if (lone === null && state.rawLoneSurrogates) lone = LONE_SURROGATE_ONCE.exec(text.slice(start, end));
  return lone === null ? null : { message: loneSurrogateMessage(lone[0]), position: start, kind: 'lone_surrogate' };
}

/**
 * Reads `"key" :` at `i`, records the key's identity and printed form on the frame,
 * and returns the offset of the member's value.
 */
function readKey(text: string, i: number, frame: Frame, state: ScanState): number {
  if (text.charCodeAt(i) !== CH_QUOTE) {
    throw new JsonSyntaxError('Expecting property name enclosed in double quotes', i);
  }
  const end = findStringEnd(text, i);
  let printed: string;
  let identity: string;
  if (stringEscaped) {
    const decoded = decodeValidatedString(text, i, end);
    printed = encodePythonString(decoded);
    identity = SURROGATE.test(decoded) ? keyIdentity(text, i, end) : printed;
  } else {
    printed = text.slice(i, end);
    identity = state.rawSurrogates && SURROGATE.test(printed) ? keyIdentity(text, i, end) : printed;
  }
  const colon = skipWhitespace(text, end);
  if (text.charCodeAt(colon) !== CH_COLON) throw new JsonSyntaxError("Expecting ':' delimiter", colon);
  // A key holding a lone code point is identified by a string starting with an unpaired U+DC00.
  const issue = state.signable && identity.charCodeAt(0) === 0xdc00 ? { message: LONE_KEY_MESSAGE, position: i, kind: 'lone_surrogate' as const } : null;
  frame.addKey(identity, printed, issue);
  return skipWhitespace(text, colon + 1);
}

/**
 * Set by {@link findStringEnd}: whether the string it just read holds a backslash escape
 * (without one, the source text is already Python's output).
 */
let stringEscaped = false;

/**
 * Returns the offset just past the closing quote of the string starting at `start`.
 * Rejects what Python's strict decoder rejects: raw control characters and bad escapes.
 */
function findStringEnd(text: string, start: number): number {
  let i = start + 1;
  const n = text.length;
  stringEscaped = false;
  while (i < n) {
    // Skip the run of plain characters with the regex engine (compiled to native code), then look
    // at what stopped it: the closing quote, an escape, or a control character.
    PLAIN_RUN.lastIndex = i;
    PLAIN_RUN.test(text);
    i = PLAIN_RUN.lastIndex;
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === CH_QUOTE) return i + 1;
    if (c === CH_BACKSLASH) {
      stringEscaped = true;
      const e = text.charCodeAt(i + 1);
      if (e === 117 /* u */) {
        if (!isHex4(text, i + 2)) throw new JsonSyntaxError('Invalid \\uXXXX escape', i);
        i += 6;
        continue;
      }
      if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
        i += 2;
        continue;
      }
      throw new JsonSyntaxError('Invalid \\escape', i);
    }
    throw new JsonSyntaxError('Invalid control character', i);
  }
  throw new JsonSyntaxError('Unterminated string starting', start);
}

/** A run of characters that stand for themselves inside a JSON string. */
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;

function isHex4(text: string, at: number): boolean {
  if (at + 4 > text.length) return false;
  for (let k = at; k < at + 4; k++) {
    const c = text.charCodeAt(k);
    const hex = (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
    if (!hex) return false;
  }
  return true;
}

/**
 * The code units of the string literal text[start, end), already validated by {@link findStringEnd}.
 * The escapes JSON and Python share mean the same code units in both (an escaped high + low surrogate
 * pair is one character, a lone escaped surrogate stays lone), so the engine's native decoder does it.
 */
function decodeValidatedString(text: string, start: number, end: number): string {
  return JSON.parse(text.slice(start, end)) as string;
}

/** Python's output for the validated string literal text[start, end) holding an escape. */
function pythonStringFromEscaped(text: string, start: number, end: number): string {
  return encodePythonString(decodeValidatedString(text, start, end));
}

function loneSurrogateMessage(unit: string): string {
  return (
    `Lone surrogate \\u${unit.charCodeAt(0).toString(16)} (Python's json.dumps cannot encode it to UTF-8, ` +
    'so no sender signed it; refused)'
  );
}

const LONE_KEY_MESSAGE = "Lone surrogate in a key (Python's json.dumps cannot encode it to UTF-8, so no sender signed it; refused)";
const NEGATIVE_ZERO_MESSAGE = 'Integer -0 (Python signs it as 0, the form of a different body, while it parses as -0; refused)';

/**
 * Decodes the validated string literal text[start, end) (quotes included).
 *
 * With `asKeyIdentity`, the result tells keys apart exactly as Python does: the decoded key when it holds
 * no lone code point (see {@link keyCodePoints}), otherwise a string that starts with an unpaired U+DC00
 * (which no well-formed key holds) followed by its code points in hex — no marker a real key could spell.
 */
export function decodeJsonString(text: string, start: number, end: number, asKeyIdentity = false): string {
  const inner = text.slice(start + 1, end - 1);
  const decoded = inner.includes('\\') ? decodeValidatedString(text, start, end) : inner;
  if (!asKeyIdentity || !SURROGATE.test(decoded)) return decoded;
  const key = keyCodePoints(text, start, end);
  return key.lone ? loneKeyIdentity(key.codePoints) : decoded;
}

/**
 * A string equal for two keys exactly when Python's keys are equal, for {@link readKey}: the printed form
 * when the key holds no lone code point (well-formed UTF-16 starting with `"`), otherwise the
 * {@link loneKeyIdentity} (starting with an unpaired U+DC00). The two kinds never meet.
 */
function keyIdentity(text: string, start: number, end: number): string {
  const key = keyCodePoints(text, start, end);
  if (key.lone) return loneKeyIdentity(key.codePoints);
  let decoded = '';
  for (let k = 0; k < key.codePoints.length; k += 4096) decoded += String.fromCodePoint(...key.codePoints.slice(k, k + 4096));
  return encodePythonString(decoded);
}

function loneKeyIdentity(codePoints: readonly number[]): string {
  return `\udc00${codePoints.map((cp) => cp.toString(16)).join(',')}`;
}

/**
 * The key's code points as Python's `json.loads` sees them. Python keys are sequences of code points, and
 * it joins two surrogates into one character only when both are escapes or both are raw; a raw one next to
 * an escaped one stays two lone code points, which UTF-16 cannot tell from the joined character.
 */
function keyCodePoints(text: string, start: number, end: number): { codePoints: number[]; lone: boolean } {
  const codePoints: number[] = [];
  let lone = false;
  let i = start + 1;
  const last = end - 1;
  while (i < last) {
    const c = text.charCodeAt(i);
    if (c === CH_BACKSLASH) {
      const e = text.charCodeAt(i + 1);
      if (e !== 117) {
        codePoints.push(SHORT_ESCAPE_CODES[e] ?? e);
        i += 2;
        continue;
      }
      const code = parseInt(text.slice(i + 2, i + 6), 16);
      i += 6;
      if (code >= 0xd800 && code <= 0xdbff && text.charCodeAt(i) === CH_BACKSLASH && text.charCodeAt(i + 1) === 117) {
        const next = parseInt(text.slice(i + 2, i + 6), 16);
        if (next >= 0xdc00 && next <= 0xdfff) {
          codePoints.push(0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00));
          i += 6;
          continue;
        }
      }
      if (code >= 0xd800 && code <= 0xdfff) lone = true;
      codePoints.push(code);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < last) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        codePoints.push(0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00));
        i += 2;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) lone = true;
    codePoints.push(c);
    i++;
  }
  return { codePoints, lone };
}

/** The code a short escape stands for, by the character after the backslash. */
const SHORT_ESCAPE_CODES: Record<number, number> = { 34: 34, 92: 92, 47: 47, 98: 8, 102: 12, 110: 10, 114: 13, 116: 9 };

const SURROGATE = /[\ud800-\udfff]/;
/** A UTF-16 surrogate without its other half. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** {@link LONE_SURROGATE} without the global flag, so `exec` keeps no state between calls. */
const LONE_SURROGATE_ONCE = new RegExp(LONE_SURROGATE.source);

const SHORT_ESCAPES: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };
/** What Python's encoder escapes with ensure_ascii=False. */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\]/g;
const escapeOne = (c: string): string => {
  const code = c.charCodeAt(0);
  return SHORT_ESCAPES[code] ?? '\\u00' + (code < 16 ? '0' : '') + code.toString(16);
};

/** Python's `py_encode_basestring`: escapes `"`, `\` and control characters only. */
export function encodePythonString(value: string): string {
  return '"' + value.replace(NEEDS_ESCAPE, escapeOne) + '"';
}

/** Set by {@link readNumber}: the offset just past the number it read. */
let numberEnd = 0;
/** Set by {@link readNumber}: the number it read was the integer `-0` (printed `0`). */
let numberWasNegativeZeroInteger = false;

/**
 * Reads a number (or `-Infinity`) at `start`, sets {@link numberEnd} and
 * {@link numberWasNegativeZeroInteger}, and returns Python's printed form.
 */
function readNumber(text: string, start: number): string {
  let i = start;
  numberWasNegativeZeroInteger = false;
  const negative = text.charCodeAt(i) === CH_MINUS;
  if (negative) {
    i++;
    if (text.startsWith('Infinity', i)) {
      numberEnd = i + 8;
      return '-Infinity';
    }
  }
  const intStart = i;
  const first = text.charCodeAt(i);
  if (first === 48) {
    i++;
  } else if (first >= 49 && first <= 57) {
    while (isDigit(text.charCodeAt(i))) i++;
  } else {
    throw new JsonSyntaxError('Expecting value', start);
  }
  const intEnd = i;
  let isFloat = false;
  if (text.charCodeAt(i) === 46 /* . */ && isDigit(text.charCodeAt(i + 1))) {
    isFloat = true;
    i += 2;
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 101 || e === 69) {
    let j = i + 1;
    const sign = text.charCodeAt(j);
    if (sign === 43 || sign === CH_MINUS) j++;
    if (isDigit(text.charCodeAt(j))) {
      isFloat = true;
      while (isDigit(text.charCodeAt(j))) j++;
      i = j;
    }
  }
  numberEnd = i;
  if (!isFloat) {
    if (intEnd - intStart > PYTHON_MAX_INT_DIGITS) {
      throw new JsonSyntaxError(`Integer with more than ${PYTHON_MAX_INT_DIGITS} digits`, start);
    }
    // Integers are exact in Python; JSON forbids leading zeros, so only "-0" differs from its source.
    if (negative && first === 48) {
      numberWasNegativeZeroInteger = true;
      return '0';
    }
    return text.slice(start, i);
  }
  const source = text.slice(start, i);
  return isPythonFloatForm(source) ? source : pythonFloatRepr(Number(source));
}

/**
 * True when a decimal literal is already what Python prints for it, so no conversion is needed: no
 * exponent, at most 15 significant digits (by DBL_DIG such a decimal is the unique shortest form of its
 * double), no trailing zero in the fraction (except `x.0`), and not below 1e-4 (Python switches to
 * `1e-05` style there). The differential test against python3 covers this path.
 */
function isPythonFloatForm(source: string): boolean {
  const match = SIMPLE_DECIMAL.exec(source);
  if (match === null) return false;
  const integer = match[1] as string;
  const fraction = match[2] as string;
  if (fraction.length > 1 && fraction.charCodeAt(fraction.length - 1) === 48) return false;
  if (integer === '0') {
    if (fraction === '0') return true;
    const leadingZeros = fraction.length - fraction.replace(/^0+/, '').length;
    return leadingZeros <= 3 && fraction.length - leadingZeros <= 15;
  }
  return integer.length + fraction.length <= 15;
}

const SIMPLE_DECIMAL = /^-?(0|[1-9]\d*)\.(\d+)$/;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Python's `float.__repr__` (as `json.dumps` prints floats): the shortest round-trip digits, which
 * JavaScript's `toExponential()` also yields, laid out fixed when the decimal exponent is in [-4, 16),
 * scientific (`1e-05`, `1.5e+300`) otherwise.
 */
export function pythonFloatRepr(value: number): string {
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Number.isNaN(value)) return 'NaN';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude0 = Math.abs(value);
  if (magnitude0 >= 1e-4 && magnitude0 < 1e16) {
    // Both languages print the shortest round-trip digits, and JavaScript lays them out fixed over this
    // whole range (it switches to exponents only below 1e-7 and from 1e21); Python adds ".0" to integers.
    const fixed = String(value);
    return fixed.includes('.') ? fixed : `${fixed}.0`;
  }
  const sign = value < 0 ? '-' : '';
  const exponential = Math.abs(value).toExponential();
  const eAt = exponential.indexOf('e');
  const digits = exponential.slice(0, eAt).replace('.', '');
  const exponent = Number(exponential.slice(eAt + 1));
  if (exponent < -4 || exponent >= 16) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const magnitude = Math.abs(exponent);
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${magnitude < 10 ? '0' : ''}${magnitude}`;
  }
  if (exponent >= 0) {
    const integerPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    const fraction = digits.slice(exponent + 1);
    return `${sign}${integerPart}.${fraction === '' ? '0' : fraction}`;
  }
  return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
}

function readLiteral(text: string, i: number): string {
  for (const literal of ['true', 'false', 'null', 'NaN', 'Infinity']) {
    if (text.startsWith(literal, i)) return literal;
  }
  throw new JsonSyntaxError('Expecting value', i);
}

/** Where one top-level member of a JSON object sits in its source text. */
export interface TopLevelMemberSpan {
  /** Offset of the member's opening key quote. */
  keyStart: number;
  /** Offset just past the member's value. */
  valueEnd: number;
  /** Offset of the member's value. */
  valueStart: number;
  /** Offset just past the previous member's value, or -1 when this is the first member. */
  previousValueEnd: number;
  /** Offset of the next member's key, or -1 when this is the last member. */
  nextKeyStart: number;
}

/**
 * Lists the top-level members of the JSON object `text` with their offsets, without building values, so
 * a member can be cut out and the rest kept byte for byte (EdgeSense signs its body without its
 * `signature` member). Returns undefined when the text is not an object.
 *
 * @throws {@link JsonSyntaxError} on malformed JSON.
 */
export function topLevelMembers(text: string): Array<TopLevelMemberSpan & { key: string }> | undefined {
  let i = skipWhitespace(text, 0);
  if (text.charCodeAt(i) !== CH_LBRACE) return undefined;
  const members: Array<TopLevelMemberSpan & { key: string }> = [];
  i = skipWhitespace(text, i + 1);
  if (text.charCodeAt(i) === CH_RBRACE) return members;
  let previousValueEnd = -1;
  for (;;) {
    const keyStart = i;
    if (text.charCodeAt(i) !== CH_QUOTE) {
      throw new JsonSyntaxError('Expecting property name enclosed in double quotes', i);
    }
    const keyEnd = findStringEnd(text, i);
    const key = decodeJsonString(text, i, keyEnd, true);
    const colon = skipWhitespace(text, keyEnd);
    if (text.charCodeAt(colon) !== CH_COLON) throw new JsonSyntaxError("Expecting ':' delimiter", colon);
    const valueStart = skipWhitespace(text, colon + 1);
    const valueEnd = skipValue(text, valueStart);
    const previous = members[members.length - 1];
    if (previous) previous.nextKeyStart = keyStart;
    members.push({ key, keyStart, valueStart, valueEnd, previousValueEnd, nextKeyStart: -1 });
    previousValueEnd = valueEnd;
    i = skipWhitespace(text, valueEnd);
    const d = text.charCodeAt(i);
    if (d === CH_RBRACE) return members;
    if (d !== CH_COMMA) throw new JsonSyntaxError("Expecting ',' delimiter or '}'", i);
    i = skipWhitespace(text, i + 1);
  }
}

/** The text without the given member, its comma and the whitespace between them; all else byte for byte. */
export function withoutMember(text: string, member: TopLevelMemberSpan): string {
  if (member.previousValueEnd >= 0) return text.slice(0, member.previousValueEnd) + text.slice(member.valueEnd);
  if (member.nextKeyStart >= 0) return text.slice(0, member.keyStart) + text.slice(member.nextKeyStart);
  return text.slice(0, member.keyStart) + text.slice(member.valueEnd);
}

/** Returns the offset just past the JSON value at `i`. */
function skipValue(text: string, i: number): number {
  let depth = 0;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === CH_QUOTE) {
      i = findStringEnd(text, i);
    } else if (c === CH_LBRACE || c === CH_LBRACKET) {
      depth++;
      i++;
    } else if (c === CH_RBRACE || c === CH_RBRACKET) {
      depth--;
      i++;
    } else if (c === CH_MINUS || isDigit(c)) {
      readNumber(text, i);
      i = numberEnd;
    } else if (isJsonWhitespace(c) || c === CH_COMMA || c === CH_COLON) {
      if (depth === 0) return i;
      i++;
    } else if (Number.isNaN(c)) {
      throw new JsonSyntaxError('Unexpected end of data', i);
    } else {
      i += readLiteral(text, i).length;
    }
    if (depth === 0) return i;
    if (depth < 0) throw new JsonSyntaxError('Unbalanced brackets', i);
  }
}

// ---------------------------------------------------------------------------------------------------
// The fast path: the common case straight over UTF-8 bytes.

/**
 * Output of the fast path ({@link fastReserialize}), reused between calls (grown as needed; replaced by a
 * small one again after a large body by {@link releaseLarge}).
 */
let fastOut: Uint8Array = new Uint8Array(4096);
let fastOut16: Uint16Array = new Uint16Array(4096);
/** The output of the call running: {@link fastOut} (UTF-8 bytes) or {@link fastOut16} (UTF-16 code units). */
let fastTarget: Uint8Array | Uint16Array = fastOut;
/** Set by {@link fastReserialize} in UTF-16 mode: a code unit past U+00FF was written. */
let fastWide = false;
/**
 * After a text far past verify's 1 MiB body limit, gives back the buffers it grew (bodies up to that limit
 * keep theirs, about 6 bytes per character, so a stream of them does not allocate per call), and always the
 * key table when it grew past {@link KEY_TABLE_RETAIN} slots; passes `result` through.
 */
function releaseLarge<T>(result: T): T {
  if (fastOut16.length > FAST_RETAIN_UNITS) fastOut16 = new Uint16Array(4096);
  if (fastOut.length > 2 * FAST_RETAIN_UNITS) fastOut = new Uint8Array(4096);
  if (unitsViewOf !== fastOut16) unitsView = unitsViewOf = null;
  if (bytesViewOf !== fastOut) bytesView = bytesViewOf = null;
  if (fastIn.length > 2 * FAST_RETAIN_UNITS) {
    fastIn = Buffer.allocUnsafeSlow(8192);
    fastInUnits = new Uint16Array(fastIn.buffer, fastIn.byteOffset, fastIn.length >> 1);
  }
  if (keyTable.length > 3 * KEY_TABLE_RETAIN) {
    keyTable = new Int32Array(3 * 1024);
    keyMask = 1023;
  }
  fastTarget = fastOut;
  return result;
}

/** The UTF-16LE bytes of the text being read, and the same memory as code units (read by {@link fastReserialize}). */
let fastIn: Buffer = Buffer.allocUnsafeSlow(8192);
let fastInUnits = new Uint16Array(fastIn.buffer, fastIn.byteOffset, fastIn.length >> 1);
/** Uint16Array reads Buffer.from(text, 'utf16le') correctly only on a little-endian machine (all Node targets but s390x). */
const LITTLE_ENDIAN = new Uint16Array(new Uint8Array([1, 0]).buffer)[0] === 1;
const FAST_OUT_KEEP = 64 * 1024;
/** Buffers for texts up to about 2 Mi characters are kept between calls (see {@link releaseLarge}). */
const FAST_RETAIN_UNITS = 4 * 1024 * 1024 + 64;
/** The text {@link fastReserialize} is reading (its code units are in {@link fastInUnits}), for {@link LATIN1_RUN}. */
let fastText = '';
/** Characters of a string after which {@link fastReserialize} skips the rest of a plain run natively. */
const LONG_RUN = 32;
/** A run of Latin-1 characters that stand for themselves in a JSON string (and keep the output one-byte). */
const LATIN1_RUN = /[^"\\\u0000-\u001f\u0100-\uffff]*/y;
/** Per open container: 1 for an object, 0 for an array. */
let fastKinds = new Uint8Array(64);
/**
 * The keys of the open objects, for telling duplicates apart in the fast path: an open-addressing table,
 * three Int32 per slot — the serial of the object the key belongs to, that object's depth, the key's 32-bit
 * hash. A slot is free when its object is closed ({@link openSerials}`[depth]` is no longer its serial), so
 * the table is never cleared: serials only grow (it is wiped when they would overflow). An object inserts only
 * while every object opened after it is closed, so the live slots of its probe chains stay contiguous.
 * At most {@link MAX_PROBES} slots are probed per key, then the text is left to the slow path: linear whatever
 * the keys' hashes.
 */
let keyTable = new Int32Array(3 * 1024);
let keyMask = 1023;
/** Per depth: the serial of the object open there (only the first `depth` entries are meaningful). */
let openSerials = new Int32Array(64);
/** Per depth: how many keys the object open there has in the table. */
let openKeyCounts = new Int32Array(64);
/**
 * Keys of the open objects (live slots): the table is doubled when they would fill half of it, so it stays
 * the size of what is open (a few cache lines for ordinary bodies), not of the text.
 */
let liveKeys = 0;
/** The serial of the last object opened by the fast path. */
let lastSerial = 0;
const MAX_PROBES = 32;
/** Slots of the key table kept between calls (see {@link releaseLarge}). */
const KEY_TABLE_RETAIN = 1 << 16;

/** Readies the key table and the depth arrays for `maxDepth` at the start of a fast-path call. */
function prepareKeys(maxDepth: number): void {
  liveKeys = 0;
  if (openSerials.length < maxDepth + 2) {
    openSerials = new Int32Array(maxDepth + 2);
    openKeyCounts = new Int32Array(maxDepth + 2);
    keyTable.fill(0);
  }
  if (lastSerial > 0x3fffffff) {
    keyTable.fill(0);
    openSerials.fill(0);
    lastSerial = 0;
  }
}

/**
 * Records the key hashed `hash` in the object open at `level`; false when the object has a key with the
 * same hash already (or the probe limit is reached): the text is then left to the slow path.
 */
function addKeyHash(hash: number, level: number): boolean {
  if (2 * (liveKeys + 1) > keyMask + 1 && !growKeyTable(level)) return false;
  liveKeys++;
  openKeyCounts[level] = (openKeyCounts[level] as number) + 1;
  const table = keyTable;
  const serials = openSerials;
  const serial = serials[level] as number;
  let slot = (hash ^ (hash >>> 15)) & keyMask;
  for (let probes = 0; probes < MAX_PROBES; probes++) {
    const at = slot * 3;
    const owner = table[at] as number;
    const depth = table[at + 1] as number;
    if (owner === 0 || depth > level || serials[depth] !== owner) {
      table[at] = serial;
      table[at + 1] = level;
      table[at + 2] = hash;
      return true;
    }
    if (owner === serial && table[at + 2] === hash) return false;
    slot = (slot + 1) & keyMask;
  }
  return false;
}

/** Doubles {@link keyTable}, moving the live slots (those of objects open at `level` or above); false past the probe limit. */
function growKeyTable(level: number): boolean {
  const old = keyTable;
  const serials = openSerials;
  const slots = 2 * (keyMask + 1);
  const table = new Int32Array(3 * slots);
  const mask = slots - 1;
  for (let at = 0; at < old.length; at += 3) {
    const owner = old[at] as number;
    const depth = old[at + 1] as number;
    if (owner === 0 || depth > level || serials[depth] !== owner) continue;
    const hash = old[at + 2] as number;
    let slot = (hash ^ (hash >>> 15)) & mask;
    let probes = 0;
    while (table[slot * 3] !== 0) {
      if (++probes === MAX_PROBES) return false;
      slot = (slot + 1) & mask;
    }
    table[slot * 3] = owner;
    table[slot * 3 + 1] = depth;
    table[slot * 3 + 2] = hash;
  }
  keyTable = table;
  keyMask = mask;
  return true;
}

/** The fast path on a JS string: its UTF-8 bytes, unless it holds a lone surrogate (which UTF-8 cannot carry). */
function fastFromText(text: string, python: boolean, maxDepth: number): number {
  if (!LITTLE_ENDIAN) return -1;
  const n = text.length;
  // The text's code units, written natively into a reused buffer (shrunk again after a large text).
  if (fastIn.length < 2 * n + 2 || fastIn.length > Math.max(2 * FAST_OUT_KEEP, 4 * n + 2)) {
    fastIn = Buffer.allocUnsafeSlow(Math.max(2 * n + 2, 8192));
    fastInUnits = new Uint16Array(fastIn.buffer, fastIn.byteOffset, fastIn.length >> 1);
  }
  fastIn.write(text, 0, 2 * n, 'utf16le');
  // A quote just past the text: a string's loop stops at it without testing the length per unit.
  fastInUnits[n] = CH_QUOTE;
  fastText = text;
  const length = fastReserialize(fastInUnits, n, python, maxDepth);
  fastText = '';
  return length;
}

/** The string of the first `length` code units of {@link fastOut16}. */
function unitsToString(length: number): string {
  const units = fastOut16;
  if (fastWide) {
    // A Buffer over the same memory, made once per output array rather than once per call.
    if (unitsViewOf !== units) {
      unitsView = Buffer.from(units.buffer, units.byteOffset, units.byteLength);
      unitsViewOf = units;
    }
    return (unitsView as Buffer).toString('utf16le', 0, length * 2);
  }
  // Every unit fits a byte: a one-byte string (half the memory, and cheaper to hash as UTF-8).
  const bytes = fastOut.length >= length ? fastOut : (fastOut = new Uint8Array(length));
  for (let k = 0; k < length; k++) bytes[k] = units[k] as number;
  if (bytesViewOf !== bytes) {
    bytesView = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    bytesViewOf = bytes;
  }
  return (bytesView as Buffer).toString('latin1', 0, length);
}

/** Buffers over {@link fastOut16} and {@link fastOut}'s memory (see {@link unitsToString}); dropped with them. */
let unitsView: Buffer | null = null;
let unitsViewOf: Uint16Array | null = null;
let bytesView: Buffer | null = null;
let bytesViewOf: Uint8Array | null = null;

/** A Python escape for a control character (`\\u00XX` in lower case, or its short form). */
const CONTROL_ESCAPES: string[] = [];
for (let c = 0; c < 32; c++) CONTROL_ESCAPES.push(SHORT_ESCAPES[c] ?? '\\u00' + (c < 16 ? '0' : '') + c.toString(16));

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** The four hex digits at `at` as a number, or -1. */
function hex4(src: Uint16Array, at: number, n: number): number {
  if (at + 4 > n) return -1;
  const a = hexValue(src[at] as number);
  const b = hexValue(src[at + 1] as number);
  const c = hexValue(src[at + 2] as number);
  const d = hexValue(src[at + 3] as number);
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/** Makes room in {@link fastOut} for `need` bytes in all, keeping the first `used`. */
function growFastOut(used: number, need: number): Uint8Array | Uint16Array {
  const current = fastTarget;
  const grown = current instanceof Uint16Array ? new Uint16Array(Math.max(need, current.length * 2)) : new Uint8Array(Math.max(need, current.length * 2));
  grown.set(current.subarray(0, used));
  if (grown instanceof Uint16Array) fastOut16 = grown;
  else fastOut = grown;
  fastTarget = grown;
  return grown;
}

/**
 * The same output as {@link reserialize} (Python's separators when `python`, compact ones otherwise) for
 * the common case, read from the UTF-8 bytes `src[0, n)` and written to {@link fastOut}: returns the output's
 * length, or -1 whenever the text holds anything the fast path leaves to {@link reserialize} — a syntax
 * error (so the error is reported exactly as there), a duplicate key (or two keys with the same hash), a
 * key with an escape, a lone surrogate, an integer -0, an integer too long for Python, nesting past
 * `maxDepth`. Then the caller runs {@link reserialize}: a second linear pass, never more.
 *
 * Bytes are copied as they are except: whitespace between tokens is dropped and separators written
 * Python's way; escapes are rewritten as Python prints them (`\\/` → `/`, `\\u00e9` → `é`, a control
 * character in lower-case hex); floats not already in Python's form are printed by {@link pythonFloatRepr}.
 * Linear in `n`: each byte is looked at a bounded number of times; keys are told apart by a 32-bit hash in
 * the table {@link keyTable} (at most {@link MAX_PROBES} probes each), so even a hostile object costs linear time.
 */
function fastReserialize(src: Uint16Array, n: number, python: boolean, maxDepth: number): number {
  // Room for the worst growth of everything but reprinted floats: a separator doubles (`,` → `, `).
  let out = fastOut16;
  if (out.length < 2 * n + 16 || out.length > Math.max(FAST_OUT_KEEP, 4 * n + 64)) out = fastOut16 = new Uint16Array(Buffer.allocUnsafeSlow(2 * (2 * n + 16)).buffer, 0, 2 * n + 16);
  fastTarget = out;
  let wide = false;
  fastKeyWide = false;
  if (fastKinds.length < maxDepth + 2) fastKinds = new Uint8Array(maxDepth + 2);
  prepareKeys(maxDepth);
  const kinds = fastKinds;
  let o = 0;
  let i = 0;
  let depth = 0;
  let c = 0;
  while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
  // Each turn reads one value at `i` (after it: a key of a new object's first member, when `expectKey`).
  for (;;) {
    if (i >= n) return -1;
    c = src[i] as number;
    if (c === CH_LBRACE || c === CH_LBRACKET) {
      const isObject = c === CH_LBRACE;
      i++;
      while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
      if (i < n && c === (isObject ? CH_RBRACE : CH_RBRACKET)) {
        out[o++] = isObject ? CH_LBRACE : CH_LBRACKET;
        out[o++] = c;
        i++;
      } else {
        if (depth >= maxDepth) return -1;
        out[o++] = isObject ? CH_LBRACE : CH_LBRACKET;
        kinds[depth] = isObject ? 1 : 0;
        if (isObject) {
          openSerials[depth] = ++lastSerial;
          openKeyCounts[depth] = 0;
        }
        depth++;
        if (isObject) {
          fastTarget = out;
          i = fastKey(src, n, i, depth - 1, python, o);
          if (i < 0) return -1;
          o = fastKeyEnd;
          out = fastTarget as Uint16Array;
        }
        continue;
      }
    } else if (c === CH_QUOTE) {
      out[o++] = CH_QUOTE;
      i++;
      let plain = 0;
      // The string's code units up to its closing quote (or the one past the text); escapes rewritten.
      for (;;) {
        c = src[i++] as number;
        if (c === CH_QUOTE) break;
        if (++plain === LONG_RUN) {
          // A long string: the regex engine finds the end of its run of Latin-1 characters that stand for
          // themselves, and the run is copied in one go (what stops it is handled by this loop as before).
          plain = 0;
          LATIN1_RUN.lastIndex = i - 1;
          LATIN1_RUN.test(fastText);
          const end = LATIN1_RUN.lastIndex;
          if (end > i) {
            out.set(src.subarray(i - 1, end), o);
            o += end - i + 1;
            i = end;
            continue;
          }
        }
        if (c === CH_BACKSLASH) {
          if (i >= n) return -1;
          const e = src[i++] as number;
          if (e === CH_QUOTE || e === CH_BACKSLASH || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
            out[o++] = CH_BACKSLASH;
            out[o++] = e;
          } else if (e === 47) {
            out[o++] = 47;
          } else if (e === 117) {
            let code = hex4(src, i, n);
            if (code < 0) return -1;
            i += 4;
            if (code < 0x20) {
              const escape = CONTROL_ESCAPES[code] as string;
              for (let k = 0; k < escape.length; k++) out[o++] = escape.charCodeAt(k);
            } else if (code === CH_QUOTE || code === CH_BACKSLASH) {
              out[o++] = CH_BACKSLASH;
              out[o++] = code;
            } else if (code < 0xd800 || code > 0xdfff) {
              if (code > 0xff) wide = true;
              out[o++] = code;
            } else if (code < 0x800) {
              out[o++] = 0xc0 | (code >> 6);
              out[o++] = 0x80 | (code & 63);
            } else if (code < 0xd800 || code > 0xdfff) {
              out[o++] = 0xe0 | (code >> 12);
              out[o++] = 0x80 | ((code >> 6) & 63);
              out[o++] = 0x80 | (code & 63);
            } else {
              // Only a high surrogate escape followed by a low one: a pair, one character. Lone ones are left to the slow path.
              if (code > 0xdbff || src[i] !== CH_BACKSLASH || src[i + 1] !== 117) return -1;
              const low = hex4(src, i + 2, n);
              if (low < 0xdc00 || low > 0xdfff) return -1;
              i += 6;
              wide = true;
              out[o++] = code;
              out[o++] = low;
              continue;
              code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
              out[o++] = 0xf0 | (code >> 18);
              out[o++] = 0x80 | ((code >> 12) & 63);
              out[o++] = 0x80 | ((code >> 6) & 63);
              out[o++] = 0x80 | (code & 63);
            }
          } else {
            return -1;
          }
          continue;
        }
        if (c < 0x20) return -1;
        if (c > 0xff) {
          wide = true;
          // UTF-16 mode: a raw surrogate only as a high + low pair (lone ones are left to the slow path).
          if (c >= 0xd800 && c <= 0xdfff) {
            const low = src[i] as number;
            if (c > 0xdbff || i >= n || low < 0xdc00 || low > 0xdfff) return -1;
            out[o++] = c;
            c = low;
            i++;
          }
        }
        out[o++] = c;
      }
      if (i > n) return -1;
      out[o++] = CH_QUOTE;
    } else if (c === CH_MINUS || (c >= 48 && c <= 57)) {
      const start = i;
      if (c === CH_MINUS) {
        i++;
        if (i < n && src[i] === 73 /* I */) {
          if (!fastLiteral(src, n, i, 'Infinity')) return -1;
          i += 8;
          for (let k = start; k < i; k++) out[o++] = src[k] as number;
          c = -1;
        }
      }
      if (c !== -1) {
        const first = i < n ? (src[i] as number) : -1;
        if (first === 48) i++;
        else if (first >= 49 && first <= 57) while (i < n && (c = src[i] as number) >= 48 && c <= 57) i++;
        else return -1;
        const intDigits = i - start - (src[start] === CH_MINUS ? 1 : 0);
        let fracStart = -1;
        let fracEnd = -1;
        let exponent = false;
        if (i + 1 < n && src[i] === 46 && (c = src[i + 1] as number) >= 48 && c <= 57) {
          fracStart = i + 1;
          i += 2;
          while (i < n && (c = src[i] as number) >= 48 && c <= 57) i++;
          fracEnd = i;
        }
        if (i < n && ((c = src[i] as number) === 101 || c === 69)) {
          let j = i + 1;
          if (j < n && (src[j] === 43 || src[j] === CH_MINUS)) j++;
          if (j < n && (c = src[j] as number) >= 48 && c <= 57) {
            exponent = true;
            while (j < n && (c = src[j] as number) >= 48 && c <= 57) j++;
            i = j;
          }
        }
        if (fracStart < 0 && !exponent) {
          // An integer: exact in Python, printed as written — but for -0 and overlong ones (left to the slow path).
          if (intDigits > PYTHON_MAX_INT_DIGITS || (first === 48 && src[start] === CH_MINUS)) return -1;
          for (let k = start; k < i; k++) out[o++] = src[k] as number;
        } else if (!exponent && fastIsPythonFloat(src, first === 48 ? 0 : intDigits, fracStart, fracEnd)) {
          for (let k = start; k < i; k++) out[o++] = src[k] as number;
        } else {
          // Decoded natively: a number may be a megabyte of digits.
          const source = Buffer.from(src.buffer, src.byteOffset + 2 * start, 2 * (i - start)).toString('utf16le');
          const printed = pythonFloatRepr(Number(source));
          if (o + printed.length + 2 * (n - i) + 16 > out.length) out = growFastOut(o, o + printed.length + 2 * (n - i) + 16) as Uint16Array;
          for (let k = 0; k < printed.length; k++) out[o++] = printed.charCodeAt(k);
        }
      }
    } else {
      const literal = c === 116 ? 'true' : c === 102 ? 'false' : c === 110 ? 'null' : c === 78 ? 'NaN' : c === 73 ? 'Infinity' : '';
      if (literal === '' || !fastLiteral(src, n, i, literal)) return -1;
      for (let k = 0; k < literal.length; k++) out[o++] = src[i + k] as number;
      i += literal.length;
    }

    // After a value: a comma moves on to the next item, a closing bracket ends the container.
    for (;;) {
      while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
      if (depth === 0) {
        fastWide = wide || fastKeyWide;
        fastKeyWide = false;
        return i === n ? o : -1;
      }
      if (i >= n) return -1;
      const isObject = kinds[depth - 1] === 1;
      if (c === CH_COMMA) {
        out[o++] = CH_COMMA;
        if (python) out[o++] = 32;
        i++;
        while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
        if (isObject) {
          fastTarget = out;
          i = fastKey(src, n, i, depth - 1, python, o);
          if (i < 0) return -1;
          o = fastKeyEnd;
          out = fastTarget as Uint16Array;
        }
        break;
      }
      if (c === (isObject ? CH_RBRACE : CH_RBRACKET)) {
        out[o++] = c;
        i++;
        depth--;
        if (isObject) liveKeys -= openKeyCounts[depth] as number;
        continue;
      }
      return -1;
    }
  }
}

/** Set by {@link fastKey}: the output length after the key and its separator. */
let fastKeyEnd = 0;
/** Set by {@link fastKey}: a key held a code unit past U+00FF (UTF-16 mode). */
let fastKeyWide = false;

/**
 * Reads `"key" :` at `i` into {@link fastOut} from `o`, sets {@link fastKeyEnd}; returns the offset of the
 * value, or -1 for what the slow path must handle: not a plain key, a key with an escape, a key seen before
 * in this object (or one with the same hash).
 */
function fastKey(src: Uint16Array, n: number, i: number, level: number, python: boolean, o: number): number {
  const out = fastTarget as Uint16Array;
  if (i >= n || src[i] !== CH_QUOTE) return -1;
  out[o++] = CH_QUOTE;
  i++;
  let hash = 0x811c9dc5 | 0;
  let c = 0;
  // Stops at the closing quote or at the one past the text (see fastFromText).
  for (;;) {
    c = src[i++] as number;
    if (c === CH_QUOTE) break;
    if (c === CH_BACKSLASH || c < 0x20) return -1;
    if (c > 0xff) {
      fastKeyWide = true;
      if (c >= 0xd800 && c <= 0xdfff) {
        const low = src[i] as number;
        if (c > 0xdbff || i >= n || low < 0xdc00 || low > 0xdfff) return -1;
        hash = Math.imul(hash ^ c, 16777619);
        out[o++] = c;
        c = low;
        i++;
      }
    }
    hash = Math.imul(hash ^ c, 16777619);
    out[o++] = c;
  }
  if (i > n) return -1;
  out[o++] = CH_QUOTE;
  if (!addKeyHash(hash, level)) return -1;
  while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
  if (i >= n || c !== CH_COLON) return -1;
  out[o++] = CH_COLON;
  if (python) out[o++] = 32;
  i++;
  while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
  fastKeyEnd = o;
  return i;
}

/** True when `literal` (ASCII) is at `i`. */
function fastLiteral(src: Uint16Array, n: number, i: number, literal: string): boolean {
  if (i + literal.length > n) return false;
  for (let k = 0; k < literal.length; k++) if (src[i + k] !== literal.charCodeAt(k)) return false;
  return true;
}

/**
 * {@link isPythonFloatForm} from the scanned positions of a number without exponent: `intDigits` is 0 when
 * the integer part is `0`; the fraction is src[fracStart, fracEnd) (fracStart -1: none, never here).
 */
function fastIsPythonFloat(src: Uint16Array, intDigits: number, fracStart: number, fracEnd: number): boolean {
  const fractionLength = fracEnd - fracStart;
  if (fractionLength > 1 && src[fracEnd - 1] === 48) return false;
  if (intDigits === 0) {
    if (fractionLength === 1 && src[fracStart] === 48) return true;
    let leadingZeros = 0;
    while (leadingZeros < fractionLength && src[fracStart + leadingZeros] === 48) leadingZeros++;
    return leadingZeros <= 3 && fractionLength - leadingZeros <= 15;
  }
  return intDigits + fractionLength <= 15;
}

// The same functions for UTF-8 bytes: a copy, so that V8 sees one array type per function and keeps
// every element access monomorphic (one function for both ran the 1 MiB case ~3x slower).

/** The four hex digits at `at` as a number, or -1. */
function hex4Bytes(src: Uint8Array, at: number, n: number): number {
  if (at + 4 > n) return -1;
  const a = hexValue(src[at] as number);
  const b = hexValue(src[at + 1] as number);
  const c = hexValue(src[at + 2] as number);
  const d = hexValue(src[at + 3] as number);
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/**
 * The same output as {@link reserialize} (Python's separators when `python`, compact ones otherwise) for
 * the common case, read from the UTF-8 bytes `src[0, n)` and written to {@link fastOut}: returns the output's
 * length, or -1 whenever the text holds anything the fast path leaves to {@link reserialize} — a syntax
 * error (so the error is reported exactly as there), a duplicate key (or two keys with the same hash), a
 * key with an escape, a lone surrogate, an integer -0, an integer too long for Python, nesting past
 * `maxDepth`. Then the caller runs {@link reserialize}: a second linear pass, never more.
 *
 * Bytes are copied as they are except: whitespace between tokens is dropped and separators written
 * Python's way; escapes are rewritten as Python prints them (`\\/` → `/`, `\\u00e9` → `é`, a control
 * character in lower-case hex); floats not already in Python's form are printed by {@link pythonFloatRepr}.
 * Linear in `n`: each byte is looked at a bounded number of times; keys are told apart by a 32-bit hash in
 * the table {@link keyTable} (at most {@link MAX_PROBES} probes each), so even a hostile object costs linear time.
 */
function fastReserializeBytes(src: Uint8Array, n: number, python: boolean, maxDepth: number): number {
  // Room for the worst growth of everything but reprinted floats: a separator doubles (`,` → `, `).
  let out = fastOut;
  if (out.length < 2 * n + 16 || out.length > Math.max(FAST_OUT_KEEP, 4 * n + 64)) out = fastOut = new Uint8Array(Buffer.allocUnsafeSlow(2 * n + 16).buffer, 0, 2 * n + 16);
  fastTarget = out;
  let wide = false;
  fastKeyWide = false;
  if (fastKinds.length < maxDepth + 2) fastKinds = new Uint8Array(maxDepth + 2);
  prepareKeys(maxDepth);
  const kinds = fastKinds;
  let o = 0;
  let i = 0;
  let depth = 0;
  let c = 0;
  while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
  // Each turn reads one value at `i` (after it: a key of a new object's first member, when `expectKey`).
  for (;;) {
    if (i >= n) return -1;
    c = src[i] as number;
    if (c === CH_LBRACE || c === CH_LBRACKET) {
      const isObject = c === CH_LBRACE;
      i++;
      while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
      if (i < n && c === (isObject ? CH_RBRACE : CH_RBRACKET)) {
        out[o++] = isObject ? CH_LBRACE : CH_LBRACKET;
        out[o++] = c;
        i++;
      } else {
        if (depth >= maxDepth) return -1;
        out[o++] = isObject ? CH_LBRACE : CH_LBRACKET;
        kinds[depth] = isObject ? 1 : 0;
        if (isObject) {
          openSerials[depth] = ++lastSerial;
          openKeyCounts[depth] = 0;
        }
        depth++;
        if (isObject) {
          fastTarget = out;
          i = fastKeyBytes(src, n, i, depth - 1, python, o);
          if (i < 0) return -1;
          o = fastKeyEnd;
          out = fastTarget as Uint8Array;
        }
        continue;
      }
    } else if (c === CH_QUOTE) {
      out[o++] = CH_QUOTE;
      i++;
      // The string's bytes up to its closing quote; escapes rewritten.
      for (;;) {
        if (i >= n) return -1;
        c = src[i++] as number;
        // Most bytes stand for themselves: past the backslash (lower case, UTF-8 sequences), or printable.
        if (c > CH_BACKSLASH || (c >= 0x20 && c !== CH_QUOTE && c !== CH_BACKSLASH)) {
          out[o++] = c;
          continue;
        }
        if (c === CH_QUOTE) break;
        if (c === CH_BACKSLASH) {
          if (i >= n) return -1;
          const e = src[i++] as number;
          if (e === CH_QUOTE || e === CH_BACKSLASH || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
            out[o++] = CH_BACKSLASH;
            out[o++] = e;
          } else if (e === 47) {
            out[o++] = 47;
          } else if (e === 117) {
            let code = hex4Bytes(src, i, n);
            if (code < 0) return -1;
            i += 4;
            if (code < 0x20) {
              const escape = CONTROL_ESCAPES[code] as string;
              for (let k = 0; k < escape.length; k++) out[o++] = escape.charCodeAt(k);
            } else if (code === CH_QUOTE || code === CH_BACKSLASH) {
              out[o++] = CH_BACKSLASH;
              out[o++] = code;
            } else if (code < 0x80) {
              if (code > 0xff) wide = true;
              out[o++] = code;
            } else if (code < 0x800) {
              out[o++] = 0xc0 | (code >> 6);
              out[o++] = 0x80 | (code & 63);
            } else if (code < 0xd800 || code > 0xdfff) {
              out[o++] = 0xe0 | (code >> 12);
              out[o++] = 0x80 | ((code >> 6) & 63);
              out[o++] = 0x80 | (code & 63);
            } else {
              // Only a high surrogate escape followed by a low one: a pair, one character. Lone ones are left to the slow path.
              if (code > 0xdbff || src[i] !== CH_BACKSLASH || src[i + 1] !== 117) return -1;
              const low = hex4Bytes(src, i + 2, n);
              if (low < 0xdc00 || low > 0xdfff) return -1;
              i += 6;
              code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
              out[o++] = 0xf0 | (code >> 18);
              out[o++] = 0x80 | ((code >> 12) & 63);
              out[o++] = 0x80 | ((code >> 6) & 63);
              out[o++] = 0x80 | (code & 63);
            }
          } else {
            return -1;
          }
          continue;
        }
        // A raw control character.
        return -1;
      }
      out[o++] = CH_QUOTE;
    } else if (c === CH_MINUS || (c >= 48 && c <= 57)) {
      const start = i;
      if (c === CH_MINUS) {
        i++;
        if (i < n && src[i] === 73 /* I */) {
          if (!fastLiteralBytes(src, n, i, 'Infinity')) return -1;
          i += 8;
          for (let k = start; k < i; k++) out[o++] = src[k] as number;
          c = -1;
        }
      }
      if (c !== -1) {
        const first = i < n ? (src[i] as number) : -1;
        if (first === 48) i++;
        else if (first >= 49 && first <= 57) while (i < n && (c = src[i] as number) >= 48 && c <= 57) i++;
        else return -1;
        const intDigits = i - start - (src[start] === CH_MINUS ? 1 : 0);
        let fracStart = -1;
        let fracEnd = -1;
        let exponent = false;
        if (i + 1 < n && src[i] === 46 && (c = src[i + 1] as number) >= 48 && c <= 57) {
          fracStart = i + 1;
          i += 2;
          while (i < n && (c = src[i] as number) >= 48 && c <= 57) i++;
          fracEnd = i;
        }
        if (i < n && ((c = src[i] as number) === 101 || c === 69)) {
          let j = i + 1;
          if (j < n && (src[j] === 43 || src[j] === CH_MINUS)) j++;
          if (j < n && (c = src[j] as number) >= 48 && c <= 57) {
            exponent = true;
            while (j < n && (c = src[j] as number) >= 48 && c <= 57) j++;
            i = j;
          }
        }
        if (fracStart < 0 && !exponent) {
          // An integer: exact in Python, printed as written — but for -0 and overlong ones (left to the slow path).
          if (intDigits > PYTHON_MAX_INT_DIGITS || (first === 48 && src[start] === CH_MINUS)) return -1;
          for (let k = start; k < i; k++) out[o++] = src[k] as number;
        } else if (!exponent && fastIsPythonFloatBytes(src, first === 48 ? 0 : intDigits, fracStart, fracEnd)) {
          for (let k = start; k < i; k++) out[o++] = src[k] as number;
        } else {
          // Decoded natively: a number may be a megabyte of digits.
          const source = Buffer.from(src.buffer, src.byteOffset + start, i - start).toString('latin1');
          const printed = pythonFloatRepr(Number(source));
          if (o + printed.length + 2 * (n - i) + 16 > out.length) out = growFastOut(o, o + printed.length + 2 * (n - i) + 16) as Uint8Array;
          for (let k = 0; k < printed.length; k++) out[o++] = printed.charCodeAt(k);
        }
      }
    } else {
      const literal = c === 116 ? 'true' : c === 102 ? 'false' : c === 110 ? 'null' : c === 78 ? 'NaN' : c === 73 ? 'Infinity' : '';
      if (literal === '' || !fastLiteralBytes(src, n, i, literal)) return -1;
      for (let k = 0; k < literal.length; k++) out[o++] = src[i + k] as number;
      i += literal.length;
    }

    // After a value: a comma moves on to the next item, a closing bracket ends the container.
    for (;;) {
      while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
      if (depth === 0) {
        fastWide = wide || fastKeyWide;
        fastKeyWide = false;
        return i === n ? o : -1;
      }
      if (i >= n) return -1;
      const isObject = kinds[depth - 1] === 1;
      if (c === CH_COMMA) {
        out[o++] = CH_COMMA;
        if (python) out[o++] = 32;
        i++;
        while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
        if (isObject) {
          fastTarget = out;
          i = fastKeyBytes(src, n, i, depth - 1, python, o);
          if (i < 0) return -1;
          o = fastKeyEnd;
          out = fastTarget as Uint8Array;
        }
        break;
      }
      if (c === (isObject ? CH_RBRACE : CH_RBRACKET)) {
        out[o++] = c;
        i++;
        depth--;
        if (isObject) liveKeys -= openKeyCounts[depth] as number;
        continue;
      }
      return -1;
    }
  }
}

/**
 * Reads `"key" :` at `i` into {@link fastOut} from `o`, sets {@link fastKeyEnd}; returns the offset of the
 * value, or -1 for what the slow path must handle: not a plain key, a key with an escape, a key seen before
 * in this object (or one with the same hash).
 */
function fastKeyBytes(src: Uint8Array, n: number, i: number, level: number, python: boolean, o: number): number {
  const out = fastTarget as Uint8Array;
  if (i >= n || src[i] !== CH_QUOTE) return -1;
  out[o++] = CH_QUOTE;
  i++;
  let hash = 0x811c9dc5 | 0;
  let c = 0;
  for (;;) {
    if (i >= n) return -1;
    c = src[i++] as number;
    if (c === CH_QUOTE) break;
    if (c === CH_BACKSLASH || c < 0x20) return -1;
    hash = Math.imul(hash ^ c, 16777619);
    out[o++] = c;
  }
  out[o++] = CH_QUOTE;
  if (!addKeyHash(hash, level)) return -1;
  while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
  if (i >= n || c !== CH_COLON) return -1;
  out[o++] = CH_COLON;
  if (python) out[o++] = 32;
  i++;
  while (i < n && ((c = src[i] as number) === 32 || c === 10 || c === 13 || c === 9)) i++;
  fastKeyEnd = o;
  return i;
}

/** True when `literal` (ASCII) is at `i`. */
function fastLiteralBytes(src: Uint8Array, n: number, i: number, literal: string): boolean {
  if (i + literal.length > n) return false;
  for (let k = 0; k < literal.length; k++) if (src[i + k] !== literal.charCodeAt(k)) return false;
  return true;
}

/**
 * {@link isPythonFloatForm} from the scanned positions of a number without exponent: `intDigits` is 0 when
 * the integer part is `0`; the fraction is src[fracStart, fracEnd) (fracStart -1: none, never here).
 */
function fastIsPythonFloatBytes(src: Uint8Array, intDigits: number, fracStart: number, fracEnd: number): boolean {
  const fractionLength = fracEnd - fracStart;
  if (fractionLength > 1 && src[fracEnd - 1] === 48) return false;
  if (intDigits === 0) {
    if (fractionLength === 1 && src[fracStart] === 48) return true;
    let leadingZeros = 0;
    while (leadingZeros < fractionLength && src[fracStart + leadingZeros] === 48) leadingZeros++;
    return leadingZeros <= 3 && fractionLength - leadingZeros <= 15;
  }
  return intDigits + fractionLength <= 15;
}

