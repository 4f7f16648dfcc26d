// Stopping as a process manager stops us: SIGTERM to the process the start command created (npm, as systemd or
// pm2 would see it), never to the whole group. Nothing the server started may outlive it, the walls' sockets get
// the "restarting" close code, and what was accepted before the stop is committed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import Database from 'better-sqlite3';
import { startCameraSim, type CameraSim } from '../../server/demo/camera-sim.ts';
import { ensureWallBuilt } from '../../server/http/wall-static.ts';
import { loadConfig } from '../../server/config.ts';
import { start } from '../../server/main.ts';
import { SERVICE_RESTART } from '../../server/realtime/hub.ts';
import { resolveFfmpeg } from '../../server/streams/ffmpeg.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ADMIN = 'shutdown-admin-token-0123456789';
/** The stop contract: everything gone this long after the signal. */
const STOP_BOUND_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let tmp: string;
const started: ChildProcess[] = [];

/** Every live descendant of `root` (by /proc ppid), with its command line. */
function descendants(root: number): Map<number, string> {
  const parentOf = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue; // a zombie has exited; only its parent's wait is missing
      parentOf.set(Number(d), Number(fields[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const out = new Map<number, string>();
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== pid || out.has(child)) continue;
      try {
        out.set(child, fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
      } catch {
        continue;
      }
      walk(child);
    }
  };
  walk(root);
  return out;
}

const alive = (pid: number) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

/** Runs an npm script the way a process manager would (its own process group, we signal only npm's pid). */
function npmRun(script: string, env: Record<string, string>): { child: ChildProcess; output: () => string; listening: Promise<string> } {
  const child = spawn('npm', ['run', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(child);
  let out = '';
  const listening = new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Siaga Wall on http:\/\/localhost:(\d+)/.exec(out);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm run ${script} exited (${code}) before listening:\n${out}`)));
  });
  return { child, output: () => out, listening };
}

/** SIGTERM to npm's pid only; resolves with what is still alive STOP_BOUND_MS later and npm's exit code. */
async function stopLikeAProcessManager(child: ChildProcess, tree: Map<number, string>) {
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(STOP_BOUND_MS).then(() => 'timeout' as const)]);
  const left = [...tree].filter(([pid]) => alive(pid)).map(([pid, cmd]) => `${pid} ${cmd}`);
  return { code, left };
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-shutdown-'));
  await ensureWallBuilt(); // the spawned servers must not spend the test building the wall
}, 300_000);

afterAll(() => {
  for (const c of started) {
    try {
      if (c.pid) process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('graceful stop', () => {
  it('in order: an accepted write commits, walls get 1012, the WAL is folded into the database', async () => {
    const dataDir = path.join(tmp, 'inproc');
    const running = await start(
      loadConfig({
        PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: dataDir, SIAGA_RUNTIME_DIR: path.join(tmp, 'inproc-rt'), SIAGA_ADMIN_TOKEN: ADMIN,
        SIAGA_NO_STREAMS: '1', SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: '0', SIAGA_LOG_LEVEL: 'warn', SIAGA_BACKUP_INTERVAL_S: '0', FFMPEG_PATH: process.env.FFMPEG_PATH,
      }, []),
    );
    const ws = new WebSocket(`ws://127.0.0.1:${running.port}/ws`, { headers: { authorization: `Bearer ${ADMIN}` } });
    await new Promise((r) => ws.once('message', r)); // the snapshot
    const closeCode = new Promise<number>((r) => ws.once('close', (code) => r(code)));

    // A POST whose headers are in before the stop and whose body arrives after it: it was accepted, so it completes.
    const body = JSON.stringify({ category: 'kebakaran', priority: 1, description: 'accepted before the stop', location: { lat: 0.5071, lon: 101.4478, method: 'gps' } });
    const sock = net.connect(running.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(`POST /api/incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN}\r\nContent-Type: application/json\r\n` +
      `Idempotency-Key: shutdown-1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    let reply = '';
    sock.on('data', (d) => (reply += d.toString()));
    await sleep(200);
    const stopped = running.close();
    sock.write(body);
    await stopped;
    await until('the reply', () => reply.includes('\r\n\r\n') && reply, 5_000);

    expect(reply).toMatch(/^HTTP\/1\.1 201/);
    const id = /"id":"([^"]+)"/.exec(reply)![1];
    expect(await closeCode).toBe(SERVICE_RESTART);
    await expect(fetch(`http://127.0.0.1:${running.port}/api/health`)).rejects.toThrow(); // no longer listening
    const wal = path.join(dataDir, 'siaga.sqlite-wal');
    expect(fs.existsSync(wal) ? fs.statSync(wal).size : 0).toBe(0); // checkpointed (TRUNCATE) before close
    const db = new Database(path.join(dataDir, 'siaga.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) FROM incidents WHERE id = ?').pluck().get(id)).toBe(1);
    } finally {
      db.close();
    }
    sock.destroy();
  });

  it('`npm start` (demo): SIGTERM to npm leaves no RTSP server, publisher or pull behind', async () => {
    const run = npmRun('start', {
      PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: path.join(tmp, 'demo-data'), SIAGA_RUNTIME_DIR: path.join(tmp, 'demo-rt'),
      SIAGA_ADMIN_TOKEN: ADMIN, SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: '0',
    });
    await run.listening;
    // Wait until the demo is really running: RTSP server, publishers and pulls (35 + 35 ffmpeg).
    const tree = await until('ffmpeg children of the demo', () => {
      const t = descendants(run.child.pid!);
      return [...t.values()].filter((c) => c.includes('ffmpeg')).length >= 40 && t;
    }, 90_000);
    const { code, left } = await stopLikeAProcessManager(run.child, tree);
    expect(left, run.output().slice(-3000)).toEqual([]);
    expect(code).toBe(0);
    expect(run.output()).toContain('stopped cleanly');
  }, 180_000);

  it('`npm run serve` (built server, real cameras): SIGTERM to npm leaves no ffmpeg behind', async () => {
    const build = spawnSync('npm', ['run', 'build:server'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const sim: CameraSim = await startCameraSim({ ids: ['cam-01', 'cam-02'], workDir: path.join(os.tmpdir(), 'siaga-test-camera-sim'), ffmpegPath: process.env.FFMPEG_PATH });
    try {
      const shipped = JSON.parse(fs.readFileSync(path.join(ROOT, 'camera-config/cameras.json'), 'utf8')) as { cameras: unknown[] };
      const camerasFile = path.join(tmp, 'cameras.json');
      fs.writeFileSync(camerasFile, JSON.stringify({ cameras: shipped.cameras.slice(0, 2) }));
      const run = npmRun('serve', {
        PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: path.join(tmp, 'serve-data'), SIAGA_RUNTIME_DIR: path.join(tmp, 'serve-rt'),
        SIAGA_ADMIN_TOKEN: ADMIN, SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: '0', SIAGA_CAMERAS_FILE: camerasFile,
        SIAGA_CCTV_HOST: sim.host, SIAGA_CCTV_USER: 'u', SIAGA_CCTV_PASSWORD: 'p', FFMPEG_PATH: (await resolveFfmpeg(process.env.FFMPEG_PATH)).path,
      });
      const base = await run.listening;
      const health = await (await fetch(`${base}/api/health`)).json();
      expect(health.ffmpeg.version).toMatch(/^\d/);
      const tree = await until('both pulls running', () => {
        const t = descendants(run.child.pid!);
        return [...t.values()].filter((c) => c.includes('ffmpeg') && c.includes('rtsp://')).length >= 2 && t;
      }, 60_000);
      // no transpiler in the built server's process tree
      expect([...tree.values()].some((c) => /tsx|esbuild/.test(c))).toBe(false);
      const { code, left } = await stopLikeAProcessManager(run.child, tree);
      expect(left, run.output().slice(-3000)).toEqual([]);
      expect(code).toBe(0);
      expect(run.output()).toContain('stopped cleanly');
    } finally {
      await sim.close();
    }
  }, 180_000);
});
