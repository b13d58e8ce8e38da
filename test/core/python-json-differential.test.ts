/**
 * Differential test: pythonJsonDumps / compactJsonDumps against python3's own json module over
 * thousands of generated JSON texts (generated as text, so number forms, escapes, whitespace and
 * duplicate keys survive), plus invalid texts that must be refused exactly where Python refuses them.
 * One python3 run per batch keeps it fast.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compactJsonDumps, JsonSyntaxError, pythonJsonDumps } from '../../shared/src/index';

const PYTHON = String.raw`
import json, sys
texts = json.load(open(sys.argv[1], encoding='utf-8'))
out = []
for t in texts:
    try:
        v = json.loads(t)
        out.append([json.dumps(v, ensure_ascii=False), json.dumps(v, ensure_ascii=False, separators=(',', ':'))])
    except (ValueError, RecursionError):
        out.append(None)
# ASCII-only JSON, so lone surrogates and any character survive the pipe exactly.
sys.stdout.write(json.dumps(out, ensure_ascii=True))
`;

const dir = mkdtempSync(join(tmpdir(), 'pyjson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Python's verdict for each text: [python form, compact form], or null where json.loads raises. */
function python(texts: string[]): Array<[string, string] | null> {
  const file = join(dir, 'texts.json');
  writeFileSync(file, JSON.stringify(texts)); // JSON.stringify escapes lone surrogates, so Python reads the same code units
  return JSON.parse(execFileSync('python3', ['-c', PYTHON, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }));
}

function ours(text: string): [string, string] | null {
  try {
    return [pythonJsonDumps(text), compactJsonDumps(text)];
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return null;
  }
}

/** Compares every text; reports the first few differences readably. */
function expectSameAsPython(texts: string[]): void {
  const expected = python(texts);
  const differences: string[] = [];
  texts.forEach((text, n) => {
    const got = ours(text);
    if (JSON.stringify(got) !== JSON.stringify(expected[n]) && differences.length < 5) {
      differences.push(`input ${JSON.stringify(text)}\n  python: ${JSON.stringify(expected[n])}\n  ours:   ${JSON.stringify(got)}`);
    }
  });
  expect(differences, differences.join('\n')).toEqual([]);
}

/** A small seeded PRNG, so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const ws = () => (r() < 0.6 ? '' : Array.from({ length: 1 + int(3) }, () => pick([' ', '\t', '\n', '\r'])).join(''));
  const digits = (n: number, leadingNonZero = true) =>
    Array.from({ length: n }, (_, i) => (i === 0 && leadingNonZero ? String(1 + int(9)) : String(int(10)))).join('');

  const number = (): string => {
    const sign = r() < 0.3 ? '-' : '';
    switch (int(12)) {
      case 0:
        return pick(['0', '-0', '0.0', '-0.0', '1.0', '1e5', '1E+2', '0.00001', '1e16', '1e-7', '1e400', '-1e400', '1e-400', '-1e-400', '0e5', '123.456e-7', '1.5e300', '4.9e-324', '1.7976931348623157e308']);
      case 1:
        return sign + digits(1 + int(100)); // integers, often past 2^53
      case 2:
        return sign + digits(1 + int(18));
      case 3:
        return `${sign}${r() < 0.3 ? '0' : digits(1 + int(6))}.${digits(1 + int(8), false)}`;
      case 4:
        return `${sign}0.${'0'.repeat(int(8))}${digits(1 + int(5))}`;
      case 5:
        return `${sign}${digits(1 + int(3))}${pick(['e', 'E'])}${pick(['', '+', '-'])}${int(330)}`;
      case 6:
        return `${sign}${digits(1 + int(3))}.${digits(1 + int(20), false)}${pick(['e', 'E'])}${pick(['', '+', '-'])}${int(40)}`;
      case 7:
        return `${sign}${digits(15 + int(4))}.${digits(1 + int(4), false)}`;
      case 8:
        return `${sign}${digits(1 + int(3))}.${digits(int(3), false)}0`; // trailing zeros
      case 9:
        return String(r() * 10 ** (int(40) - 20) * (r() < 0.5 ? -1 : 1));
      default:
        return sign + String(int(1000));
    }
  };

  const stringBody = (): string => {
    let s = '';
    const length = int(12);
    for (let i = 0; i < length; i++) {
      switch (int(14)) {
        case 0:
          s += pick(['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t']);
          break;
        case 1: {
          const code = int(0x20);
          s += `\\u${code.toString(16).padStart(4, '0')}`.replace(/[a-f]/g, (c) => (r() < 0.5 ? c.toUpperCase() : c));
          break;
        }
        case 2:
          s += pick(['\\u2028', '\\u2029', '\u2028', '\u2029', '\\u00e9', '\\u00E9', 'é', '\\u007f', '\u007f']);
          break;
        case 3:
          s += pick(['😀', '\\ud83d\\ude00', '\\uD83D\\uDE00', '\\ud800', '\\udfff', '\\ud800x', '𝄞']);
          break;
        case 4:
          s += pick(['日本', 'Ωμέγα', 'ß', '\u00a0', '\ufeff', '\u0300']);
          break;
        default:
          s += String.fromCharCode(0x20 + int(0x5f)).replace(/["\\]/, 'q');
      }
    }
    return `"${s}"`;
  };

  const key = (): string => (r() < 0.3 ? `"${pick(['10', '2', '01', '-1', '1.5', '0'])}"` : r() < 0.3 ? pick(['"a"', '"\\u0061"', '"b"', '"a"']) : stringBody());

  const value = (depth: number): string => {
    const roll = r();
    if (depth > 0 && roll < 0.18) {
      const n = int(5);
      return `[${ws()}${Array.from({ length: n }, () => ws() + value(depth - 1) + ws()).join(',')}${n === 0 ? ws() : ''}]`;
    }
    if (depth > 0 && roll < 0.36) {
      const n = int(6);
      return `{${ws()}${Array.from({ length: n }, () => `${ws()}${key()}${ws()}:${ws()}${value(depth - 1)}${ws()}`).join(',')}}`;
    }
    if (roll < 0.6) return number();
    if (roll < 0.85) return stringBody();
    return pick(['true', 'false', 'null', 'NaN', 'Infinity', '-Infinity']);
  };

  const deep = (): string => {
    const depth = 50 + int(150);
    let text = number();
    for (let i = 0; i < depth; i++) text = r() < 0.5 ? `[${text}]` : `{"k${i}":${text},"k${i}":${text}}`.slice(0, 1) === '{' && i % 7 === 0 ? `{"k":${text}}` : `[${ws()}${text}${ws()}]`;
    return text;
  };

  return { document: () => ws() + (r() < 0.03 ? deep() : value(4)) + ws(), r, int, pick };
}

describe('pythonJsonDumps and compactJsonDumps equal python3 json.dumps(json.loads(text))', () => {
  it('on hand-picked edge cases', () => {
    expectSameAsPython([
      '{"a":1e5,"b":1E+2,"c":0.00001,"d":1e16,"e":-0,"f":-0.0,"g":1.0,"h":123456789012345678901234567890}',
      '{"10":1,"2":2,"a":3,"1":4}',
      '{"a":1,"b":2,"a":3}',
      '{"a":1,"\\u0061":2}',
      '{"x":{"a":1,"a":{"b":1,"b":2}},"y":[{"k":1,"k":2}]}',
      '"\\u001F\\u001f\\u0000\\u007f\\/\\u2028"',
      '"\\ud800"',
      '"\\udc00\\ud800"',
      '[1e400,-1e400,1e-400,-1e-400,NaN,Infinity,-Infinity]',
      '[0.1,0.2,0.30000000000000004,1.7976931348623157e308,5e-324,2.2250738585072014e-308]',
      '[1234567890123456.0,12345678901234567.0,0.0001,0.00012,100000000000000000000.0]',
      '[9007199254740993,-9007199254740993,' + '9'.repeat(300) + ']',
      ' \t\n\r{ "a" : [ ] , "b" : { } } \n',
      '[]',
      '{}',
      '"\u00e9\ud83d\ude00"',
      '1' + '0'.repeat(4299),
      '1' + '0'.repeat(4300),
      '-' + '1'.repeat(4300),
      '[' .repeat(500) + ']'.repeat(500),
      '{"a":' .repeat(300) + '1' + '}'.repeat(300),
    ]);
  });

  it('on 6,000 generated documents', () => {
    const g = generator(20261122);
    expectSameAsPython(Array.from({ length: 6000 }, () => g.document()));
  });

  it('refuses exactly what Python refuses, on invalid and mutated texts', () => {
    const invalid = [
      '', ' ', '[1,]', '{"a":1,}', '[01]', '[1.]', '[.5]', '[-]', '[+1]', '"abc', '"a\tb"', '"a\nb"', '"\\x"', '"\\u12"', '"\\u12G4"',
      '[1] x', '{"a" 1}', '{a:1}', "['a']", '[1 2]', 'nul', 'tru', '[NaN1]', '-Infinityx', '[-NaN]', '\ufeff[]', '[1e]', '[1e+]', '[--1]',
      '{"a":1 "b":2}', '[}', '{]', '}', '"\\ud800\\"',
    ];
    const g = generator(7);
    const mutated = Array.from({ length: 3000 }, () => {
      const text = g.document();
      const at = g.int(text.length + 1);
      switch (g.int(3)) {
        case 0:
          return text.slice(0, at); // truncated
        case 1:
          return text.slice(0, at) + g.pick(['"', ',', ':', '{', ']', '\\', '\u0001', 'x', '-', '.', 'e', ' ']) + text.slice(at);
        default:
          return text.slice(0, at) + text.slice(at + 1); // a character dropped
      }
    });
    expectSameAsPython([...invalid, ...mutated]);
  });
});
