/**
 * Reads a devicehook out node's outbox as the tests see it: `<userDir>/devicehook/outbox/<sha256(node id),
 * 32 hex>/e-*.json`, one envelope per pending message. A file being renamed over is skipped.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function outboxFolderOf(userDir: string, nodeId: string): string {
  return join(userDir, 'devicehook', 'outbox', createHash('sha256').update(nodeId).digest('hex').slice(0, 32));
}

/** The pending entries of a node (`{id, body, progress, …}`), oldest first. */
export function readOutbox<T = Record<string, unknown>>(userDir: string, nodeId: string): T[] {
  const folder = outboxFolderOf(userDir, nodeId);
  if (!existsSync(folder)) return [];
  const entries: Array<T & { createdAt?: number }> = [];
  for (const name of readdirSync(folder)) {
    if (!/^e-[0-9a-f]{32}\.json$/.test(name)) continue;
    try {
      entries.push(JSON.parse(readFileSync(join(folder, name), 'utf8')).entry);
    } catch {
      // renamed over or removed right now
    }
  }
  return entries.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));
}
