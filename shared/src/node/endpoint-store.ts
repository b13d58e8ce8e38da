/**
 * Endpoint health kept in files, one small JSON file per endpoint key (named by a hash of the key), so a
 * disabled endpoint stays disabled across restarts and redeploys until someone re-enables it. Reads go to
 * the file every time, so every copy of the store in a process agrees. Files 0600 in a 0700 folder,
 * written to a temporary file and renamed. Node-only module.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EndpointState, EndpointStateStore } from '../delivery/endpoint-health';

export interface FileEndpointStore extends EndpointStateStore {
  get(key: string): EndpointState | undefined;
  set(key: string, state: EndpointState): void;
  /** Forgets an endpoint (a node deleted for good). */
  remove(key: string): void;
  readonly dir: string;
}

export function openFileEndpointStore(dir: string): FileEndpointStore {
  const fileOf = (key: string) => join(dir, `${createHash('sha256').update(String(key), 'utf8').digest('hex').slice(0, 32)}.json`);
  const ensureDir = () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if ((lstatSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  };
  return {
    dir,
    get(key) {
      try {
        const state = JSON.parse(readFileSync(fileOf(key), 'utf8')) as EndpointState;
        return state && (state.status === 'active' || state.status === 'failed') ? state : undefined;
      } catch {
        return undefined;
      }
    },
    set(key, state) {
      ensureDir();
      const file = fileOf(key);
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
      renameSync(temporary, file);
    },
    remove(key) {
      rmSync(fileOf(key), { force: true });
    },
  };
}
