// The ffmpeg a fresh machine has: only the static build that `npm install` brings (@ffmpeg-installer). CI runs the
// rest of the suite with Debian's maintained ffmpeg, so this smoke test keeps the bundled path proven too: the
// product finds it with nothing on PATH, says it is old, and a real camera pull runs with it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCameras } from '../../camera-config/load.ts';
import { startCameraSim, type CameraSim } from '../../server/demo/camera-sim.ts';
import { bundledFfmpegPath, resolveFfmpeg } from '../../server/streams/ffmpeg.ts';
import { startStreams, type Streams } from '../../server/streams/index.ts';
import { cameraPulls } from './procs.ts';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const bundled = bundledFfmpegPath();
let sim: CameraSim | undefined;
let streams: Streams | undefined;
let tmp: string | undefined;

afterAll(async () => {
  await streams?.close();
  await sim?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('bundled ffmpeg (@ffmpeg-installer)', () => {
  it('is what the product resolves on a machine with no ffmpeg on PATH and no FFMPEG_PATH, with a warning', async () => {
    expect(bundled).toBeTruthy();
    const script = `const m = await import('./server/streams/ffmpeg.ts'); const i = await m.resolveFfmpeg();
      console.log(JSON.stringify({ path: i.path, source: i.source, major: i.major, warning: i.warning }));`;
    const env = { ...process.env, PATH: path.join(os.tmpdir(), 'no-such-dir'), FFMPEG_PATH: '' };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env });
    const info = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(info).toMatchObject({ path: bundled, source: 'bundled', major: 4 });
    expect(info.warning).toMatch(/no security fixes/);
  });

  it('an explicit FFMPEG_PATH that does not exist is an error, not a silent fallback', async () => {
    await expect(resolveFfmpeg('/nonexistent/ffmpeg')).rejects.toThrow(/no usable ffmpeg.*\/nonexistent\/ffmpeg/);
  });

  it('publishes and pulls a real camera into HLS', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-bundled-'));
    const [cam] = loadCameras(path.join(ROOT, 'camera-config/cameras.json'), {
      SIAGA_CCTV_HOST: '127.0.0.1:1', SIAGA_CCTV_USER: 'u', SIAGA_CCTV_PASSWORD: 'p',
    });
    sim = await startCameraSim({ ids: [cam.id], workDir: path.join(tmp, 'sim'), ffmpegPath: bundled });
    const [live] = loadCameras(path.join(ROOT, 'camera-config/cameras.json'), {
      SIAGA_CCTV_HOST: sim.host, SIAGA_CCTV_USER: 'u', SIAGA_CCTV_PASSWORD: 'p',
    });
    streams = await startStreams({
      config: { runtimeDir: path.join(tmp, 'rt'), ffmpegPath: bundled, rtmpPort: 0, rtmpSecret: undefined, host: '127.0.0.1' },
      cameras: [live],
      requireRole: () => (_q, _s, next) => next(),
    });
    expect(streams.ffmpeg.path).toBe(bundled);
    const end = Date.now() + 45_000;
    while (streams.supervisor.views().find((v) => v.id === live.id)?.health.status !== 'online') {
      if (Date.now() > end) throw new Error('camera did not come online with the bundled ffmpeg');
      await new Promise((r) => setTimeout(r, 250));
    }
    // the pull that made it is the bundled binary
    const pulls = cameraPulls();
    expect(pulls.length).toBeGreaterThan(0);
    for (const { argv } of pulls) expect(argv[0]).toBe(bundled);
  }, 90_000);
});
