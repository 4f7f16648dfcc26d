// A span of recorded video as one regular MP4, by remux only (no decode, no re-encode): the one function behind a
// clip download and every clip of an evidence export.
//
// For each recording file the window touches, a piece is the file's init segment followed by the bytes of the parts
// from the keyframe at or before `from` up to the part holding `to` (parts are self-contained moof+mdat, so this is a
// valid fMP4 as it stands). ffmpeg's concat demuxer joins the pieces (-c copy) and the mp4 muxer writes one moov in
// front (+faststart). Frames are counted from the trun boxes of the fragments included (the video track's samples),
// and the wall-clock times come from the recording index (each part's program date), so the clip's account of
// itself needs no decode either. Across a gap (camera offline, a restart) the MP4 plays on without the gap: `pieces`
// says where each continuous stretch lies on the clock.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../../domain/errors.ts';
import { stopChild, trackChild } from '../streams/children.ts';
import type { IndexedPart, RecFile } from './files.ts';
import { firstBoxSize, sampleDurations, videoTrackOf } from './mp4.ts';
import { SPAN_GAP_MS, type Window } from './playback.ts';

/** The longest window a clip or an export covers. */
export const MAX_CLIP_MS = 30 * 60_000;
/** Remuxes at once, process-wide: each one reads and writes the whole clip; the recorder writes on the same disk. */
const MAX_CONCURRENT = 2;
/** A remux copies bytes; 30 min of a 4 Mbit/s camera is ~0.9 GB. Past this something is wrong: stop it. */
const REMUX_TIMEOUT_MS = 5 * 60_000;

/** One continuous stretch of the clip (one recording file's piece). */
export interface ClipPiece {
  /** Wall-clock time of its first frame, epoch ms (the index's program date of its first part). */
  startMs: number;
  /** Wall-clock time of its last frame, epoch ms. */
  endMs: number;
  frames: number;
  /** Media duration of its frames, ms (last frame's duration included). */
  durationMs: number;
}

export interface ClipResult {
  startMs: number;
  endMs: number;
  frames: number;
  durationMs: number;
  /** Continuous stretches on the clock: more than one when the window holds a gap (files closer than SPAN_GAP_MS join). */
  pieces: ClipPiece[];
  bytes: number;
  sha256: string;
}

export interface CutClipOptions {
  ffmpegPath: string;
  /** windowOf(files, from, to): the files and GOPs covering the span. */
  windows: Window[];
  /** Where a recording file is on disk. */
  pathOf: (f: RecFile) => string;
  /** Parts starting at or after this are left out (the last GOP is cut at a part boundary). */
  to: number;
  /** The MP4 to write (its directory exists). */
  out: string;
  /** Pieces are written in a directory made here, removed afterwards whatever happens. */
  workDir: string;
  signal?: AbortSignal;
}

let active = 0;
const waiting: Array<() => void> = [];
async function slot(): Promise<() => void> {
  if (active >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  active++;
  return () => {
    active--;
    waiting.shift()?.();
  };
}

export async function cutClip(o: CutClipOptions): Promise<ClipResult> {
  if (!o.windows.length) throw new Error('cutClip: an empty window');
  fs.mkdirSync(o.workDir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(o.workDir, 'clip-'));
  const release = await slot();
  try {
    const pieces: ClipPiece[] = [];
    const files: string[] = [];
    let entry: Buffer | undefined;
    for (const [i, w] of o.windows.entries()) {
      const file = path.join(tmp, `piece-${i}.mp4`);
      const { piece, sampleEntry } = await writePiece(o.pathOf(w.file), w, o.to, file);
      // one MP4 track has one sample entry: a run that changed codec, size or parameter sets would decode as garbage
      if (entry && !entry.equals(sampleEntry)) {
        const at = new Date(Math.round(piece.startMs)).toISOString();
        throw new DomainError('invalid_field', 'to', `to: the camera's video format changed at ${at}; a clip cannot cross it (end it before, or start after)`, { formatChangedAt: at });
      }
      entry ??= sampleEntry;
      pieces.push(piece);
      files.push(file);
    }
    const list = path.join(tmp, 'pieces.txt');
    // paths are ours (a temp dir and piece-<n>.mp4), quoted as the concat demuxer reads them
    // each piece's duration stated: for a fragmented file the mp4 demuxer reports its end time (base media decode time
    // included) as its duration, and the concat demuxer would place the next piece that far along
    const entries = files.map((f, i) => `file '${f.replaceAll("'", "'\\''")}'\nduration ${(pieces[i].durationMs / 1000).toFixed(6)}`);
    fs.writeFileSync(list, `ffconcat version 1.0\n${entries.join('\n')}\n`);
    await runFfmpeg(o.ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'concat', '-safe', '0', '-i', list,
      '-map', '0:v', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', '-y', o.out], o.signal);
    const { bytes, sha256 } = await hashFile(o.out);
    return {
      startMs: pieces[0].startMs,
      endMs: pieces.at(-1)!.endMs,
      frames: pieces.reduce((n, p) => n + p.frames, 0),
      durationMs: pieces.reduce((n, p) => n + p.durationMs, 0),
      pieces: stretches(pieces),
      bytes,
      sha256,
    };
  } finally {
    release();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Pieces of consecutive files (a roll) as one stretch; a gap between runs keeps them apart. */
function stretches(pieces: ClipPiece[]): ClipPiece[] {
  const out: ClipPiece[] = [];
  for (const p of pieces) {
    const last = out.at(-1);
    if (last && p.startMs - last.endMs <= SPAN_GAP_MS) {
      out[out.length - 1] = { startMs: last.startMs, endMs: p.endMs, frames: last.frames + p.frames, durationMs: last.durationMs + p.durationMs };
    } else out.push({ ...p });
  }
  return out;
}

/** init + the window's parts of one recording file → `out`; its frames counted and timed on the way. */
async function writePiece(media: string, w: Window, to: number, out: string): Promise<{ piece: ClipPiece; sampleEntry: Buffer }> {
  const first = w.gops[0];
  const last = w.gops.at(-1)!;
  const parts: IndexedPart[] = [];
  for (const p of w.index.parts) {
    if (p.offset < first.offset || p.offset >= last.offset + last.length) continue;
    if (parts.length && p.startMs >= to) break;
    parts.push(p);
  }
  // read by descriptor throughout: the recorder may close (rename) the file, or retention remove it, meanwhile
  const fd = fs.openSync(media, 'r');
  let streaming = false;
  try {
    const init = Buffer.alloc(w.index.initLength);
    fs.readSync(fd, init, 0, init.length, 0);
    const track = videoTrackOf(init);
    if (!track || !track.timescale) throw new Error(`${path.basename(media)}: no video track in the init segment`);
    let frames = 0;
    let units = 0;
    let lastOffset = 0;
    let lastDuration = 0;
    for (const p of parts) {
      const durations = sampleDurations(readMoof(fd, p), track);
      if (!durations.length) throw new Error(`${path.basename(media)}: a part at ${p.offset} holds no video sample`);
      frames += durations.length;
      units += durations.reduce((a, b) => a + b, 0);
      lastDuration = durations.at(-1)!;
      lastOffset = durations.reduce((a, b) => a + b, 0) - lastDuration; // the last frame within its part
    }
    const lastPart = parts.at(-1)!;
    fs.writeFileSync(out, init);
    streaming = true; // the stream closes the descriptor, at its end or on an error
    await pipeline(
      fs.createReadStream(media, { fd, start: parts[0].offset, end: lastPart.offset + lastPart.length - 1, autoClose: true }),
      fs.createWriteStream(out, { flags: 'a' }),
    );
    const piece = {
      startMs: parts[0].startMs,
      endMs: lastPart.startMs + (lastOffset / track.timescale) * 1000,
      frames,
      durationMs: (units / track.timescale) * 1000,
    };
    return { piece, sampleEntry: track.sampleEntry };
  } finally {
    if (!streaming) fs.closeSync(fd);
  }
}

/** A part's moof (its first box): all the sample tables need. */
function readMoof(fd: number, p: IndexedPart): Buffer {
  const head = Buffer.alloc(16);
  fs.readSync(fd, head, 0, Math.min(16, p.length), p.offset);
  const size = firstBoxSize(head);
  if (!size || size > p.length || head.toString('latin1', 4, 8) !== 'moof') throw new Error(`a part at ${p.offset} does not start with a moof`);
  const moof = Buffer.alloc(size);
  fs.readSync(fd, moof, 0, size, p.offset);
  return moof;
}

function runFfmpeg(ffmpegPath: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    const stop = () => void stopChild(child, 1000);
    const timer = setTimeout(stop, REMUX_TIMEOUT_MS);
    signal?.addEventListener('abort', stop, { once: true });
    child.once('error', reject);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      if (code === 0) resolve();
      else {
        const err = new Error(`remux failed (${sig ?? `exit ${code}`}): ${stderr.trim().split('\n').at(-1) ?? ''}`);
        // a full disk is the client's 507 (retry later), not our 500 (http/errors.ts)
        if (/No space left on device|Disk quota exceeded/i.test(stderr)) Object.assign(err, { code: 'ENOSPC' });
        reject(err);
      }
    });
  });
}

export async function hashFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    hash.update(chunk);
  }
  return { bytes, sha256: hash.digest('hex') };
}
