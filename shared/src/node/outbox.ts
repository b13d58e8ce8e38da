/**
 * A file-backed outbox: deliveries still pending survive a restart. Node-only module.
 *
 * Safe by construction:
 * - One folder per owner, `<root>/<sha256(owner) hex, 32 chars>/` (see {@link outboxFolder}); one file
 *   per entry named `e-<sha256(entry id) hex, 32 chars>.json` — no name ever comes from an id as it is.
 *   Every path is resolved and checked to stay inside the folder.
 * - Every file is an envelope with a magic/version field (`"devicehookOutbox": 1`); the outbox reads,
 *   replaces and deletes only files it recognises as its own envelopes. Nothing else is renamed or removed.
 * - O(1) disk work per put / update / remove: one temporary file written and renamed over the entry's
 *   file (atomic: a crash leaves the old or the new entry, never half of one), or one unlink. All of it
 *   asynchronous (fs/promises); operations on one entry run in order.
 * - Pending count and bytes are capped (default 10,000 entries / 64 MiB); past the cap `put` refuses
 *   with reason `outbox_full` and writes nothing.
 * - Files are 0600 in 0700 folders. Entries hold the message and the target, never a secret: the signing
 *   secret and auth headers are read from the configuration at send time.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fsPromises from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { DeliveryProgress } from '../delivery/deliver';

/** One pending delivery. `body` and `extra` must be JSON-serializable; secrets never go in here. */
export interface OutboxEntry {
  /** Minted by the adapter (a random UUID); the file name is a hash of it either way. */
  id: string;
  createdAt: number;
  body: unknown;
  placeholders?: Record<string, string | undefined>;
  progress?: DeliveryProgress;
  /** Where it goes, for people reading the folder: the URL with userinfo redacted. Sending uses the configuration. */
  target?: string;
  /** Whatever the adapter needs to rebuild its message (e.g. Node-RED's msg without req/res). */
  extra?: Record<string, unknown>;
}

/** The part of `fs/promises` the outbox uses: injectable, so tests can count and fail disk work. */
export interface OutboxFs {
  mkdir(path: string, options: { recursive: true; mode: number }): Promise<unknown>;
  chmod(path: string, mode: number): Promise<void>;
  lstat(path: string): Promise<{ isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string, options: { mode: number; flag: 'wx' }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
}

export interface OutboxOptions {
  /** Most entries pending at once. @defaultValue 10 000 */
  maxEntries?: number;
  /** Most bytes pending at once (sum of the entry files). @defaultValue 64 MiB */
  maxBytes?: number;
  /** The file system (tests). @defaultValue node:fs/promises */
  fs?: OutboxFs;
  /** Told about files in the folder the outbox does not recognise (they are left alone). */
  onProblem?: (message: string) => void;
}

export type OutboxPutResult = { ok: true } | { ok: false; reason: 'outbox_full'; message: string };

export interface Outbox {
  /** The folder holding this outbox's files. */
  readonly folder: string;
  /** The entries found on disk when the outbox was opened (recognised envelopes only). */
  readonly loaded: OutboxEntry[];
  /**
   * Stores a new entry, unless the cap is reached (then nothing is written). `ignoreCap` is for entries
   * already accepted earlier (migrated from the previous version's file).
   */
  put(entry: OutboxEntry, options?: { ignoreCap?: boolean }): Promise<OutboxPutResult>;
  /** Replaces a stored entry (e.g. with its retry progress). Not capped: the entry is already counted. */
  update(entry: OutboxEntry): Promise<void>;
  /** Deletes an entry's file. */
  remove(id: string): Promise<void>;
  /** Deletes every envelope file of this outbox, then the folder if nothing else is in it. Returns how many entries were dropped. */
  removeAll(): Promise<number>;
  /** Waits for every write under way. */
  flush(): Promise<void>;
  pending(): { count: number; bytes: number };
}

export const OUTBOX_MAGIC = 'devicehookOutbox';
export const OUTBOX_VERSION = 1;
export const DEFAULT_OUTBOX_MAX_ENTRIES = 10_000;
export const DEFAULT_OUTBOX_MAX_BYTES = 64 * 1024 * 1024;

const ENTRY_FILE = /^e-[0-9a-f]{32}\.json$/;
const TEMP_FILE = /^e-[0-9a-f]{32}\.[0-9a-f]{16}\.tmp$/;
/** Every envelope starts with these bytes (written first), so even a torn temporary file is recognisable. */
const ENVELOPE_PREFIX = `{"${OUTBOX_MAGIC}":${OUTBOX_VERSION},`;

const defaultFs: OutboxFs = {
  mkdir: (path, options) => fsPromises.mkdir(path, options),
  chmod: (path, mode) => fsPromises.chmod(path, mode),
  lstat: (path) => fsPromises.lstat(path),
  readdir: (path) => fsPromises.readdir(path),
  readFile: (path, encoding) => fsPromises.readFile(path, encoding),
  writeFile: (path, data, options) => fsPromises.writeFile(path, data, options),
  rename: (from, to) => fsPromises.rename(from, to),
  unlink: (path) => fsPromises.unlink(path),
  rmdir: (path) => fsPromises.rmdir(path),
};

/** sha256 of `text`, hex, first 32 characters (128 bits). */
export function shortHash(text: string): string {
  return createHash('sha256').update(String(text), 'utf8').digest('hex').slice(0, 32);
}

/** The folder of one owner's outbox: `<root>/<shortHash(owner)>`, whatever the owner id holds. */
export function outboxFolder(root: string, owner: string): string {
  return join(resolve(root), shortHash(owner));
}

/** True when `child` is strictly inside `parent` (both resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

interface Envelope {
  [OUTBOX_MAGIC]: number;
  entry: OutboxEntry;
}

function envelopeText(entry: OutboxEntry): string {
  // The magic comes first so that the file's first bytes identify it (see ENVELOPE_PREFIX).
  return `${ENVELOPE_PREFIX}"entry":${JSON.stringify(entry)}}`;
}

/** The entry in an envelope file's text, when it is one of ours and its name matches its id. */
function readEnvelope(text: string, fileName: string): OutboxEntry | undefined {
  if (!text.startsWith(ENVELOPE_PREFIX)) return undefined;
  let parsed: Envelope;
  try {
    parsed = JSON.parse(text) as Envelope;
  } catch {
    return undefined;
  }
  const entry = parsed?.entry;
  if (parsed?.[OUTBOX_MAGIC] !== OUTBOX_VERSION || !entry || typeof entry !== 'object' || typeof entry.id !== 'string') return undefined;
  return fileName === `e-${shortHash(entry.id)}.json` ? entry : undefined;
}

/**
 * Opens (creating it 0700 if needed) the outbox in `folder` and reads the entries a previous run left.
 * Files it does not recognise are reported through `onProblem` and left as they are.
 */
export async function openOutbox(folder: string, options: OutboxOptions = {}): Promise<Outbox> {
  const fs = options.fs ?? defaultFs;
  const maxEntries = options.maxEntries ?? DEFAULT_OUTBOX_MAX_ENTRIES;
  const maxBytes = options.maxBytes ?? DEFAULT_OUTBOX_MAX_BYTES;
  if (!(Number.isInteger(maxEntries) && maxEntries > 0)) throw new RangeError('The outbox cap on entries must be a whole number, 1 or more.');
  if (!(Number.isFinite(maxBytes) && maxBytes > 0)) throw new RangeError('The outbox cap on bytes must be a positive number.');
  const problem = options.onProblem ?? (() => {});
  const dir = resolve(folder);

  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const stat = await fs.lstat(dir);
  if (stat.isSymbolicLink() || !stat.isDirectory()) throw new Error(`The outbox folder ${dir} is not a plain folder; refusing to use it.`);
  await fs.chmod(dir, 0o700);

  /** The path of a file of ours, checked to stay in the folder. */
  const pathOf = (name: string): string => {
    const path = resolve(dir, name);
    if (dirname(path) !== dir || basename(path) !== name) throw new Error(`Outbox file name "${name}" leaves the outbox folder.`);
    return path;
  };
  const fileOf = (id: string) => `e-${shortHash(id)}.json`;

  const sizes = new Map<string, number>(); // entry id → bytes on disk
  let bytes = 0;
  const chains = new Map<string, Promise<void>>(); // entry id → its last operation

  const loaded: OutboxEntry[] = [];
  for (const name of (await fs.readdir(dir)).sort()) {
    if (!ENTRY_FILE.test(name)) {
      if (!TEMP_FILE.test(name)) problem(`Left alone a file the outbox did not write: ${join(dir, name)}`);
      continue; // a torn temporary file: its entry file (old version) is still there, or never was
    }
    const path = pathOf(name);
    const info = await fs.lstat(path);
    if (!info.isFile()) {
      problem(`Left alone ${path}: not a plain file.`);
      continue;
    }
    const text = await fs.readFile(path, 'utf8');
    const entry = readEnvelope(text, name);
    if (!entry) {
      problem(`Left alone ${path}: not an outbox entry this version recognises.`);
      continue;
    }
    loaded.push(entry);
    const size = Buffer.byteLength(text, 'utf8');
    sizes.set(entry.id, size);
    bytes += size;
  }
  loaded.sort((a, b) => a.createdAt - b.createdAt);

  /** Runs `op` after every earlier operation on the same entry. */
  const queue = (id: string, op: () => Promise<void>): Promise<void> => {
    const previous = chains.get(id) ?? Promise.resolve();
    const next = previous.then(op, op);
    chains.set(id, next);
    const forget = () => {
      if (chains.get(id) === next) chains.delete(id);
    };
    next.then(forget, forget);
    return next;
  };

  const write = async (entry: OutboxEntry, text: string): Promise<void> => {
    const target = pathOf(fileOf(entry.id));
    const temporary = pathOf(`${fileOf(entry.id).slice(0, -'.json'.length)}.${randomBytes(8).toString('hex')}.tmp`);
    await fs.writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
    try {
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.unlink(temporary).catch(() => {});
      throw error;
    }
  };

  const store = (entry: OutboxEntry): { text: string; size: number } => {
    const text = envelopeText(entry);
    return { text, size: Buffer.byteLength(text, 'utf8') };
  };

  return {
    folder: dir,
    loaded,
    async put(entry, putOptions = {}) {
      const { text, size } = store(entry);
      const known = sizes.get(entry.id);
      const count = sizes.size + (known === undefined ? 1 : 0);
      const total = bytes - (known ?? 0) + size;
      if (!putOptions.ignoreCap && (count > maxEntries || total > maxBytes)) {
        return {
          ok: false,
          reason: 'outbox_full',
          message: `The outbox is full (${sizes.size} pending, ${bytes} bytes; the cap is ${maxEntries} entries and ${maxBytes} bytes): the message was not queued.`,
        };
      }
      sizes.set(entry.id, size);
      bytes = total;
      await queue(entry.id, () => write(entry, text));
      return { ok: true };
    },
    async update(entry) {
      const known = sizes.get(entry.id);
      if (known === undefined) return; // removed meanwhile: nothing to update
      const { text, size } = store(entry);
      sizes.set(entry.id, size);
      bytes += size - known;
      await queue(entry.id, async () => {
        if (sizes.has(entry.id)) await write(entry, text);
      });
    },
    async remove(id) {
      const known = sizes.get(id);
      if (known === undefined) return;
      sizes.delete(id);
      bytes -= known;
      await queue(id, async () => {
        await fs.unlink(pathOf(fileOf(id))).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      });
    },
    async removeAll() {
      await Promise.allSettled([...chains.values()]);
      const dropped = sizes.size;
      sizes.clear();
      bytes = 0;
      let names: string[];
      try {
        names = await fs.readdir(dir);
      } catch {
        return dropped;
      }
      for (const name of names) {
        const isEntry = ENTRY_FILE.test(name);
        if (!isEntry && !TEMP_FILE.test(name)) continue;
        const path = pathOf(name);
        const info = await fs.lstat(path).catch(() => undefined);
        if (!info?.isFile()) continue;
        const text = await fs.readFile(path, 'utf8').catch(() => '');
        // An entry file must be a whole envelope of ours; a temporary file (torn by a crash) at least starts like one.
        const ours = isEntry ? readEnvelope(text, name) !== undefined : text.startsWith(ENVELOPE_PREFIX);
        if (ours) await fs.unlink(path).catch(() => {});
      }
      await fs.rmdir(dir).catch(() => {}); // only succeeds when empty: anything we did not write stays
      return dropped;
    },
    async flush() {
      await Promise.allSettled([...chains.values()]);
    },
    pending: () => ({ count: sizes.size, bytes }),
  };
}

/**
 * Reads the outbox file of the previous version (`<userDir>/devicehook/outbox-<nodeId>.json`, one JSON
 * array rewritten whole) once, so its pending deliveries are not lost, and removes it — but only when that
 * path stays inside `<userDir>/devicehook/`, is a plain file, and holds what that version wrote (an array
 * of entries with string ids). Anything else is left as it is (and reported).
 * @returns the entries found and `remove()`, to call once they are safely in the new outbox; undefined
 *   when there is no such file or it is not recognised
 */
export async function readLegacyOutbox(
  userDir: string,
  nodeId: string,
  options: Pick<OutboxOptions, 'fs' | 'onProblem'> = {},
): Promise<{ entries: OutboxEntry[]; path: string; remove(): Promise<void> } | undefined> {
  const fs = options.fs ?? defaultFs;
  const problem = options.onProblem ?? (() => {});
  const base = resolve(userDir, 'devicehook');
  const path = resolve(base, `outbox-${nodeId}.json`);
  if (dirname(path) !== base || basename(path) !== `outbox-${nodeId}.json`) return undefined; // the id climbs out: never touched
  let text: string;
  try {
    const info = await fs.lstat(path);
    if (!info.isFile()) return undefined;
    text = await fs.readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problem(`Left alone ${path}: not an outbox file of the previous version.`);
    return undefined;
  }
  const isEntry = (value: unknown): value is OutboxEntry =>
    !!value && typeof value === 'object' && !Array.isArray(value) && typeof (value as OutboxEntry).id === 'string' && typeof (value as OutboxEntry).createdAt === 'number' && 'body' in value;
  if (!Array.isArray(parsed) || !parsed.every(isEntry)) {
    problem(`Left alone ${path}: not an outbox file of the previous version.`);
    return undefined;
  }
  return { entries: parsed, path, remove: () => fs.unlink(path) };
}
