// Reading recordings back: the spans a camera has on disk, and an HLS VOD playlist for any window of them. The
// playlist points into the recording files themselves with byte ranges (EXT-X-MAP for the init segment, one
// segment per GOP), so playback reads exactly the bytes recording wrote: nothing is cut, copied or re-muxed.
import { indexPath, readIndex, type FileIndex, type IndexedPart, type RecFile } from './files.ts';

/** Two files closer than this are one span on the timeline (a roll leaves no gap; a restart does). */
export const SPAN_GAP_MS = 1500;
/** The longest window one playlist covers. */
export const MAX_WINDOW_MS = 2 * 3_600_000;

export interface Span {
  from: number;
  to: number;
}

/** Recorded spans of a camera within [from, to], joined across file rolls, gaps left as gaps. */
export function spans(files: readonly RecFile[], from: number, to: number): Span[] {
  const out: Span[] = [];
  for (const f of files) {
    if (f.endMs <= from || f.id >= to || f.endMs <= f.id) continue;
    const s = { from: Math.max(f.id, from), to: Math.min(f.endMs, to) };
    const last = out.at(-1);
    if (last && s.from - last.to <= SPAN_GAP_MS) last.to = Math.max(last.to, s.to);
    else out.push(s);
  }
  return out;
}

/** One GOP of a file: a segment of the VOD playlist, a unit a clip is cut in. */
export interface Gop {
  fileId: number;
  offset: number;
  length: number;
  startMs: number;
  durationMs: number;
  parts: number;
}

export function gopsOf(fileId: number, index: FileIndex): Gop[] {
  const gops: Gop[] = [];
  let cur: Gop | undefined;
  const add = (p: IndexedPart) => {
    if (!cur || p.keyframe) {
      cur = { fileId, offset: p.offset, length: 0, startMs: p.startMs, durationMs: 0, parts: 0 };
      gops.push(cur);
    }
    cur.length = p.offset + p.length - cur.offset;
    // media time, not clock differences: the first parts of a run arrive in a burst, stamped closer than they play
    cur.durationMs += p.durationMs;
    cur.parts++;
  };
  index.parts.forEach(add);
  return gops;
}

/** Parsed indexes of closed files (they never change); an open file is read again each time. */
const indexCache = new Map<string, FileIndex>();
const INDEX_CACHE_SIZE = 256;

export function indexOf(mediaPath: string, open: boolean): FileIndex | undefined {
  if (open) return readIndex(mediaPath);
  const key = indexPath(mediaPath);
  const hit = indexCache.get(key);
  if (hit) {
    indexCache.delete(key); // most recently used last
    indexCache.set(key, hit);
    return hit;
  }
  const idx = readIndex(mediaPath);
  if (idx) indexCache.set(key, idx);
  if (indexCache.size > INDEX_CACHE_SIZE) indexCache.delete(indexCache.keys().next().value!);
  return idx;
}

export interface Window {
  file: RecFile;
  index: FileIndex;
  gops: Gop[];
}

/** The files and GOPs covering [from, to]: from the GOP holding `from` (its keyframe) to the one holding `to`. */
export function windowOf(files: readonly RecFile[], from: number, to: number, pathOf: (f: RecFile) => string): Window[] {
  const out: Window[] = [];
  for (const file of files) {
    if (file.endMs <= from || file.id >= to) continue;
    const index = indexOf(pathOf(file), file.open);
    if (!index) continue;
    const gops = gopsOf(file.id, index).filter((g) => g.startMs + g.durationMs > from && g.startMs < to);
    if (gops.length) out.push({ file, index, gops });
  }
  return out;
}

/** An HLS VOD playlist of a window (RFC 8216: byte ranges, EXT-X-MAP, a discontinuity between files). */
export function vodPlaylist(windows: Window[], fileUrl: (f: RecFile) => string): string | undefined {
  if (!windows.length) return undefined;
  const all = windows.flatMap((w) => w.gops);
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(Math.max(...all.map((g) => g.durationMs)) / 1000))}`,
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  windows.forEach((w, i) => {
    const url = fileUrl(w.file);
    if (i > 0) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-MAP:URI="${url}",BYTERANGE="${w.index.initLength}@0"`);
    for (const g of w.gops) {
      lines.push(
        `#EXT-X-PROGRAM-DATE-TIME:${new Date(g.startMs).toISOString()}`,
        `#EXTINF:${(g.durationMs / 1000).toFixed(3)},`,
        `#EXT-X-BYTERANGE:${g.length}@${g.offset}`,
        url,
      );
    }
  });
  lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}
