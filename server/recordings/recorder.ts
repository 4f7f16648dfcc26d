// Recording: every camera's recent past on disk, from the live segmenter's parts (no second pull, no re-encode).
// Each part is appended to the camera's open file the moment it arrives, then its index line (files.ts), so a
// kill -9 loses at most the part being written. A file rolls at a keyframe after `fileS` seconds, and whenever a
// new run starts (a new init segment): gaps (camera offline, server down) are simply time no file covers.
//
// Retention, oldest first: files older than the camera's keepHours go, then the oldest of all cameras while the
// total is above the budget. Below the free-disk watermark recording pauses (the database and the live path keep
// the rest of the disk) until there is room again; health says so.
import fs from 'node:fs';
import path from 'node:path';
import type { RecordingState } from '../../domain/camera.ts';
import type { Logger } from '../log.ts';
import type { InitSegment, LiveSegmenter, Part } from '../streams/segmenter.ts';
import { initLine, mediaPath, indexPath, partLine, removeFile, renameClosed, scanCameraDir, type RecFile } from './files.ts';

export interface RecordingPolicy {
  /** Where <camera>/<files> go. */
  dir: string;
  /** A file is closed at the first keyframe after this many seconds. */
  fileS: number;
  /** Default maximum age, hours (a camera may set its own). */
  keepHours: number;
  /** Every camera's files together, bytes; 0 = no budget (age and the watermark only). */
  budgetBytes: number;
  /** Recording pauses below this much free space on the recordings' disk, MB (and resumes 10 % above it). */
  minFreeMB: number;
}

export type { RecordingState };

interface CameraRec {
  id: string;
  dir: string;
  keepMs: number;
  enabled: boolean;
  files: RecFile[];
  /** The file being written: its descriptors, its init, how far it has been written. */
  open?: { file: RecFile; init: InitSegment; mediaFd: number; indexFd: number };
  /** After a write error: no new file before this time. */
  errorUntil: number;
  detach?: () => void;
}

export interface RecordingsHealth {
  state: 'recording' | 'paused_disk_low' | 'off';
  bytes: number;
  budgetBytes: number;
  freeMB: number | null;
  oldest: string | null;
  cameras: Record<string, RecordingState>;
}

const ENFORCE_EVERY_MS = 10_000;

export class Recorder {
  private cameras = new Map<string, CameraRec>();
  private diskLow = false;
  private timer: NodeJS.Timeout | undefined;
  private freeAt = -Infinity;
  private free: number | null = null;
  /** Bytes appended since start (media and index), for the write-amplification benchmark. */
  bytesWritten = 0;
  bytesReceived = 0;

  constructor(
    readonly policy: RecordingPolicy,
    private log: Logger,
    private now: () => number = Date.now,
  ) {}

  /**
   * Starts recording one camera from its segmenter; its existing files are scanned (and a torn one recovered).
   * Without a segmenter (a camera no longer in cameras.json) its files are kept under retention and stay playable.
   */
  add(id: string, segmenter: LiveSegmenter | undefined, opts: { enabled: boolean; keepHours?: number }): void {
    const dir = path.join(this.policy.dir, id);
    const { files, recovered } = scanCameraDir(dir);
    if (recovered) this.log.info('recovered recordings left open', { camera: id, files: recovered });
    const cam: CameraRec = { id, dir, keepMs: (opts.keepHours ?? this.policy.keepHours) * 3_600_000, enabled: opts.enabled, files, errorUntil: 0 };
    this.cameras.set(id, cam);
    if (!opts.enabled || !segmenter) return;
    const onPart = (part: Part, init: InitSegment) => this.write(cam, part, init);
    // a run that ended closes its file: the next run starts a new one, after a gap no file covers
    const onRunEnd = () => this.closeOpen(cam);
    segmenter.on('part', onPart);
    segmenter.on('runEnd', onRunEnd);
    cam.detach = () => {
      segmenter.off('part', onPart);
      segmenter.off('runEnd', onRunEnd);
    };
  }

  start(): void {
    this.enforce();
    this.timer = setInterval(() => this.enforce(), ENFORCE_EVERY_MS);
    this.timer.unref();
  }

  /** Closes every open file (shutdown): they are complete as written. */
  close(): void {
    clearInterval(this.timer);
    for (const cam of this.cameras.values()) {
      cam.detach?.();
      this.closeOpen(cam);
    }
  }

  /** A camera's files, oldest first (the open one last); undefined for a camera not recorded here. */
  files(id: string): readonly RecFile[] | undefined {
    return this.cameras.get(id)?.files;
  }

  /** Path of one file of a camera by id, or undefined. */
  mediaFile(id: string, fileId: number): string | undefined {
    const cam = this.cameras.get(id);
    const f = cam?.files.find((x) => x.id === fileId);
    return cam && f ? mediaPath(cam.dir, f) : undefined;
  }

  state(id: string): RecordingState | undefined {
    const cam = this.cameras.get(id);
    if (!cam) return undefined;
    if (!cam.enabled) return 'off';
    if (this.diskLow) return 'paused_disk_low';
    if (cam.errorUntil > this.now()) return 'paused_write_error';
    return 'recording';
  }

  health(): RecordingsHealth {
    const all = [...this.cameras.values()];
    const oldest = Math.min(...all.map((c) => c.files[0]?.id ?? Infinity));
    const enabled = all.some((c) => c.enabled);
    return {
      state: !enabled ? 'off' : this.diskLow ? 'paused_disk_low' : 'recording',
      bytes: this.totalBytes(),
      budgetBytes: this.policy.budgetBytes,
      freeMB: this.freeMB(),
      oldest: Number.isFinite(oldest) ? new Date(oldest).toISOString() : null,
      cameras: Object.fromEntries(all.map((c) => [c.id, this.state(c.id)!])),
    };
  }

  totalBytes(): number {
    let n = 0;
    for (const c of this.cameras.values()) for (const f of c.files) n += f.bytes;
    return n;
  }

  private write(cam: CameraRec, part: Part, init: InitSegment): void {
    this.bytesReceived += part.bytes.length;
    if (this.diskLow || cam.errorUntil > this.now()) return;
    let open = cam.open;
    const rollDue = open && part.independent && part.programDateMs - open.file.id >= this.policy.fileS * 1000;
    if (open && (open.init !== init || rollDue)) {
      this.closeOpen(cam);
      open = undefined;
    }
    if (!open) {
      if (!part.independent) return; // a file starts with a keyframe: everything in it can be decoded
      open = this.openFile(cam, part, init);
      if (!open) return;
    }
    try {
      const offset = open.file.bytes;
      fs.writeSync(open.mediaFd, part.bytes);
      const line = partLine({ offset, length: part.bytes.length, startMs: part.programDateMs, durationMs: part.durationS * 1000, keyframe: part.independent });
      fs.writeSync(open.indexFd, line);
      this.bytesWritten += part.bytes.length + line.length;
      open.file.bytes += part.bytes.length;
      open.file.endMs = Math.max(open.file.endMs, part.programDateMs + part.durationS * 1000);
    } catch (err) {
      this.writeFailed(cam, err);
    }
  }

  private openFile(cam: CameraRec, part: Part, init: InitSegment): CameraRec['open'] {
    // ids are the start in ms and must not repeat within a camera (names, URLs)
    let id = Math.round(part.programDateMs);
    const last = cam.files.at(-1);
    if (last && id <= last.id) id = last.id + 1;
    const file: RecFile = { id, endMs: id, bytes: 0, open: true };
    const media = mediaPath(cam.dir, file);
    let mediaFd: number | undefined;
    let indexFd: number | undefined;
    try {
      fs.mkdirSync(cam.dir, { recursive: true });
      mediaFd = fs.openSync(media, 'wx');
      indexFd = fs.openSync(indexPath(media), 'wx');
      fs.writeSync(mediaFd, init.bytes);
      const line = initLine(init.bytes.length);
      fs.writeSync(indexFd, line);
      this.bytesWritten += init.bytes.length + line.length;
      file.bytes = init.bytes.length;
      cam.files.push(file);
      return (cam.open = { file, init, mediaFd, indexFd });
    } catch (err) {
      // not in the catalog yet: close what was opened and remove the pair, or each retry leaks two descriptors
      try {
        for (const fd of [mediaFd, indexFd]) if (fd !== undefined) fs.closeSync(fd);
        if (mediaFd !== undefined) removeFile(cam.dir, file);
      } catch {
        /* the next start's scan removes what is left */
      }
      this.writeFailed(cam, err);
      return undefined;
    }
  }

  private closeOpen(cam: CameraRec): void {
    const open = cam.open;
    if (!open) return;
    cam.open = undefined;
    try {
      fs.closeSync(open.mediaFd);
      fs.closeSync(open.indexFd);
    } catch {
      /* already closed */
    }
    const hasParts = open.file.endMs > open.file.id;
    try {
      if (!hasParts) {
        cam.files.splice(cam.files.indexOf(open.file), 1);
        removeFile(cam.dir, open.file);
        return;
      }
      const closed: RecFile = { ...open.file, open: false };
      renameClosed(cam.dir, open.file, closed);
      Object.assign(open.file, closed);
    } catch (err) {
      this.log.warn('could not close a recording file', { camera: cam.id, error: (err as Error).message });
    }
  }

  private writeFailed(cam: CameraRec, err: unknown): void {
    this.log.error('recording write failed: pausing this camera for 30 s', { camera: cam.id, error: (err as Error).message });
    cam.errorUntil = this.now() + 30_000;
    this.closeOpen(cam);
  }

  private freeMB(): number | null {
    if (this.now() - this.freeAt < 1000) return this.free;
    this.freeAt = this.now();
    try {
      const s = fs.statfsSync(this.policy.dir);
      this.free = Math.floor((s.bavail * s.bsize) / 1_048_576);
    } catch {
      this.free = null;
    }
    return this.free;
  }

  /** One retention pass: age, then budget, then the watermark. Returns the files removed. */
  enforce(): number {
    const now = this.now();
    let removed = 0;
    for (const cam of this.cameras.values()) {
      while (cam.files.length && !cam.files[0].open && cam.files[0].endMs < now - cam.keepMs) {
        removeFile(cam.dir, cam.files.shift()!);
        removed++;
      }
    }
    if (this.policy.budgetBytes > 0) {
      let total = this.totalBytes();
      while (total > this.policy.budgetBytes) {
        let oldest: CameraRec | undefined;
        for (const cam of this.cameras.values()) {
          const f = cam.files[0];
          if (f && !f.open && (!oldest || f.id < oldest.files[0].id)) oldest = cam;
        }
        if (!oldest) break; // only open files left: they close within fileS
        const f = oldest.files.shift()!;
        removeFile(oldest.dir, f);
        total -= f.bytes;
        removed++;
      }
    }
    const free = this.freeMB();
    const wasLow = this.diskLow;
    if (free !== null) this.diskLow = free < this.policy.minFreeMB * (this.diskLow ? 1.1 : 1);
    if (this.diskLow && !wasLow) {
      this.log.error('recording paused: the disk is almost full', { freeMB: free, minFreeMB: this.policy.minFreeMB });
      for (const cam of this.cameras.values()) this.closeOpen(cam);
    } else if (!this.diskLow && wasLow) this.log.info('recording resumed', { freeMB: free });
    return removed;
  }

  /** Camera directories under the recordings root that were not added (cameras since removed from the config). */
  strays(): string[] {
    try {
      return fs.readdirSync(this.policy.dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && /^[a-z0-9][a-z0-9-]{0,31}$/.test(d.name) && !this.cameras.has(d.name))
        .map((d) => d.name);
    } catch {
      return [];
    }
  }

  /** Called from add(): exposed for tests that need a camera's directory. */
  dirOf(id: string): string | undefined {
    return this.cameras.get(id)?.dir;
  }
}
