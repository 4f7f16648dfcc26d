// The one snapshotter of the process. The live pipelines are pure stream copies; every few seconds this takes, for
// each camera that finished a new HLS segment, the segment's first frame (a keyframe: segments are independent) and
// writes it as that camera's JPEG. ONE short ffmpeg run decodes one keyframe per camera for all of them.
// Segments are hard-linked first, so ffmpeg's delete_segments cannot pull them away mid-read.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { redact } from '../../camera-config/redact.ts';
import type { Logger } from '../log.ts';
import { stopChild, trackChild } from './children.ts';
import type { MediaPlaylist } from './playlist.ts';

export interface SnapshotCamera {
  readonly id: string;
  readonly hlsDir: string;
  /** Replaced atomically (rename); its mtime is the frame's time, so it survives restarts with its time. */
  readonly snapshotFile: string;
  readonly playlist: MediaPlaylist | undefined;
  snapshotTaken(atMs: number): void;
}

export interface SnapshotterOptions {
  cameras: SnapshotCamera[];
  ffmpegPath: string;
  /** Scratch dir; must be on the same filesystem as the snapshot files (rename) and ideally the HLS dirs (link). */
  workDir: string;
  everyS: number;
  log: Logger;
}

interface Job {
  cam: SnapshotCamera;
  input: string;
  output: string;
  /** The frame's time: the segment's PROGRAM-DATE-TIME, else its mtime. */
  atMs: number;
}

const RUN_TIMEOUT_MS = 30_000;

export class Snapshotter {
  private lastSeq = new Map<string, number>();
  /** Cameras whose segment failed on its own last time: run alone so they cannot abort everyone's run. */
  private suspects = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private child: ChildProcess | undefined;
  private round: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private opts: SnapshotterOptions) {}

  start(): void {
    this.schedule();
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.child) await stopChild(this.child);
    await this.round;
    fs.rmSync(this.opts.workDir, { recursive: true, force: true });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.takeAll()
        .catch((err: Error) => this.opts.log.warn('snapshot round failed', { error: err.message }))
        .finally(() => this.schedule());
    }, this.opts.everyS * 1000);
    this.timer.unref();
  }

  /** One round; resolves with the number of snapshots written. */
  async takeAll(): Promise<number> {
    const dir = this.opts.workDir;
    await fs.promises.rm(dir, { recursive: true, force: true });
    await fs.promises.mkdir(dir, { recursive: true });
    try {
      const jobs = (await Promise.all(this.opts.cameras.map((c) => this.prepare(c)))).filter((j): j is Job => !!j);
      const alone = jobs.filter((j) => this.suspects.has(j.cam.id));
      await this.decode(jobs.filter((j) => !this.suspects.has(j.cam.id)));
      for (const j of alone) await this.decode([j]);
      let written = 0;
      for (const j of jobs) if (await this.publish(j)) written++;
      return written;
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }

  /** Link the camera's newest finished segment into the scratch dir, if it is new since the last snapshot. */
  private async prepare(cam: SnapshotCamera): Promise<Job | undefined> {
    const seg = cam.playlist?.segments.at(-1); // listed = complete (temp_file): it starts with a keyframe
    if (!seg || seg.seq <= (this.lastSeq.get(cam.id) ?? -Infinity)) return undefined;
    this.lastSeq.set(cam.id, seg.seq); // each segment is tried once, good or bad
    const src = path.join(cam.hlsDir, path.basename(seg.uri));
    const input = path.join(this.opts.workDir, `${cam.id}.ts`);
    try {
      // a link is atomic and costs nothing; copy only where links are refused (another filesystem)
      await fs.promises.link(src, input).catch(() => fs.promises.copyFile(src, input));
      const atMs = seg.programDateMs ?? (await fs.promises.stat(input)).mtimeMs;
      return { cam, input, output: path.join(this.opts.workDir, `${cam.id}.jpg`), atMs };
    } catch {
      return undefined; // rotated away already: the next round takes a newer one
    }
  }

  /** ffmpeg aborts the whole run if one input fails to open: on failure, split and retry until the bad one is alone. */
  private async decode(jobs: Job[]): Promise<void> {
    if (jobs.length === 0 || this.stopped) return;
    const ok = await this.run(jobs);
    if (jobs.length === 1) {
      if (ok && hasOutput(jobs[0])) this.suspects.delete(jobs[0].cam.id);
      else this.suspects.add(jobs[0].cam.id);
      return;
    }
    if (ok) return;
    const rest = jobs.filter((j) => !hasOutput(j));
    const half = Math.ceil(rest.length / 2);
    await this.decode(rest.slice(0, half));
    await this.decode(rest.slice(half));
  }

  /** One ffmpeg: the first keyframe of every input, one JPEG per input. Resolves true on exit code 0. */
  private run(jobs: Job[]): Promise<boolean> {
    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
    // decoder: keyframes only, one thread (one frame to decode; threads would only cost start-up)
    for (const j of jobs) args.push('-skip_frame', 'nokey', '-threads', '1', '-i', j.input);
    jobs.forEach((j, i) => {
      args.push('-map', `${i}:v:0`, '-frames:v', '1', '-threads', '1', '-q:v', '5', '-f', 'image2', '-update', '1', '-y', j.output);
    });
    return new Promise((resolve) => {
      const child = spawn(this.opts.ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      this.child = child;
      trackChild(child);
      try {
        if (child.pid) os.setPriority(child.pid, 10); // snapshots must never slow the live pipelines down
      } catch {
        /* not permitted: run at normal priority */
      }
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      const timer = setTimeout(() => void stopChild(child, 1000), RUN_TIMEOUT_MS);
      let finished = false;
      const done = (ok: boolean) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.child = undefined;
        if (!ok && !this.stopped) {
          const tail = redact(stderr.trim().split('\n').at(-1) ?? '');
          this.opts.log.warn('snapshot ffmpeg failed', { cameras: jobs.map((j) => j.cam.id).join(','), error: tail });
        }
        resolve(ok);
      };
      child.once('error', () => done(false));
      child.once('exit', (code) => done(code === 0));
    });
  }

  /** Move the JPEG into place atomically, stamped with the frame's time. */
  private async publish(j: Job): Promise<boolean> {
    if (!hasOutput(j)) return false;
    try {
      const at = new Date(j.atMs);
      await fs.promises.utimes(j.output, at, at);
      await fs.promises.rename(j.output, j.cam.snapshotFile);
      j.cam.snapshotTaken(j.atMs);
      return true;
    } catch {
      return false;
    }
  }
}

function hasOutput(j: Job): boolean {
  try {
    return fs.statSync(j.output).size > 0;
  } catch {
    return false;
  }
}
