/**
 * The core's file outbox: files named from hashes and kept inside their folder, only its own envelopes
 * replaced or deleted, O(1) disk work per put / update / remove (counted through an injected fs), a cap
 * on pending count and bytes, 0600 files in 0700 folders, and the previous version's file migrated once.
 */
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isInside, openOutbox, outboxFolder, readLegacyOutbox, type OutboxEntry, type OutboxFs } from '../../shared/src/node/index';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'devicehook-outbox-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const entry = (id: string, body: unknown = { hello: 'world' }): OutboxEntry => ({ id, createdAt: Date.now(), body, placeholders: { iccid: '1' }, progress: { attempts: [] } });

/** A real fs that counts every call and the bytes written. */
function countingFs() {
  const calls: Record<string, number> = {};
  let bytesWritten = 0;
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const fs: OutboxFs = {
    mkdir: (p, o) => (count('mkdir'), fsp.mkdir(p, o)),
    chmod: (p, m) => (count('chmod'), fsp.chmod(p, m)),
    lstat: (p) => (count('lstat'), fsp.lstat(p)),
    readdir: (p) => (count('readdir'), fsp.readdir(p)),
    readFile: (p, e) => (count('readFile'), fsp.readFile(p, e)),
    writeFile: (p, d, o) => (count('writeFile'), (bytesWritten += Buffer.byteLength(d)), fsp.writeFile(p, d, o)),
    rename: (a, b) => (count('rename'), fsp.rename(a, b)),
    unlink: (p) => (count('unlink'), fsp.unlink(p)),
    rmdir: (p) => (count('rmdir'), fsp.rmdir(p)),
  };
  return {
    fs,
    calls,
    get bytesWritten() {
      return bytesWritten;
    },
    reset() {
      for (const key of Object.keys(calls)) delete calls[key];
      bytesWritten = 0;
    },
  };
}

/** Every file under `dir` with its bytes. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, name.name);
      if (name.isDirectory()) walk(path);
      else out.set(path, readFileSync(path, 'latin1'));
    }
  };
  walk(dir);
  return out;
}

describe('outbox files and folders', () => {
  it('names the folder from a hash of the owner id and the files from hashes of entry ids, whatever they hold (property)', async () => {
    const base = join(root, 'devicehook', 'outbox');
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.constantFrom('b/../../.config.runtime', '..', '.', '/etc/passwd', 'a\\..\\..\\x', '\0', '%2e%2e')), fc.string(), async (owner, id) => {
        const folder = outboxFolder(base, owner);
        expect(isInside(base, folder)).toBe(true);
        expect(folder).toBe(join(resolve(base), createHash('sha256').update(owner).digest('hex').slice(0, 32)));
        const outbox = await openOutbox(folder);
        expect(await outbox.put(entry(id))).toEqual({ ok: true });
        expect(readdirSync(folder)).toEqual([`e-${createHash('sha256').update(id).digest('hex').slice(0, 32)}.json`]);
        await outbox.removeAll();
        expect(existsSync(folder)).toBe(false);
      }),
      { numRuns: 60 },
    );
    // Nothing was ever written outside the outbox root.
    expect(readdirSync(root)).toEqual(['devicehook']);
    expect(readdirSync(join(root, 'devicehook'))).toEqual(['outbox']);
  });

  it('writes files 0600 in a 0700 folder, and stores what it is given — the entry, with no secret added', async () => {
    const folder = outboxFolder(join(root, 'o'), 'node-1');
    mkdirSync(folder, { recursive: true, mode: 0o755 }); // a folder left too open is tightened
    const outbox = await openOutbox(folder);
    await outbox.put(entry('a', { event: 'x' }));
    await outbox.update({ ...entry('a', { event: 'x' }), progress: { attempts: [], nextAttemptAt: 5 } });
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(folder)) expect(statSync(join(folder, name)).mode & 0o777).toBe(0o600);
    const [file] = readdirSync(folder);
    const text = readFileSync(join(folder, file!), 'utf8');
    expect(text.startsWith('{"devicehookOutbox":1,')).toBe(true);
    expect(JSON.parse(text).entry).toMatchObject({ id: 'a', body: { event: 'x' }, progress: { nextAttemptAt: 5 } });
  });

  it('reads back what a previous run left, oldest first, and leaves files it does not recognise alone', async () => {
    const folder = outboxFolder(root, 'n');
    const first = await openOutbox(folder);
    await first.put({ ...entry('late'), createdAt: 2 });
    await first.put({ ...entry('early'), createdAt: 1 });
    writeFileSync(join(folder, 'notes.txt'), 'mine');
    writeFileSync(join(folder, `e-${'0'.repeat(32)}.json`), '{"not":"ours"}');
    const problems: string[] = [];
    const second = await openOutbox(folder, { onProblem: (p) => problems.push(p) });
    expect(second.loaded.map((e) => e.id)).toEqual(['early', 'late']);
    expect(second.pending().count).toBe(2);
    expect(problems).toHaveLength(2);
    expect(await second.removeAll()).toBe(2);
    // The two foreign files stay, and so does the folder that holds them.
    expect(readdirSync(folder).sort()).toEqual([`e-${'0'.repeat(32)}.json`, 'notes.txt']);
    expect(readFileSync(join(folder, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('an envelope copied under another entry\'s name is not recognised (the name must be the hash of its id)', async () => {
    const folder = outboxFolder(root, 'n');
    const outbox = await openOutbox(folder);
    await outbox.put(entry('a'));
    const [name] = readdirSync(folder);
    const forged = `e-${'f'.repeat(32)}.json`;
    writeFileSync(join(folder, forged), readFileSync(join(folder, name!)));
    const reopened = await openOutbox(folder);
    expect(reopened.loaded.map((e) => e.id)).toEqual(['a']);
    await reopened.removeAll();
    expect(readdirSync(folder)).toEqual([forged]);
  });

  it('refuses a folder that is a symbolic link', async () => {
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    const folder = outboxFolder(join(root, 'o'), 'n');
    mkdirSync(join(root, 'o'));
    symlinkSync(elsewhere, folder);
    await expect(openOutbox(folder)).rejects.toThrow(/not a plain folder/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe('outbox disk work', () => {
  it('put, update and remove each cost the same few fs calls and bytes at 1 and at 2,000 pending (O(1))', async () => {
    const counting = countingFs();
    const outbox = await openOutbox(outboxFolder(root, 'n'), { fs: counting.fs });
    const body = { event: 'device.lost', data: 'x'.repeat(200) };
    const measure = async () => {
      counting.reset();
      await outbox.put(entry('probe', body));
      const put = { ...counting.calls, bytes: counting.bytesWritten };
      counting.reset();
      await outbox.update({ ...entry('probe', body), progress: { attempts: [], nextAttemptAt: 1 } });
      const update = { ...counting.calls, bytes: counting.bytesWritten };
      counting.reset();
      await outbox.remove('probe');
      const remove = { ...counting.calls, bytes: counting.bytesWritten };
      return { put, update, remove };
    };
    const alone = await measure();
    expect(alone.put).toMatchObject({ writeFile: 1, rename: 1 });
    expect(Object.keys(alone.put).sort()).toEqual(['bytes', 'rename', 'writeFile']);
    expect(alone.remove).toEqual({ unlink: 1, bytes: 0 });
    for (let i = 0; i < 2000; i++) await outbox.put(entry(`filler-${i}`, body));
    const crowded = await measure();
    expect(crowded).toEqual(alone);
    expect(alone.put.bytes).toBeLessThan(600); // one entry's envelope, not the backlog
  });

  it('runs the operations on one entry in order, so a remove right after a put leaves nothing behind', async () => {
    const folder = outboxFolder(root, 'n');
    const outbox = await openOutbox(folder);
    const ops: Array<Promise<unknown>> = [];
    for (let i = 0; i < 50; i++) {
      ops.push(outbox.put(entry(`e${i}`)));
      ops.push(outbox.update({ ...entry(`e${i}`), progress: { attempts: [], nextAttemptAt: i } }));
      if (i % 2 === 0) ops.push(outbox.remove(`e${i}`));
    }
    await Promise.all(ops);
    const reopened = await openOutbox(folder);
    expect(reopened.loaded.map((e) => e.id).sort()).toEqual(Array.from({ length: 25 }, (_, k) => `e${2 * k + 1}`).sort());
    for (const e of reopened.loaded) expect(e.progress?.nextAttemptAt).toBe(Number(e.id.slice(1)));
    expect(readdirSync(folder).every((f) => f.endsWith('.json'))).toBe(true); // no temporary file left
  });
});

describe('outbox cap', () => {
  it('refuses past the count cap with reason outbox_full, writing nothing; room comes back after a remove', async () => {
    const counting = countingFs();
    const outbox = await openOutbox(outboxFolder(root, 'n'), { maxEntries: 3, fs: counting.fs });
    for (const id of ['a', 'b', 'c']) expect(await outbox.put(entry(id))).toEqual({ ok: true });
    counting.reset();
    const refused = await outbox.put(entry('d'));
    expect(refused).toMatchObject({ ok: false, reason: 'outbox_full', message: expect.stringMatching(/outbox is full.*3 pending/) });
    expect(counting.calls).toEqual({});
    await outbox.remove('a');
    expect(await outbox.put(entry('d'))).toEqual({ ok: true });
    expect(outbox.pending().count).toBe(3);
  });

  it('refuses past the byte cap', async () => {
    const outbox = await openOutbox(outboxFolder(root, 'n'), { maxBytes: 4096 });
    expect(await outbox.put(entry('small', 'x'.repeat(1000)))).toEqual({ ok: true });
    expect(await outbox.put(entry('big', 'x'.repeat(4000)))).toMatchObject({ ok: false, reason: 'outbox_full' });
    expect(outbox.pending().count).toBe(1);
    expect(outbox.pending().bytes).toBe(statSync(join(outbox.folder, readdirSync(outbox.folder)[0]!)).size);
  });

  it('refuses caps that cannot work', async () => {
    await expect(openOutbox(outboxFolder(root, 'n'), { maxEntries: Number.NaN })).rejects.toThrow(RangeError);
    await expect(openOutbox(outboxFolder(root, 'n'), { maxBytes: 0 })).rejects.toThrow(RangeError);
  });
});

describe('the previous version\'s outbox file', () => {
  const legacy = [{ id: 'old-1', createdAt: 1, body: { a: 1 }, progress: { attempts: [] } }];

  it('is read once when it sits at its path inside <userDir>/devicehook and holds entries; removed on request', async () => {
    mkdirSync(join(root, 'devicehook'));
    const path = join(root, 'devicehook', 'outbox-abc.json');
    writeFileSync(path, JSON.stringify(legacy));
    const found = await readLegacyOutbox(root, 'abc');
    expect(found?.entries).toEqual(legacy);
    expect(existsSync(path)).toBe(true); // not before the caller has stored the entries
    await found!.remove();
    expect(existsSync(path)).toBe(false);
    expect(await readLegacyOutbox(root, 'abc')).toBeUndefined();
  });

  it('is never looked for outside <userDir>/devicehook, and a file that is not one is left alone', async () => {
    mkdirSync(join(root, 'devicehook'));
    writeFileSync(join(root, '.config.runtime.json'), JSON.stringify(legacy)); // even one that looks like an outbox
    writeFileSync(join(root, 'devicehook', 'outbox-x.json'), '{"flows":[]}');
    const before = snapshot(root);
    const problems: string[] = [];
    expect(await readLegacyOutbox(root, 'b/../../.config.runtime', { onProblem: (p) => problems.push(p) })).toBeUndefined();
    expect(await readLegacyOutbox(root, '../.config.runtime')).toBeUndefined();
    expect(await readLegacyOutbox(root, 'x', { onProblem: (p) => problems.push(p) })).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(snapshot(root)).toEqual(before);
  });
});
