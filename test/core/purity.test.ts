/**
 * n8n loads the core's pure modules: they may not use timers, `process` or `globalThis`, and may import
 * only n8n-workflow, lodash, luxon, zod, node:crypto and their own files (n8n's rules for verified community nodes, also checked by @n8n/scan-community-package).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '..', '..', 'shared', 'src');
/** Modules with sockets or timers, which only the CLI and Node-RED import (entry points `cli` and `node`). */
const isImpure = (path: string) => path === 'cli.ts' || path.startsWith('node/');
const ALLOWED_IMPORTS = /^(\.{1,2}\/|n8n-workflow$|lodash|luxon$|zod$|node:crypto$)/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const pure = sources(SRC).filter((path) => !isImpure(relative(SRC, path)));

describe('the pure core obeys n8n rules', () => {
  it('finds the modules', () => expect(pure.length).toBeGreaterThan(10));

  it.each(pure.map((path) => [relative(SRC, path), path]))('%s', (_name, path) => {
    const code = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(/\b(setTimeout|setInterval|setImmediate|process|globalThis|require)\b/);
    const imports = [...code.matchAll(/\bfrom\s+'([^']+)'/g)].map((m) => m[1] as string);
    for (const specifier of imports) {
      expect(specifier).toMatch(ALLOWED_IMPORTS);
      if (specifier.startsWith('.')) {
        const target = relative(SRC, join(path, '..', specifier)) + '.ts';
        expect(isImpure(target), `${specifier} is a Node-only module`).toBe(false);
      }
    }
  });
});
