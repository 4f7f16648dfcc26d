// "Nothing acknowledged may be lost": the real server (node + tsx, real SQLite file) is SIGKILLed in the middle of
// a burst of POSTs and restarted on the same data dir; every incident that got a 2xx must be there, unchanged.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ADMIN = 'durability-admin-token-0123456789';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-durability-'));
const children: ChildProcess[] = [];

function startServer(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env, PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: dataDir, SIAGA_ADMIN_TOKEN: ADMIN,
      SIAGA_NO_STREAMS: '1', SIAGA_DEMO: '', SIAGA_RUNTIME_DIR: path.join(dataDir, 'runtime'), SIAGA_INTAKE_RATE: '0', SIAGA_OSMAND_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Siaga Wall on http:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${m[1]}` });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('durability', () => {
  it('every incident acknowledged before a SIGKILL is there after a restart', async () => {
    const first = await startServer();
    const acked = new Map<string, string>(); // id → description
    let sent = 0;
    let killed = false;
    const post = async (n: number) => {
      const description = `burst ${n} ${Math.random().toString(36).slice(2)}`;
      const res = await fetch(`${first.base}/api/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ category: 'kebakaran', description, location: { text: 'Kelurahan Jadirejo' } }),
      });
      const body = await res.json();
      if (res.status >= 200 && res.status < 300) acked.set(body.id, description);
    };
    const worker = async () => {
      while (!killed) {
        const n = ++sent;
        try {
          await post(n);
        } catch {
          /* connection reset by the kill: not acknowledged, may or may not be stored */
        }
        if (acked.size >= 150 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await new Promise((r) => (first.child.exitCode !== null || first.child.signalCode !== null ? r(null) : first.child.once('exit', r)));
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acked.size).toBeGreaterThanOrEqual(150);

    const second = await startServer();
    try {
      const res = await fetch(`${second.base}/api/incidents?limit=5000`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const stored = new Map<string, string>((await res.json()).items.map((i: any) => [i.id, i.description]));
      const missing = [...acked].filter(([id, d]) => stored.get(id) !== d);
      expect(missing).toEqual([]);
      expect(stored.size).toBeGreaterThanOrEqual(acked.size);
      expect(stored.size).toBeLessThanOrEqual(sent);
      // and the store is writable again
      const again = await fetch(`${second.base}/api/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ description: 'after restart', location: { text: 'Kelurahan Jadirejo' } }),
      });
      expect(again.status).toBe(201);
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  });
});
