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
 * @throws {@link JsonSyntaxError} when Python's `json.loads` would refuse the text.
 * @example
 * pythonJsonDumps('{"a":1e5,"b":[1.0,"é"]}') // '{"a": 100000.0, "b": [1.0, "é"]}'
 */
export function pythonJsonDumps(text: string, options?: ReserializeOptions): string {
  return reserialize(text, ', ', ': ', options?.maxDepth ?? DEFAULT_MAX_DEPTH);
}

/**
 * Python's `json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))`: the same value
 * forms as {@link pythonJsonDumps} with no whitespace — the compact form a non-Python backend signs.
 *
 * @throws {@link JsonSyntaxError} when Python's `json.loads` would refuse the text.
 */
export function compactJsonDumps(text: string, options?: ReserializeOptions): string {
  return reserialize(text, ',', ':', options?.maxDepth ?? DEFAULT_MAX_DEPTH);
}

interface ContainerFrame {
  isObject: boolean;
  /** Offset in the output where this container's opening bracket stands. */
  outStart: number;
  /** Objects only: decoded keys in order of appearance. */
  keys: string[];
  keySet: Set<string> | null;
  hasDuplicate: boolean;
  /** The key just read, as Python prints it. */
  lastKeyOutput: string;
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

function reserialize(text: string, itemSep: string, keySep: string, maxDepth: number): string {
  let out = '';
  const stack: ContainerFrame[] = [];
  let i = skipWhitespace(text, 0);

  // Each turn of this loop reads one value at `i`, then closes every container that ends after it.
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === CH_LBRACE || c === CH_LBRACKET) {
      const isObject = c === CH_LBRACE;
      i = skipWhitespace(text, i + 1);
      if (text.charCodeAt(i) === (isObject ? CH_RBRACE : CH_RBRACKET)) {
        out += isObject ? '{}' : '[]';
        i++;
      } else {
        if (stack.length >= maxDepth) throw new JsonSyntaxError(`Nesting deeper than ${maxDepth} levels`, i);
        const frame: ContainerFrame = {
          isObject,
          outStart: out.length,
          keys: [],
          keySet: null,
          hasDuplicate: false,
          lastKeyOutput: '',
        };
        stack.push(frame);
        out += isObject ? '{' : '[';
        if (isObject) {
          i = readKey(text, i, frame);
          out += frame.lastKeyOutput + keySep;
        }
        continue;
      }
    } else if (c === CH_QUOTE) {
      const end = findStringEnd(text, i);
      out += pythonStringFromSource(text, i, end);
      i = end;
    } else if (c === CH_MINUS || (c >= 48 && c <= 57)) {
      const token = readNumber(text, i);
      out += token.output;
      i = token.end;
    } else {
      const literal = readLiteral(text, i);
      out += literal;
      i += literal.length;
    }

    // After a value: a comma moves on to the next item, a closing bracket ends the container.
    for (;;) {
      const frame = stack[stack.length - 1];
      i = skipWhitespace(text, i);
      if (frame === undefined) {
        if (i !== text.length) throw new JsonSyntaxError('Extra data after the JSON value', i);
        return out;
      }
      const d = text.charCodeAt(i);
      if (d === CH_COMMA) {
        out += itemSep;
        i = skipWhitespace(text, i + 1);
        if (frame.isObject) {
          i = readKey(text, i, frame);
          out += frame.lastKeyOutput + keySep;
        }
        break;
      }
      if (d === (frame.isObject ? CH_RBRACE : CH_RBRACKET)) {
        stack.pop();
        i++;
        if (frame.hasDuplicate) {
          out = out.slice(0, frame.outStart) + rebuildWithoutDuplicates(out.slice(frame.outStart) + '}', itemSep);
        } else {
          out += frame.isObject ? '}' : ']';
        }
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
 * Reads `"key" :` at `i`, records the decoded key and its printed form on the frame,
 * and returns the offset of the member's value.
 */
function readKey(text: string, i: number, frame: ContainerFrame): number {
  if (text.charCodeAt(i) !== CH_QUOTE) {
    throw new JsonSyntaxError('Expecting property name enclosed in double quotes', i);
  }
  const end = findStringEnd(text, i);
  const raw = text.slice(i + 1, end - 1);
  const hasEscape = raw.indexOf('\\') !== -1;
  frame.lastKeyOutput = hasEscape ? encodePythonString(decodeJsonString(text, i, end)) : text.slice(i, end);
  const colon = skipWhitespace(text, end);
  if (text.charCodeAt(colon) !== CH_COLON) throw new JsonSyntaxError("Expecting ':' delimiter", colon);
  registerKey(frame, hasEscape ? decodeJsonString(text, i, end, true) : SURROGATE.test(raw) ? markLoneSurrogates(raw) : raw);
  return skipWhitespace(text, colon + 1);
}

function registerKey(frame: ContainerFrame, key: string): void {
  const keys = frame.keys;
  if (!frame.hasDuplicate) {
    if (frame.keySet === null && keys.length < 16) {
      for (let k = 0; k < keys.length; k++) {
        if (keys[k] === key) {
          frame.hasDuplicate = true;
          break;
        }
      }
    } else {
      if (frame.keySet === null) frame.keySet = new Set(keys);
      if (frame.keySet.has(key)) frame.hasDuplicate = true;
      else frame.keySet.add(key);
    }
  }
  keys.push(key);
}

/**
 * Python keeps a duplicated key at its first position with its last value. Rare, so rather than
 * tracking every member's offsets on the way, the object's own output is read again here.
 */
function rebuildWithoutDuplicates(objectText: string, itemSep: string): string {
  const order: string[] = [];
  const memberText = new Map<string, string>();
  for (const member of topLevelMembers(objectText) ?? []) {
    if (!memberText.has(member.key)) order.push(member.key);
    memberText.set(member.key, objectText.slice(member.keyStart, member.valueEnd));
  }
  let rebuilt = '{';
  for (let m = 0; m < order.length; m++) {
    if (m > 0) rebuilt += itemSep;
    rebuilt += memberText.get(order[m] as string);
  }
  return rebuilt + '}';
}

/**
 * Returns the offset just past the closing quote of the string starting at `start`.
 * Rejects what Python's strict decoder rejects: raw control characters and bad escapes.
 */
function findStringEnd(text: string, start: number): number {
  let i = start + 1;
  const n = text.length;
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

/** Python's output for the source string literal text[start, end). Copies the slice when nothing changes. */
function pythonStringFromSource(text: string, start: number, end: number): string {
  // Without a backslash the source has no escapes and (being valid) no control characters, so
  // Python's ensure_ascii=False output is the very same text.
  const backslash = text.indexOf('\\', start + 1);
  if (backslash === -1 || backslash >= end) return text.slice(start, end);
  return encodePythonString(decodeJsonString(text, start, end));
}

/**
 * Decodes the validated string literal text[start, end) (quotes included).
 *
 * With `asKeyIdentity`, the result is for telling keys apart as Python does. Python joins two surrogates
 * into one character only when both are escapes or both are raw; a raw one next to an escaped one stays two
 * lone code points. So every surrogate that Python leaves lone is written as U+FFFF and its hex, whether it
 * came raw or escaped, and only pairs Python joins stay pairs.
 */
export function decodeJsonString(text: string, start: number, end: number, asKeyIdentity = false): string {
  let result = '';
  let runStart = start + 1;
  const last = end - 1;
  let i = runStart;
  while (i < last) {
    if (text.charCodeAt(i) !== CH_BACKSLASH) {
      i++;
      continue;
    }
    result += asKeyIdentity ? markLoneSurrogates(text.slice(runStart, i)) : text.slice(runStart, i);
    const e = text.charCodeAt(i + 1);
    switch (e) {
      case 117: {
        // \uXXXX — lone surrogates stay lone, as in Python
        const code = parseInt(text.slice(i + 2, i + 6), 16);
        if (asKeyIdentity && code >= 0xd800 && code <= 0xdfff) {
          const next = code <= 0xdbff && text.charCodeAt(i + 6) === CH_BACKSLASH && text.charCodeAt(i + 7) === 117 ? parseInt(text.slice(i + 8, i + 12), 16) : -1;
          if (next >= 0xdc00 && next <= 0xdfff) {
            result += String.fromCharCode(code, next); // an escaped pair: one character, as in Python
            i += 12;
          } else {
            result += `\uffff${text.slice(i + 2, i + 6).toLowerCase()}`;
            i += 6;
          }
          break;
        }
        result += String.fromCharCode(code);
        i += 6;
        break;
      }
      case 98:
        result += '\b';
        i += 2;
        break;
      case 102:
        result += '\f';
        i += 2;
        break;
      case 110:
        result += '\n';
        i += 2;
        break;
      case 114:
        result += '\r';
        i += 2;
        break;
      case 116:
        result += '\t';
        i += 2;
        break;
      default: // \" \\ \/
        result += text[i + 1];
        i += 2;
    }
    runStart = i;
  }
  return result + (asKeyIdentity ? markLoneSurrogates(text.slice(runStart, last)) : text.slice(runStart, last));
}

const SURROGATE = /[\ud800-\udfff]/;
/** A UTF-16 surrogate without its other half. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Raw lone surrogates in a run of unescaped text, marked as in {@link decodeJsonString}'s key identity. */
function markLoneSurrogates(run: string): string {
  return run.replace(LONE_SURROGATE, (c) => `\uffff${c.charCodeAt(0).toString(16)}`);
}

const SHORT_ESCAPES: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

/** Python's `py_encode_basestring`: escapes `"`, `\` and control characters only. */
export function encodePythonString(value: string): string {
  let result = '"';
  let runStart = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 && c !== CH_QUOTE && c !== CH_BACKSLASH) continue;
    result += value.slice(runStart, i);
    result += SHORT_ESCAPES[c] ?? '\\u00' + (c < 16 ? '0' : '') + c.toString(16);
    runStart = i + 1;
  }
  return result + value.slice(runStart) + '"';
}

interface NumberToken {
  output: string;
  end: number;
}

/** Reads a number (or `-Infinity`) at `start` and returns Python's printed form. */
function readNumber(text: string, start: number): NumberToken {
  let i = start;
  const negative = text.charCodeAt(i) === CH_MINUS;
  if (negative) {
    i++;
    if (text.startsWith('Infinity', i)) return { output: '-Infinity', end: i + 8 };
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
  if (!isFloat) {
    if (intEnd - intStart > PYTHON_MAX_INT_DIGITS) {
      throw new JsonSyntaxError(`Integer with more than ${PYTHON_MAX_INT_DIGITS} digits`, start);
    }
    // Integers are exact in Python; JSON forbids leading zeros, so only "-0" differs from its source.
    if (negative && first === 48) return { output: '0', end: i };
    return { output: text.slice(start, i), end: i };
  }
  const source = text.slice(start, i);
  return { output: isPythonFloatForm(source) ? source : pythonFloatRepr(Number(source)), end: i };
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
      i = readNumber(text, i).end;
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
