// One recording file on disk: an fMP4 file (the run's init segment, then the camera's parts exactly as the live
// segmenter received them: moof+mdat each, no re-mux) and its index, one text line per part, written after the
// part's bytes. Both are appended only, so a kill -9 can tear at most the last line or the bytes after the last
// indexed part; recoverFile() trims that tail on start-up.
//
// Names say whether a file is closed: <startMs>.mp4 is being written (or was, when the process died),
// <startMs>-<endMs>.mp4 is closed, its span in its name, so start-up lists 72 h of files without reading them.
import fs from 'node:fs';
import path from 'node:path';

/** One part in a recording file: where its bytes are and the wall-clock span it covers. */
export interface IndexedPart {
  offset: number;
  length: number;
  /** Wall-clock time of its first frame, epoch ms. */
  startMs: number;
  durationMs: number;
  /** Starts with a keyframe: a segment of a VOD playlist, or a clip, may begin here. */
  keyframe: boolean;
}

export interface FileIndex {
  /** Byte length of the init segment at offset 0. */
  initLength: number;
  parts: IndexedPart[];
}

/** A file as the catalog knows it. */
export interface RecFile {
  /** Its start, epoch ms: the id in URLs (files/<id>.mp4) and the first part of its name. */
  id: number;
  endMs: number;
  bytes: number;
  open: boolean;
}

const OPEN_NAME = /^(\d{13})\.mp4$/;
const CLOSED_NAME = /^(\d{13})-(\d{13})\.mp4$/;

export const mediaPath = (dir: string, f: Pick<RecFile, 'id' | 'endMs' | 'open'>) =>
  path.join(dir, f.open ? `${f.id}.mp4` : `${f.id}-${Math.round(f.endMs)}.mp4`);
export const indexPath = (media: string) => media.replace(/\.mp4$/, '.idx');

export const initLine = (length: number) => `I ${length}\n`;
export const partLine = (p: IndexedPart) =>
  `P ${p.offset} ${p.length} ${Math.round(p.startMs)} ${Math.round(p.durationMs * 10) / 10} ${p.keyframe ? 1 : 0}\n`;

/** Parses an index; a line that is torn or does not fit the file ends it (everything after is dropped). */
export function parseIndex(text: string, mediaBytes = Infinity): { index: FileIndex; validChars: number } | undefined {
  const lines = text.split('\n');
  const init = /^I (\d+)$/.exec(lines[0] ?? '');
  if (!init || lines.length < 2) return undefined;
  const index: FileIndex = { initLength: Number(init[1]), parts: [] };
  let validChars = lines[0].length + 1;
  let end = index.initLength;
  for (let i = 1; i < lines.length - 1; i++) {
    // the last element is after the final '\n': empty when the index is whole, a torn line otherwise
    const m = /^P (\d+) (\d+) (\d+) (\d+(?:\.\d+)?) ([01])$/.exec(lines[i]);
    if (!m) break;
    const p: IndexedPart = { offset: Number(m[1]), length: Number(m[2]), startMs: Number(m[3]), durationMs: Number(m[4]), keyframe: m[5] === '1' };
    if (p.offset !== end || p.offset + p.length > mediaBytes) break;
    if (index.parts.length === 0 && !p.keyframe) break;
    end = p.offset + p.length;
    index.parts.push(p);
    validChars += lines[i].length + 1;
  }
  return { index, validChars };
}

export function readIndex(media: string): FileIndex | undefined {
  try {
    return parseIndex(fs.readFileSync(indexPath(media), 'utf8'), fs.statSync(media).size)?.index;
  } catch {
    return undefined;
  }
}

export const indexEnd = (index: FileIndex) => {
  const last = index.parts.at(-1);
  return last ? last.offset + last.length : index.initLength;
};

/**
 * A file left open by a process that died: cut both files back to the last part whose bytes and index line are
 * whole, and close it under its span's name. Undefined (and both removed) when no whole part is left.
 */
export function recoverFile(dir: string, id: number): RecFile | undefined {
  const media = path.join(dir, `${id}.mp4`);
  const idx = indexPath(media);
  let parsed: ReturnType<typeof parseIndex>;
  try {
    parsed = parseIndex(fs.readFileSync(idx, 'utf8'), fs.statSync(media).size);
  } catch {
    parsed = undefined;
  }
  const last = parsed?.index.parts.at(-1);
  if (!parsed || !last) {
    fs.rmSync(media, { force: true });
    fs.rmSync(idx, { force: true });
    return undefined;
  }
  const bytes = indexEnd(parsed.index);
  fs.truncateSync(media, bytes);
  fs.truncateSync(idx, Buffer.byteLength(fs.readFileSync(idx, 'utf8').slice(0, parsed.validChars)));
  const file: RecFile = { id, endMs: last.startMs + last.durationMs, bytes, open: false };
  renameClosed(dir, { ...file, open: true }, file);
  return file;
}

/** Renames an open file's pair to its closed name. */
export function renameClosed(dir: string, from: RecFile, to: RecFile): void {
  const a = mediaPath(dir, from);
  const b = mediaPath(dir, to);
  fs.renameSync(indexPath(a), indexPath(b));
  fs.renameSync(a, b);
}

/** A camera's directory at start-up: closed files from their names, open ones recovered. Oldest first. */
export function scanCameraDir(dir: string): { files: RecFile[]; recovered: number } {
  fs.mkdirSync(dir, { recursive: true });
  const names = new Set(fs.readdirSync(dir));
  // renameClosed moves the index first: a crash between the two renames leaves an open media with a closed index
  for (const name of names) {
    const m = /^(\d{13})-\d{13}\.idx$/.exec(name);
    if (m && names.has(`${m[1]}.mp4`) && !names.has(name.replace(/\.idx$/, '.mp4'))) {
      fs.renameSync(path.join(dir, name), path.join(dir, `${m[1]}.idx`));
      names.delete(name);
      names.add(`${m[1]}.idx`);
    }
  }
  const files: RecFile[] = [];
  let recovered = 0;
  for (const name of names) {
    const closed = CLOSED_NAME.exec(name);
    if (closed && names.has(name.replace(/\.mp4$/, '.idx'))) {
      files.push({ id: Number(closed[1]), endMs: Number(closed[2]), bytes: fs.statSync(path.join(dir, name)).size, open: false });
      continue;
    }
    const open = OPEN_NAME.exec(name);
    if (open) {
      const file = recoverFile(dir, Number(open[1]));
      recovered++;
      if (file) files.push(file);
      continue;
    }
    // a media without its index, or an index without its media: a removal the process did not finish
    if (/\.(mp4|idx)$/.test(name) && !names.has(name.endsWith('.mp4') ? name.replace(/\.mp4$/, '.idx') : name.replace(/\.idx$/, '.mp4'))) {
      fs.rmSync(path.join(dir, name), { force: true });
    }
  }
  return { files: files.sort((a, b) => a.id - b.id), recovered };
}

/** Removes a closed file (scanCameraDir finishes a half-done removal). */
export function removeFile(dir: string, f: RecFile): void {
  const media = mediaPath(dir, f);
  fs.rmSync(media, { force: true });
  fs.rmSync(indexPath(media), { force: true });
}
