// Snapshots on demand: the decode of the newest keyframe the camera's segmenter already holds in memory, only
// when someone asks (a tile's poster, a grid tile beyond the decoder cap) and cached for a few seconds, so an
// idle server decodes nothing. The image is also kept on disk as the camera's last-seen picture, with the frame's
// time as the file's mtime: a camera that goes dark, even across a server restart, still shows what it last saw.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.ts';
import { stopChild, trackChild } from './children.ts';
import type { LiveSegmenter } from './segmenter.ts';

export interface Snapshot {
  jpeg: Buffer;
  /** The frame's wall-clock time, epoch ms. */
  atMs: number;
}

export interface SnapshotOptions {
  ffmpegPath: string;
  /** <dir>/<camera id>.jpg are the last-seen images. */
  dir: string;
  /** A decoded keyframe is reused for this long (a newer keyframe arrives every GOP). */
  cacheMs?: number;
  /** Decodes at once, process-wide: a wall opening 16 posters must not start 16 decoders on 2 cores. */
  maxConcurrent?: number;
  log: Logger;
}

const DECODE_TIMEOUT_MS = 5_000;

export class Snapshots {
  private cache = new Map<string, { part: number; at: number; snap: Snapshot }>();
  private inflight = new Map<string, Promise<Snapshot | undefined>>();
  private active = 0;
  private waiting: Array<() => void> = [];
  private readonly cacheMs: number;
  private readonly maxConcurrent: number;
  /** Decodes run so far (for health, metrics and the benchmark). */
  decodes = 0;

  constructor(private opts: SnapshotOptions) {
    this.cacheMs = opts.cacheMs ?? 3_000;
    this.maxConcurrent = opts.maxConcurrent ?? 2;
    fs.mkdirSync(opts.dir, { recursive: true });
  }

  fileOf(cameraId: string): string {
    return path.join(this.opts.dir, `${cameraId}.jpg`);
  }

  /** Frame time of the saved last-seen image, if any (survives restarts). */
  savedAt(cameraId: string): number | undefined {
    try {
      return fs.statSync(this.fileOf(cameraId)).mtimeMs;
    } catch {
      return undefined;
    }
  }

  /** The newest keyframe as JPEG; the last-seen image when the camera has nothing in memory; undefined if neither. */
  async get(cameraId: string, segmenter: LiveSegmenter, onSaved?: (atMs: number) => void): Promise<Snapshot | undefined> {
    const kf = segmenter.newestKeyframe();
    if (!kf) return this.readSaved(cameraId);
    const hit = this.cache.get(cameraId);
    if (hit && hit.part === kf.part.n) return hit.snap;
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.snap;
    let job = this.inflight.get(cameraId);
    if (!job) {
      job = this.decode(Buffer.concat([kf.init.bytes, kf.part.bytes]))
        .then((jpeg) => {
          const snap = { jpeg, atMs: kf.programDateMs };
          this.cache.set(cameraId, { part: kf.part.n, at: Date.now(), snap });
          this.save(cameraId, snap).then(() => onSaved?.(snap.atMs), (err) => this.opts.log.warn('snapshot not saved', { camera: cameraId, err: String(err) }));
          return snap;
        })
        .catch((err) => {
          this.opts.log.warn('snapshot decode failed', { camera: cameraId, err: String(err?.message ?? err).slice(0, 200) });
          return this.readSaved(cameraId);
        })
        .finally(() => this.inflight.delete(cameraId));
      this.inflight.set(cameraId, job);
    }
    return job;
  }

  private readSaved(cameraId: string): Snapshot | undefined {
    try {
      const file = this.fileOf(cameraId);
      return { jpeg: fs.readFileSync(file), atMs: fs.statSync(file).mtimeMs };
    } catch {
      return undefined;
    }
  }

  /** Atomic replace (tmp + rename), mtime = frame time. */
  private async save(cameraId: string, snap: Snapshot): Promise<void> {
    const file = this.fileOf(cameraId);
    const tmp = `${file}.tmp-${process.pid}`;
    await fs.promises.writeFile(tmp, snap.jpeg);
    const t = new Date(snap.atMs);
    await fs.promises.utimes(tmp, t, t);
    await fs.promises.rename(tmp, file);
  }

  private async decode(mp4: Buffer): Promise<Buffer> {
    if (this.active >= this.maxConcurrent) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    this.decodes++;
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        const child = spawn(this.opts.ffmpegPath, [
          '-hide_banner', '-loglevel', 'error', '-f', 'mp4', '-i', 'pipe:0',
          '-frames:v', '1', '-threads', '1', '-q:v', '5', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1',
        ], { stdio: ['pipe', 'pipe', 'pipe'] });
        trackChild(child);
        const out: Buffer[] = [];
        let err = '';
        const timer = setTimeout(() => void stopChild(child, 500), DECODE_TIMEOUT_MS);
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-400)));
        child.stdin.on('error', () => undefined); // ffmpeg may close stdin once it has its frame
        child.once('error', reject);
        child.once('exit', (code) => {
          clearTimeout(timer);
          const jpeg = Buffer.concat(out);
          if (code === 0 && jpeg.length > 3 && jpeg[0] === 0xff && jpeg[1] === 0xd8) resolve(jpeg);
          else reject(new Error(`ffmpeg exited ${code}: ${err.trim().split('\n').at(-1) ?? ''}`));
        });
        child.stdin.end(mp4);
      });
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
