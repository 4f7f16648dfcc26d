// Simulated camera clips: generated once with ffmpeg, cached under <workDir>/clips by a hash of everything that
// shapes them, so a restart reuses them. 15 fps, 1 s GOP (g=15, no scene cuts) → the HLS muxer can cut 1 s segments.
// H.264, except the cameras asked to publish H.265 as much city CCTV does.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FfmpegInfo } from '../streams/ffmpeg.ts';

const run = promisify(execFile);

// 480x270: x264 time dominates clip generation (~0.3 s per clip with the 2018 static build vs ~0.45 s at 640x360).
export const CLIP = { width: 480, height: 270, fps: 15, seconds: 10 } as const;

/** H.264 settings every demo clip shares: cheap to encode and decode, keyframe every second. */
export const X264_ARGS = [
  '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
  '-g', String(CLIP.fps), '-keyint_min', String(CLIP.fps), '-sc_threshold', '0', '-crf', '30', '-threads', '1',
  '-an', '-movflags', '+faststart',
];

/** The H.265 variant: libx265 with the same GOP (x265's own keyint options: ffmpeg 4.1 does not map -g for it). */
export const X265_ARGS = [
  '-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
  '-x265-params', `keyint=${CLIP.fps}:min-keyint=${CLIP.fps}:scenecut=0:pools=1:frame-threads=1:log-level=error`,
  '-crf', '30', '-an', '-movflags', '+faststart',
];

export type ClipCodec = 'h264' | 'h265';
const ENCODER_ARGS: Record<ClipCodec, string[]> = { h264: X264_ARGS, h265: X265_ARGS };

// Mono fonts first (the clock does not jitter); Debian/Ubuntu, Fedora/Arch layouts.
const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu-sans-mono-fonts/DejaVuSansMono.ttf',
  '/usr/share/fonts/TTF/DejaVuSansMono.ttf',
  '/usr/share/fonts/truetype/freefont/FreeMono.ttf',
];

/** A usable .ttf, or undefined (fresh CI machines may have no fonts at all). */
export function findFont(preferred?: string): string | undefined {
  for (const f of preferred ? [preferred, ...FONT_CANDIDATES] : FONT_CANDIDATES) {
    try {
      if (fs.statSync(f).isFile()) return f;
    } catch {
      /* next */
    }
  }
  for (const dir of ['/usr/share/fonts', '/usr/local/share/fonts']) {
    try {
      const hit = (fs.readdirSync(dir, { recursive: true }) as string[]).find((f) => /\.ttf$/i.test(f));
      if (hit) return path.join(dir, hit);
    } catch {
      /* no such dir */
    }
  }
  return undefined;
}

/** Escape a value for a filter option: two parsing levels (option string, then filtergraph). No shell involved. */
export function filterValue(v: string): string {
  if (/^[\w./@+-]+$/.test(v)) return v;
  const optionLevel = v.replace(/[\\':]/g, (c) => `\\${c}`);
  return `'${optionLevel.replace(/'/g, "'\\''")}'`;
}

export interface ClipSpec {
  /** Becomes the file name's readable part. */
  name: string;
  /** lavfi video filter chain applied to testsrc2 (already escaped). */
  filter: string;
  /** Extra files the filter reads (e.g. label text files), hashed into the cache key. */
  inputs?: Record<string, string>;
  /** Default h264. */
  codec?: ClipCodec;
}

export interface ClipPlan {
  /** camera id → clip path */
  clips: Map<string, string>;
  labelled: boolean;
  specs: Array<ClipSpec & { file: string }>;
}

/** How many distinct base clips cameras share when labels cannot be burnt in. */
const FALLBACK_VARIANTS = 6;

/**
 * One clip per camera with its label and a running clock when drawtext + a font are available; otherwise a few
 * visibly different testsrc2 variants (hue, mirror) shared round-robin.
 */
export function planClips(
  ffmpeg: FfmpegInfo,
  ids: string[],
  labels: Record<string, string>,
  clipDir: string,
  opts: { fontFile?: string; burnLabels?: boolean; h265Ids?: string[] } = {},
): ClipPlan {
  const font = opts.burnLabels !== false && ffmpeg.filters.has('drawtext') ? findFont(opts.fontFile) : undefined;
  const specs: ClipPlan['specs'] = [];
  const clips = new Map<string, string>();
  const h265 = new Set(opts.h265Ids?.filter((id) => ids.includes(id)));
  const codecOf = (id: string): ClipCodec | undefined => (h265.has(id) ? 'h265' : undefined);
  const key = (spec: ClipSpec) =>
    createHash('sha256')
      .update(JSON.stringify({ v: 2, CLIP, ...(spec.codec === 'h265' ? { X265_ARGS } : { X264_ARGS }), ffmpeg: ffmpeg.version, spec, font }))
      .digest('hex')
      .slice(0, 16);
  const add = (spec: ClipSpec) => {
    const file = path.join(clipDir, `${spec.name.replace(/[^\w.-]/g, '_')}-${key(spec)}.mp4`);
    specs.push({ ...spec, file });
    return file;
  };
  if (font) {
    const text = (extra: string) =>
      `drawtext=fontfile=${filterValue(font)}:fontsize=18:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=5:${extra}`;
    ids.forEach((id, i) => {
      const label = (labels[id] ?? id).replace(/[\r\n]+/g, ' ').slice(0, 48);
      const labelFile = path.join(clipDir, `label-${createHash('sha1').update(label).digest('hex').slice(0, 12)}.txt`);
      const hue = Math.round((i * 360) / Math.max(ids.length, 1));
      const filter = [
        `hue=h=${hue}`,
        text(`textfile=${filterValue(labelFile)}:expansion=none:x=10:y=26`),
        // pts-based: clips are published with -c copy, so a wall clock cannot be burnt in; this one runs with the loop.
        text(`text='%{pts\\:hms}':x=w-tw-10:y=h-th-10`),
      ].join(',');
      clips.set(id, add({ name: id, filter, inputs: { [labelFile]: label }, codec: codecOf(id) }));
    });
    return { clips, labelled: true, specs };
  }
  const variants = Array.from({ length: Math.min(FALLBACK_VARIANTS, Math.max(ids.length, 1)) }, (_, k) => {
    const mirror = ['null', 'hflip', 'vflip'][k % 3];
    return add({ name: `variant${k}`, filter: `hue=h=${Math.round((k * 360) / FALLBACK_VARIANTS)}:s=${1 + (k % 2)},${mirror}` });
  });
  const h265Variant = h265.size ? add({ name: 'variant-h265', filter: 'null', codec: 'h265' }) : undefined;
  ids.forEach((id, i) => clips.set(id, h265.has(id) ? h265Variant! : variants[i % variants.length]));
  return { clips, labelled: false, specs };
}

/** Run `task` over `items` with at most `limit` at a time; stops picking new items once `signal` aborts. */
export async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** One encode per file at a time in this process (a background job and a new start may want the same clip). */
const inflight = new Map<string, Promise<void>>();

/** Encode a testsrc2-based `source` to `file` atomically (tmp + rename: a killed run leaves no half clip). */
export function encodeClip(
  ffmpeg: FfmpegInfo,
  source: string,
  filter: string,
  file: string,
  seconds: number = CLIP.seconds,
  opts: { signal?: AbortSignal; onSpawn?: (pid: number) => void; codec?: ClipCodec } = {},
): Promise<void> {
  const running = inflight.get(file);
  if (running) return running;
  const tmp = `${file}.${process.pid}.tmp.mp4`;
  const spawned = run(
    ffmpeg.path,
    ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', source, '-t', String(seconds),
      '-vf', filter, ...ENCODER_ARGS[opts.codec ?? 'h264'], tmp],
    { timeout: 120_000, signal: opts.signal },
  );
  if (spawned.child.pid) opts.onSpawn?.(spawned.child.pid);
  const job = spawned
    .then(() => fs.renameSync(tmp, file))
    .finally(() => {
      inflight.delete(file);
      fs.rmSync(tmp, { force: true });
    });
  inflight.set(file, job);
  return job;
}

export const TESTSRC = `testsrc2=size=${CLIP.width}x${CLIP.height}:rate=${CLIP.fps}`;

/** Lets a running generation drop to background priority (nice 10) once nobody waits for it any more. */
export class Background {
  private low = false;
  private readonly pids = new Set<number>();
  readonly spawned = (pid: number) => {
    this.pids.add(pid);
    if (this.low) this.renice(pid);
  };
  lower(): void {
    this.low = true;
    for (const pid of this.pids) this.renice(pid);
  }
  private renice(pid: number) {
    try {
      os.setPriority(pid, 10);
    } catch {
      /* already exited */
    }
  }
}

/** Generate the clips of `plan` that are not cached yet (bounded parallelism). Returns how many were generated. */
export async function ensureClips(
  ffmpeg: FfmpegInfo,
  plan: ClipPlan,
  opts: { concurrency?: number; signal?: AbortSignal; background?: Background } = {},
): Promise<number> {
  const missing = plan.specs.filter((s) => !fs.existsSync(s.file));
  for (const s of missing) {
    fs.mkdirSync(path.dirname(s.file), { recursive: true });
    for (const [f, content] of Object.entries(s.inputs ?? {})) fs.writeFileSync(f, content);
  }
  const limit = Math.max(1, opts.concurrency ?? os.cpus().length);
  const encode = (s: ClipPlan['specs'][number]) =>
    encodeClip(ffmpeg, TESTSRC, s.filter, s.file, CLIP.seconds, { signal: opts.signal, onSpawn: opts.background?.spawned, codec: s.codec });
  await pool(missing, limit, encode, opts.signal);
  opts.signal?.throwIfAborted();
  return missing.length;
}
