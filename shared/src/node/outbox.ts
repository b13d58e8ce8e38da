/**
 * A small file-backed outbox: deliveries still pending survive a restart. Each entry is written before
 * the first attempt and after every attempt, and removed when the delivery ends. Writes go to a
 * temporary file renamed over the old one, so a crash never leaves half a file. Node-only module.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeliveryProgress } from '../delivery/deliver';

/** One pending delivery. `body` and `extra` must be JSON-serializable; secrets never go in here. */
export interface OutboxEntry {
  id: string;
  createdAt: number;
  body: unknown;
  placeholders?: Record<string, string | undefined>;
  progress?: DeliveryProgress;
  /** Whatever the adapter needs to rebuild its message (e.g. Node-RED's msg without req/res). */
  extra?: Record<string, unknown>;
}

export interface FileOutbox {
  entries(): OutboxEntry[];
  put(entry: OutboxEntry): void;
  remove(id: string): void;
  readonly file: string;
}

/** Opens (or creates) the outbox at `file`. A corrupt file is set aside as `<file>.corrupt`, not lost. */
export function openFileOutbox(file: string): FileOutbox {
  const entries = new Map<string, OutboxEntry>();
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as OutboxEntry[];
    for (const entry of parsed) entries.set(entry.id, entry);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      try {
        renameSync(file, `${file}.corrupt`);
      } catch {
        // Nothing more to save.
      }
    }
  }
  const flush = (): void => {
    mkdirSync(dirname(file), { recursive: true });
    if (entries.size === 0) {
      rmSync(file, { force: true });
      return;
    }
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify([...entries.values()]));
    renameSync(temporary, file);
  };
  return {
    file,
    entries: () => [...entries.values()],
    put(entry) {
      entries.set(entry.id, entry);
      flush();
    },
    remove(id) {
      if (entries.delete(id)) flush();
    },
  };
}
