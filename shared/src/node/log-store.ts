/**
 * The embedded default log store: one node's receipts and deliveries in append-only NDJSON segment files.
 *
 * Why this design (and not SQLite, one JSON file, or a line per file):
 *   - **Bounded, linear cost.** An append serializes one line and adds it to the segment's in-memory
 *     summary: O(1), whatever the log's size. The summary is the sum of per-segment summaries, kept up to
 *     date as entries arrive: O(1) to read. A query reads segments newest first and stops at its limit;
 *     segments whose time range, codes or types cannot match are skipped without being read. The whole log
 *     is capped (64 MiB by default), so even a full scan has a ceiling.
 *   - **Durability without rewrites.** Lines are only appended (batched, asynchronously: one write per
 *     batch, never one per entry), so a crash loses at most the batch in flight and can only leave a
 *     partial last line, which the next open cuts off. Nothing is ever rewritten in place.
 *   - **Retention by whole segments.** A segment rolls every few MiB (4 by default); retention by age (30
 *     days) and total size deletes whole old segments — one unlink each, no compaction.
 *   - **Cheap reopening.** A closed segment's summary sits in a small sidecar (`<n>.sum.json`), so opening
 *     reads the sidecars and scans only the active segment; a missing sidecar is rebuilt from its segment.
 *   - **No new dependency, no native module**: the Node-RED tarball installs anywhere.
 * Layout: `<root>/<sha256(node id) first 32 hex>/<9-digit segment>.ndjson` — names never come from the
 * node id itself, so no id can reach outside the folder. Folders 0700, files 0600. Entry ids are
 * `<segment>-<byte offset>`: `get(id)` reads one line at its offset.
 * One process per folder (Node-RED runs one); the stores are shared per folder within a process.
 * Node-only module.
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, ftruncateSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile, open, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareEntryIds, DEFAULT_LIMIT, isEntryId, matchesFilter, MAX_LIMIT } from '../log/filter';
import { addSummaries, countEntry, emptySummary, presentSummary } from '../log/summary';
import type { LogEntry, LogEntryInput, LogFilter, LogStore, LogSummary } from '../log/types';

export interface LogStoreOptions {
  /** Roll to a new segment past this size. @defaultValue 4 MiB (at most an eighth of `maxBytes`) */
  segmentBytes?: number;
  /** Total size kept; the oldest segments go first. @defaultValue 64 MiB */
  maxBytes?: number;
  /** Entries older than this are deleted (by whole segments). @defaultValue 30 days */
  maxAgeMs?: number;
  /** Entries waiting to be written, in bytes, before new ones are counted as lost. @defaultValue 8 MiB */
  maxQueueBytes?: number;
  now?: () => number;
}

/** A store with its folder, for status and tests. */
export interface FileLogStore extends LogStore {
  readonly dir: string;
  /** Bytes on disk (and queued), across segments. */
  bytes(): number;
  /** Segment numbers, oldest first. */
  segments(): number[];
}

interface Segment {
  seq: number;
  bytes: number;
  summary: LogSummary;
  /** Whether its sidecar is written (closed segments only). */
  sealed: boolean;
}

const MiB = 1024 * 1024;
const DAY = 86_400_000;
const SEGMENT_FILE = /^(\d{9})\.ndjson$/;
const registryKey = Symbol.for('devicehook.logStores');

/** The folder name for a node id: a hash, never the id itself. */
export function logFolderName(nodeId: string): string {
  return createHash('sha256').update(String(nodeId), 'utf8').digest('hex').slice(0, 32);
}

function registry(): Map<string, FileLogStore> {
  const g = globalThis as unknown as Record<symbol, Map<string, FileLogStore> | undefined>;
  return (g[registryKey] ??= new Map());
}

function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a folder`);
  if ((stat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

/** Whether a log exists for this node (without creating anything). */
export function logExists(root: string, nodeId: string): boolean {
  try {
    return lstatSync(join(root, logFolderName(nodeId))).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Opens (or creates) the log of `nodeId` under `root`. Within one process the same folder gives the same
 * store, so a redeployed node and the admin routes share it.
 */
export function openLogStore(root: string, nodeId: string, options: LogStoreOptions = {}): FileLogStore {
  const dir = join(root, logFolderName(nodeId));
  const open_ = registry().get(dir);
  if (open_) return open_;
  const store = createStore(root, dir, options);
  registry().set(dir, store);
  return store;
}

function segmentPath(dir: string, seq: number): string {
  return join(dir, `${String(seq).padStart(9, '0')}.ndjson`);
}
function sidecarPath(dir: string, seq: number): string {
  return join(dir, `${String(seq).padStart(9, '0')}.sum.json`);
}

/** Reads a segment's lines and counts them; cuts a partial last line (a crash mid-write). */
function scanSegment(file: string, cutPartial: boolean): { summary: LogSummary; bytes: number } {
  const summary = emptySummary();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { summary, bytes: 0 };
  }
  let end = text.lastIndexOf('\n') + 1;
  const complete = text.slice(0, end);
  if (end < text.length) {
    if (cutPartial) {
      const fd = openSync(file, 'r+');
      try {
        ftruncateSync(fd, Buffer.byteLength(complete, 'utf8'));
      } finally {
        closeSync(fd);
      }
    }
  }
  for (const line of complete.split('\n')) {
    if (!line) continue;
    try {
      countEntry(summary, JSON.parse(line) as LogEntry);
    } catch {
      // A damaged line is skipped, not fatal.
    }
  }
  end = Buffer.byteLength(complete, 'utf8');
  return { summary, bytes: end };
}

function createStore(root: string, dir: string, options: LogStoreOptions): FileLogStore {
  const now = options.now ?? Date.now;
  const maxBytes = options.maxBytes ?? 64 * MiB;
  const segmentBytes = Math.max(4096, Math.min(options.segmentBytes ?? 4 * MiB, Math.floor(maxBytes / 8)));
  const maxAgeMs = options.maxAgeMs ?? 30 * DAY;
  const maxQueueBytes = options.maxQueueBytes ?? 8 * MiB;
  if (!(maxBytes > 0 && maxAgeMs > 0 && Number.isFinite(maxBytes) && Number.isFinite(maxAgeMs))) throw new RangeError('Log size and age limits must be positive numbers.');

  ensurePrivateDir(root);
  const stat = lstatSync(dir, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) throw new Error(`${dir} is not a folder`);
  ensurePrivateDir(dir);

  // Opening: sidecars for closed segments, a scan of the last one.
  const seqs = readdirSync(dir)
    .map((name) => SEGMENT_FILE.exec(name)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (const [i, seq] of seqs.entries()) {
    const last = i === seqs.length - 1;
    let loaded: Segment | undefined;
    if (!last) {
      try {
        const side = JSON.parse(readFileSync(sidecarPath(dir, seq), 'utf8')) as { bytes: number; summary: LogSummary };
        if (typeof side.bytes === 'number' && side.summary && typeof side.summary.received === 'number') loaded = { seq, bytes: side.bytes, summary: side.summary, sealed: true };
      } catch {
        // No or damaged sidecar: rebuilt below.
      }
    }
    if (!loaded) {
      const scanned = scanSegment(segmentPath(dir, seq), true);
      loaded = { seq, bytes: scanned.bytes, summary: scanned.summary, sealed: false };
      if (!last) {
        writeFileSync(sidecarPath(dir, seq), JSON.stringify({ bytes: loaded.bytes, summary: loaded.summary }), { mode: 0o600 });
        loaded.sealed = true;
      }
    }
    segments.push(loaded);
  }
  if (segments.length === 0) segments.push({ seq: 1, bytes: 0, summary: emptySummary(), sealed: false });
  let total = addSummaries(segments.map((s) => s.summary));
  let closed = false;
  let lastRetentionCheck = 0;

  // The writer: one chain of file operations, in order; appends to the same segment are joined per batch.
  type Op = { kind: 'append'; seq: number; data: string[]; bytes: number } | { kind: 'seal'; seg: Segment } | { kind: 'delete'; seq: number };
  let ops: Op[] = [];
  let queueBytes = 0;
  let draining: Promise<void> | undefined;
  let writeError: unknown;

  const active = (): Segment => segments[segments.length - 1] as Segment;

  const schedule = (): void => {
    if (draining) return;
    draining = new Promise<void>((resolve) => setImmediate(resolve)).then(drain);
  };

  async function drain(): Promise<void> {
    try {
      while (ops.length > 0) {
        const batch = ops;
        ops = [];
        for (const op of batch) {
          try {
            if (op.kind === 'append') {
              await appendFile(segmentPath(dir, op.seq), op.data.join(''), { mode: 0o600, flag: 'a' });
              queueBytes -= op.bytes;
            } else if (op.kind === 'seal') {
              await writeFile(sidecarPath(dir, op.seg.seq), JSON.stringify({ bytes: op.seg.bytes, summary: op.seg.summary }), { mode: 0o600 });
              op.seg.sealed = true;
            } else {
              await unlink(segmentPath(dir, op.seq)).catch(ignoreMissing);
              await unlink(sidecarPath(dir, op.seq)).catch(ignoreMissing);
            }
          } catch (error) {
            if (op.kind === 'append') queueBytes -= op.bytes;
            writeError = error;
          }
        }
      }
    } finally {
      draining = undefined;
      if (ops.length > 0) schedule();
    }
  }

  const deleteSegment = (index: number): void => {
    const [gone] = segments.splice(index, 1);
    if (!gone) return;
    ops.push({ kind: 'delete', seq: gone.seq });
    total = addSummaries(segments.map((s) => s.summary));
    schedule();
  };

  /** Deletes whole segments past the age or size limit; rolls an active segment that is all too old. */
  const enforceRetention = (): void => {
    lastRetentionCheck = now();
    const cutoff = new Date(now() - maxAgeMs).toISOString();
    if (active().summary.lastTime !== undefined && active().summary.lastTime! < cutoff) roll();
    while (segments.length > 1) {
      const oldest = segments[0] as Segment;
      const tooOld = oldest.summary.lastTime === undefined || oldest.summary.lastTime < cutoff;
      // Room for the active segment to grow to full size: the total never passes maxBytes.
      const tooBig = segments.reduce((sum, s) => sum + s.bytes, 0) - active().bytes + segmentBytes > maxBytes;
      if (!tooOld && !tooBig) break;
      deleteSegment(0);
    }
  };

  function roll(): void {
    const current = active();
    ops.push({ kind: 'seal', seg: current });
    segments.push({ seq: current.seq + 1, bytes: 0, summary: emptySummary(), sealed: false });
    schedule();
  }

  const store: FileLogStore = {
    dir,
    append(input: LogEntryInput): LogEntry {
      if (closed) throw new Error('The log store is closed.');
      // One serialization: the id (which depends on where the line lands) is spliced in front.
      const { id: _ignored, ...fields } = input as LogEntryInput & { id?: string };
      const rest = JSON.stringify(fields);
      const restBytes = Buffer.byteLength(rest, 'utf8');
      if (restBytes + 40 + active().bytes > segmentBytes && active().bytes > 0) {
        roll();
        enforceRetention();
      } else if (now() - lastRetentionCheck > 60_000) enforceRetention();
      const segment = active();
      const id = `${segment.seq}-${segment.bytes}`;
      const entry: LogEntry = { id, ...fields };
      const head = `{"id":"${id}"${rest.length > 2 ? ',' : ''}`;
      const line = `${head}${rest.slice(1)}\n`;
      const bytes = head.length + restBytes; // head is ASCII; rest.slice(1) drops one byte, the newline adds one
      if (queueBytes + bytes > maxQueueBytes) {
        segment.summary.lost++;
        total.lost++;
        return entry;
      }
      segment.bytes += bytes;
      countEntry(segment.summary, entry);
      countEntry(total, entry);
      queueBytes += bytes;
      const last = ops[ops.length - 1];
      if (last?.kind === 'append' && last.seq === segment.seq) {
        last.data.push(line);
        last.bytes += bytes;
      } else ops.push({ kind: 'append', seq: segment.seq, data: [line], bytes });
      schedule();
      return entry;
    },
    summary(): LogSummary {
      if (now() - lastRetentionCheck > 60_000) enforceRetention();
      return presentSummary(total);
    },
    async query(filter: LogFilter = {}) {
      await store.flush();
      const limit = Math.min(Math.max(1, filter.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
      const found: LogEntry[] = [];
      const [beforeSeq, beforeOffset] = filter.before ? (filter.before.split('-').map(Number) as [number, number]) : [Infinity, Infinity];
      for (const segment of [...segments].reverse()) {
        if (segment.seq > beforeSeq || !mayMatch(segment.summary, filter)) continue;
        const end = segment.seq === beforeSeq ? Math.min(beforeOffset, segment.bytes) : segment.bytes;
        for await (const line of linesBackward(segmentPath(dir, segment.seq), end)) {
          let entry: LogEntry;
          try {
            entry = JSON.parse(line) as LogEntry;
          } catch {
            continue;
          }
          if (!matchesFilter(entry, filter)) continue;
          if (found.length === limit) return { entries: found, more: true };
          found.push(entry);
        }
      }
      return { entries: found.sort((a, b) => compareEntryIds(b.id, a.id)), more: false };
    },
    async get(id: string) {
      if (!isEntryId(id)) return undefined;
      await store.flush();
      const [seq, offset] = id.split('-').map(Number) as [number, number];
      if (!segments.some((s) => s.seq === seq)) return undefined;
      let handle;
      try {
        handle = await open(segmentPath(dir, seq), 'r');
      } catch {
        return undefined;
      }
      try {
        const chunks: Buffer[] = [];
        let position = offset;
        for (;;) {
          const buffer = Buffer.alloc(64 * 1024);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
          if (bytesRead === 0) break;
          const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
          if (newline >= 0) {
            chunks.push(buffer.subarray(0, newline));
            break;
          }
          chunks.push(buffer.subarray(0, bytesRead));
          position += bytesRead;
          if (position - offset > 4 * MiB) return undefined;
        }
        const entry = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LogEntry;
        return entry.id === id ? entry : undefined;
      } catch {
        return undefined;
      } finally {
        await handle.close();
      }
    },
    async flush() {
      while (draining) await draining;
      if (writeError) {
        const error = writeError;
        writeError = undefined;
        throw error;
      }
    },
    async close() {
      await store.flush().catch(() => undefined);
      closed = true;
      registry().delete(dir);
    },
    bytes: () => segments.reduce((sum, s) => sum + s.bytes, 0),
    segments: () => segments.map((s) => s.seq),
  };
  enforceRetention();
  return store;
}

/**
 * The lines of the file's first `end` bytes, last first, read in 64 KiB chunks from the end: the newest
 * page costs what it returns, not the segment's size. A missing file yields nothing.
 */
async function* linesBackward(file: string, end: number): AsyncGenerator<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return;
  }
  try {
    const CHUNK = 64 * 1024;
    let position = end;
    let carry: Buffer = Buffer.alloc(0);
    while (position > 0) {
      const size = Math.min(CHUNK, position);
      position -= size;
      const chunk = Buffer.alloc(size);
      const { bytesRead } = await handle.read(chunk, 0, size, position);
      let buffer = Buffer.concat([chunk.subarray(0, bytesRead), carry]);
      let cut = buffer.lastIndexOf(0x0a, buffer.length - 1);
      // Lines end with a newline: the bytes after the last one are a line still being completed (none here).
      let stop = buffer.length;
      if (cut === buffer.length - 1) {
        stop = cut;
        cut = buffer.lastIndexOf(0x0a, stop - 1);
      }
      while (cut >= 0) {
        if (stop > cut + 1) yield buffer.subarray(cut + 1, stop).toString('utf8');
        stop = cut;
        cut = buffer.lastIndexOf(0x0a, stop - 1);
        if (stop === 0) break;
      }
      buffer = buffer.subarray(0, stop);
      carry = buffer;
    }
    if (carry.length > 0) yield carry.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Whether a segment can hold a match, from its summary alone (time range, codes, types). */
function mayMatch(summary: LogSummary, filter: LogFilter): boolean {
  if (summary.lastTime === undefined) return false;
  if (filter.from !== undefined && Date.parse(summary.lastTime) < filter.from) return false;
  if (filter.to !== undefined && summary.firstTime !== undefined && Date.parse(summary.firstTime) > filter.to) return false;
  if (filter.type && !(filter.type in summary.byType) && !('(other)' in summary.byType)) return false;
  if (filter.code && /^\d{3}$/.test(filter.code) && !(filter.code in summary.byStatus) && !('(other)' in summary.byStatus)) return false;
  return true;
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/** Removes a node's log entirely (for a node deleted for good). */
export async function removeLog(root: string, nodeId: string): Promise<void> {
  const dir = join(root, logFolderName(nodeId));
  const store = registry().get(dir);
  if (store) await store.close();
  rmSync(dir, { recursive: true, force: true });
}
