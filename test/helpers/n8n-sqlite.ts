/**
 * Light reads of a running n8n's sqlite database (regular mode, test/helpers/n8n-runtime.ts), for the
 * hardening suites that must count executions often or in bulk: `runtime.executions()` parses every
 * execution's data, which is what a check of outputs needs but too much for a count before and after each
 * of hundreds of requests. Read with python3's sqlite3 module, as the harness does (no native module for
 * the test's Node needed); retried while n8n holds a write lock.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';

const QUERY = `
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=10)
print(json.dumps(con.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall(), default=str))
`;

/** n8n's sqlite file under an N8N_USER_FOLDER. */
export const sqliteFileOf = (userFolder: string): string => join(userFolder, '.n8n', 'database.sqlite');

/** Rows (each an array of column values) of a query on n8n's sqlite database. */
export function queryRows(userFolder: string, sql: string, params: unknown[] = [], attempt = 0): Promise<unknown[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', QUERY, sqliteFileOf(userFolder), sql, JSON.stringify(params)], { cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as unknown[][]);
      if (/locked|busy/i.test(err) && attempt < 100) return void setTimeout(() => queryRows(userFolder, sql, params, attempt + 1).then(resolve, reject), 50);
      reject(new Error(`sqlite query failed (${code}): ${err}\n${sql}`));
    });
  });
}

/** Number of executions per workflow id. */
export async function executionCounts(userFolder: string): Promise<Record<string, number>> {
  const rows = await queryRows(userFolder, 'select workflowId, count(*) from execution_entity group by workflowId');
  return Object.fromEntries(rows.map(([id, n]) => [String(id), Number(n)]));
}

/** Number of executions of one workflow by status (success, error, running, new, …). */
export async function executionStatuses(userFolder: string, workflowId: string): Promise<Record<string, number>> {
  const rows = await queryRows(userFolder, 'select status, count(*) from execution_entity where workflowId = ? group by status', [workflowId]);
  return Object.fromEntries(rows.map(([status, n]) => [String(status), Number(n)]));
}
