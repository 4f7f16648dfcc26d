// Demo camera simulator against real ffmpeg and the real RTSP server child. Run with the system ffmpeg and with
// FFMPEG_PATH=node_modules/@ffmpeg-installer/linux-x64/ffmpeg (what CI has).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClips, planClips } from '../../server/demo/camera-sim-clips.ts';
import { startCameraSim, type CameraSim } from '../../server/demo/camera-sim.ts';
import { resolveFfmpeg, type FfmpegInfo } from '../../server/streams/ffmpeg.ts';

interface Pull {
  ok: boolean;
  frames: number;
  h264: boolean;
  stderr: string;
}

/** Pull `frames` video frames over UDP (the server has no TCP) and report what ffmpeg saw. */
function pull(ffmpeg: FfmpegInfo, url: string, frames = 20): Promise<Pull> {
  return new Promise((resolve) => {
    const child = spawn(
      ffmpeg.path,
      ['-hide_banner', '-nostdin', '-rtsp_transport', 'udp', ffmpeg.rtspTimeoutFlag, '3000000', '-i', url,
        '-frames:v', String(frames), '-c', 'copy', '-f', 'null', '-'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(killer);
      const counted = [...stderr.matchAll(/frame=\s*(\d+)/g)].map((m) => Number(m[1]));
      resolve({
        ok: code === 0,
        frames: counted.length ? Math.max(...counted) : 0,
        h264: /Video: h264/.test(stderr),
        stderr: stderr.slice(-600),
      });
    });
  });
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    // A zombie still has /proc/<pid>; it is dead for our purposes.
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Our descendants (ffmpeg publishers, the RTSP server child) — found via /proc, so a leak cannot hide. */
function descendants(root = process.pid): Array<{ pid: number; cmd: string }> {
  const byParent = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: Array<{ pid: number; cmd: string }> = [];
  const walk = (pid: number) => {
    for (const child of byParent.get(pid) ?? []) {
      let cmd = '';
      try {
        cmd = fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        continue;
      }
      if (alive(child)) out.push({ pid: child, cmd });
      walk(child);
    }
  };
  walk(root);
  return out;
}

const ids = ['cam-a', 'cam-b', 'cam-c'];
let workDir: string;
let ffmpeg: FfmpegInfo;
let sim: CameraSim | undefined;

beforeAll(async () => {
  ffmpeg = await resolveFfmpeg(process.env.FFMPEG_PATH);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camera-sim-'));
  // A generous budget: this suite wants the labelled clips (the budget fallback has its own test below).
  sim = await startCameraSim({ ids, labels: { 'cam-a': "Jl. Sudirman: 'Simpang' 50%" }, workDir, clipBudgetMs: 120_000, ffmpegPath: process.env.FFMPEG_PATH });
});

afterAll(async () => {
  await sim?.close();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe(`camera simulator (${process.env.FFMPEG_PATH ? 'FFMPEG_PATH' : 'default ffmpeg'})`, () => {
  it('serves every camera as H.264 over RTSP/UDP at url(id)', async () => {
    expect(sim!.url('cam-a')).toBe(`rtsp://${sim!.host}/cam-a`);
    expect(sim!.host).toMatch(/^127\.0\.0\.1:\d+$/);
    const pulls = await Promise.all(ids.map((id) => pull(ffmpeg, sim!.url(id))));
    for (const p of pulls) {
      expect(p.ok, p.stderr).toBe(true);
      expect(p.h264, p.stderr).toBe(true);
      expect(p.frames).toBeGreaterThanOrEqual(20);
    }
  });

  it("keeps its RTP ports below ffmpeg's UDP client ports, so no publisher or puller can take a mount's port", async () => {
    // ffmpeg picks its RTP/UDP client ports at random in [min_port, max_port]; a mount whose port a puller held first
    // received nothing, and every pull of that camera failed with "Could not write header" (no picture size)
    const help = await new Promise<string>((resolve) => {
      const child = spawn(ffmpeg.path, ['-hide_banner', '-h', 'demuxer=rtsp'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', () => resolve(out));
    });
    const minPort = Number(/-min_port\b.*\(default (\d+)\)/.exec(help)?.[1]);
    expect(minPort).toBeGreaterThan(1024);
    const [first, end] = sim!.stats.rtpPorts;
    expect(first).toBeGreaterThanOrEqual(1024);
    expect(end - first).toBeGreaterThanOrEqual(2 * 2 * ids.length); // a pair per mount and per puller
    expect(end).toBeLessThanOrEqual(minPort);
  });

  it('stop(id) darkens only that camera; resume(id) brings it back', async () => {
    await sim!.stop('cam-b');
    expect(sim!.publisherPid('cam-b')).toBeUndefined();
    const [dark, other] = await Promise.all([pull(ffmpeg, sim!.url('cam-b'), 5), pull(ffmpeg, sim!.url('cam-c'))]);
    expect(dark.ok).toBe(false);
    expect(dark.frames).toBe(0);
    expect(other.ok, other.stderr).toBe(true);

    await sim!.resume('cam-b');
    const back = await pull(ffmpeg, sim!.url('cam-b'));
    expect(back.ok, back.stderr).toBe(true);
    expect(back.h264).toBe(true);
  });

  it('restarts a publisher that dies unexpectedly (stale mount cleared)', async () => {
    const pid = sim!.publisherPid('cam-a');
    expect(alive(pid)).toBe(true);
    process.kill(pid!, 'SIGKILL'); // no TEARDOWN reaches the server
    let again: number | undefined;
    for (let i = 0; i < 100 && (!again || again === pid); i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = sim!.publisherPid('cam-a');
    }
    expect(again).toBeDefined();
    expect(again).not.toBe(pid);
    // The new ffmpeg needs a moment to ANNOUNCE: pull until it works (bounded).
    let p: Pull = { ok: false, frames: 0, h264: false, stderr: '' };
    for (let i = 0; i < 10 && !p.ok; i++) {
      p = await pull(ffmpeg, sim!.url('cam-a'));
      if (!p.ok) await new Promise((r) => setTimeout(r, 500));
    }
    expect(p.ok, p.stderr).toBe(true);
  });

  it('brings the RTSP server back on the same URL if its process dies', async () => {
    const before = sim!.stats.serverPid;
    const url = sim!.url('cam-c');
    process.kill(before, 'SIGKILL');
    let p: Pull = { ok: false, frames: 0, h264: false, stderr: '' };
    for (let i = 0; i < 10 && !p.ok; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      if (sim!.stats.serverPid !== before) p = await pull(ffmpeg, url, 10);
    }
    expect(sim!.stats.serverPid).not.toBe(before);
    expect(alive(before)).toBe(false);
    expect(p.ok, p.stderr).toBe(true);
    expect(sim!.url('cam-c')).toBe(url);
  });

  it('reuses cached clips on the next start', async () => {
    const clips = fs.readdirSync(path.join(workDir, 'clips')).filter((f) => f.endsWith('.mp4'));
    expect(clips.length).toBe(sim!.stats.labelled ? ids.length : Math.min(ids.length, 6));
    const second = await startCameraSim({
      ids: ['cam-a'],
      labels: { 'cam-a': "Jl. Sudirman: 'Simpang' 50%" },
      workDir,
      clipBudgetMs: 0, // cached: no generation, so no fallback either
      ffmpegPath: process.env.FFMPEG_PATH,
    });
    try {
      expect(second.stats.clipsGenerated).toBe(0);
      expect(second.stats.labelled).toBe(sim!.stats.labelled);
      expect(second.host).not.toBe(sim!.host);
    } finally {
      await second.close();
    }
  });

  it('close() leaves no ffmpeg or server process behind', async () => {
    const pids = [sim!.stats.serverPid, ...ids.map((id) => sim!.publisherPid(id))];
    expect(pids.every(alive)).toBe(true);
    expect(descendants().some((d) => d.cmd.includes('rtsp-server-child'))).toBe(true);
    await sim!.close();
    sim = undefined;
    expect(pids.filter(alive)).toEqual([]);
    const left = descendants().filter((d) => /ffmpeg|rtsp-server-child/.test(d.cmd));
    expect(left).toEqual([]);
  });
});

describe('unlabelled clips (time budget missed, or no drawtext/fonts)', () => {
  it('starts on shared unlabelled clips when labelled ones miss the time budget, and close() aborts their generation', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camera-sim-budget-'));
    const info = await resolveFfmpeg(process.env.FFMPEG_PATH);
    const four = ['b1', 'b2', 'b3', 'b4'];
    const s = await startCameraSim({ ids: four, workDir: dir, clipBudgetMs: 0, ffmpegPath: process.env.FFMPEG_PATH });
    try {
      expect(s.stats.labelled).toBe(false);
      expect(s.stats.labelledCameras).toBeLessThan(four.length);
      const p = await pull(info, s.url('b4'), 10);
      expect(p.ok, p.stderr).toBe(true);
      expect(p.h264).toBe(true);
    } finally {
      await s.close();
    }
    expect(descendants().filter((d) => /ffmpeg|rtsp-server-child/.test(d.cmd))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'clips')).filter((f) => f.includes('.tmp.'))).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shares a few distinct testsrc2 variants round-robin', async () => {
    const info = await resolveFfmpeg(process.env.FFMPEG_PATH);
    const noText: FfmpegInfo = { ...info, filters: new Set([...info.filters].filter((f) => f !== 'drawtext')) };
    const many = Array.from({ length: 35 }, (_, i) => `c${i}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camera-sim-plain-'));
    const plan = planClips(noText, many, {}, dir);
    expect(plan.labelled).toBe(false);
    expect(plan.specs.length).toBe(6);
    expect(new Set(plan.specs.map((s) => s.filter)).size).toBe(6);
    expect(plan.clips.get('c0')).toBe(plan.clips.get('c6'));
    expect(plan.clips.get('c0')).not.toBe(plan.clips.get('c1'));
    expect(plan.specs.every((s) => !s.filter.includes('drawtext'))).toBe(true);
    try {
      expect(await ensureClips(noText, plan)).toBe(6);
      expect(plan.specs.every((s) => fs.statSync(s.file).size > 10_000)).toBe(true);
      expect(await ensureClips(noText, plan)).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
