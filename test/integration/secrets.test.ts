// A camera password holding ' " < > @ : / % and a space, on cameras that demand it (the simulator answers 401
// without it, as a real camera does). The whole server runs; the password, in any spelling, must appear in no API
// response, WebSocket message, log line or /proc/<pid>/cmdline of our children, and the cameras must still play
// (their pull authenticates through the loopback RTSP relay). A camera given a wrong password says 401, no more.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSim, type CameraSim } from '../../server/demo/camera-sim.ts';
import { loadConfig } from '../../server/config.ts';
import { start, type Running } from '../../server/main.ts';
import { descendants } from './procs.ts';
import type { CameraView } from '../../domain/camera.ts';
import type { ListOf } from '../../domain/messages.ts';

const USER = 'cctv-op';
const PASSWORD = `pw'"<>@:/% x`;
const WRONG = `wrong'"<>@:/% pw`;
const ADMIN = 'test-admin-token-secrets-0123456789';
const spellings = (s: string) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1), Buffer.from(`${USER}:${s}`).toString('base64')];

let tmp: string;
let sim: CameraSim;
let app: Running;
let base: string;
const logged: string[] = [];
const restore: Array<() => void> = [];

function capture(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream);
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    logged.push(String(chunk));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof stream.write;
  restore.push(() => void (stream.write = write));
}

const get = (p: string) => fetch(base + p, { headers: { authorization: `Bearer ${ADMIN}` } });
const cameras = async () => ((await (await get('/api/cameras')).json()) as ListOf<CameraView>).items;
async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  capture(process.stdout);
  capture(process.stderr);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-secrets-'));
  const shipped = JSON.parse(fs.readFileSync('camera-config/cameras.json', 'utf8')) as { cameras: Array<Record<string, unknown>> };
  const [a, b, c] = shipped.cameras;
  // c names the same simulated camera as a, with a password that is not the one the camera wants
  const wrong = { ...c, source: { url: `rtsp://\${SIAGA_CCTV_USER}:\${SIAGA_WRONG_PASSWORD}@\${SIAGA_CCTV_HOST}/${a.id}`, transport: 'udp' } };
  const file = path.join(tmp, 'cameras.json');
  fs.writeFileSync(file, JSON.stringify({ cameras: [a, b, wrong] }));
  sim = await startCameraSim({
    ids: [String(a.id), String(b.id)], workDir: path.join(os.tmpdir(), 'siaga-test-camera-sim'), ffmpegPath: process.env.FFMPEG_PATH,
    credentials: { user: USER, password: PASSWORD },
  });
  app = await start({
    ...loadConfig({}, []),
    port: 0, host: '127.0.0.1',
    dataDir: path.join(tmp, 'data'), runtimeDir: path.join(tmp, 'runtime'), camerasFile: file,
    ffmpegPath: process.env.FFMPEG_PATH, adminToken: ADMIN, backupIntervalS: 0, logLevel: 'debug',
    cameraEnv: { SIAGA_CCTV_HOST: sim.host, SIAGA_CCTV_USER: USER, SIAGA_CCTV_PASSWORD: PASSWORD, SIAGA_WRONG_PASSWORD: WRONG },
  });
  base = `http://127.0.0.1:${app.port}`;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await sim?.close();
  restore.forEach((r) => r());
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('camera credentials stay secret', () => {
  it('plays cameras that demand a password, and says 401 for a wrong one, leaking neither anywhere', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${app.port}/ws`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(String(d)));

    const [a, b, c] = (await cameras()).map((v) => v.id);
    await until('both cameras with the right password online', async () => {
      const list = await cameras();
      return [a, b].every((id) => list.find((v) => v.id === id)?.health.status === 'online');
    }, 45_000);
    await until('the wrong password reported', async () => /401/.test((await cameras()).find((v) => v.id === c)?.health.lastError ?? ''), 45_000);
    // the error names the camera (its host and path), not the loopback relay ffmpeg really talked to
    expect((await cameras()).find((v) => v.id === c)?.health.lastError).toContain(`rtsp://${sim.host}/${a}`);

    const cmdlines = descendants().map(({ argv }) => argv.join(' '));
    expect(cmdlines.filter((l) => /ffmpeg/.test(l) && /rtsp:\/\/127\.0\.0\.1/.test(l)).length).toBeGreaterThanOrEqual(3); // the pulls are there
    const bodies = await Promise.all(['/api/cameras', `/api/cameras/${a}`, `/api/cameras/${c}`, '/api/health', '/metrics'].map(async (p) => (await get(p)).text()));
    ws.close();
    expect(messages.some((m) => m.includes('"camera'))).toBe(true);
    expect(logged.length).toBeGreaterThan(0);

    const places: Record<string, string[]> = { api: bodies, websocket: messages, log: logged, cmdline: cmdlines };
    for (const [where, texts] of Object.entries(places)) {
      for (const secret of [...spellings(PASSWORD), ...spellings(WRONG)]) {
        expect(texts.filter((t) => t.includes(secret)), `${where} holds ${secret}`).toEqual([]);
      }
    }
  }, 120_000);
});
