// ISO BMFF (ISO/IEC 14496-12) boxes, read from bytes in place: pure, for the server (recordings, clips) and the wall
// (a tile's keyframe poster) alike. A Node Buffer is a Uint8Array, so both pass their bytes as they have them.

export interface Box {
  type: string;
  /** Offset of the box's first byte (its size field). */
  start: number;
  /** Offset of the payload (after size, type and any largesize). */
  body: number;
  end: number;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
export const u16 = (b: Uint8Array, at: number): number => view(b).getUint16(at);
export const u32 = (b: Uint8Array, at: number): number => view(b).getUint32(at);
export const i32 = (b: Uint8Array, at: number): number => view(b).getInt32(at);
export const fourcc = (b: Uint8Array, at: number): string => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);

/** The boxes in bytes[start, end), in order; stops at a box whose size does not fit. */
export function boxes(b: Uint8Array, start = 0, end = b.length): Box[] {
  const out: Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = u32(b, at);
    const type = fourcc(b, at + 4);
    let body = at + 8;
    if (size === 1) {
      if (at + 16 > end) break;
      size = Number(view(b).getBigUint64(at + 8));
      body = at + 16;
    } else if (size === 0) size = end - at;
    if (size < body - at || at + size > end) break;
    out.push({ type, start: at, body, end: at + size });
    at += size;
  }
  return out;
}

export const child = (b: Uint8Array, parent: Box, type: string): Box | undefined => boxes(b, parent.body, parent.end).find((x) => x.type === type);
export const children = (b: Uint8Array, parent: Box, type: string): Box[] => boxes(b, parent.body, parent.end).filter((x) => x.type === type);

/** The box at `path` under `parent` (or at the top level), each step a child of the one before. */
export function boxAt(b: Uint8Array, path: string[], parent?: Box): Box | undefined {
  let box = parent;
  for (const type of path) {
    box = box ? child(b, box, type) : boxes(b).find((x) => x.type === type);
    if (!box) return undefined;
  }
  return box;
}

/** stsd: version/flags and entry count before its sample entries. */
const STSD_HEADER = 8;
/** VisualSampleEntry fields after its box header, before its child boxes (width at 24, height at 26). */
export const VISUAL_SAMPLE_ENTRY = 78;

/** The first sample entry of a video track's stsd (avc1, hvc1, …) and its decoder configuration box (avcC, hvcC). */
export function sampleEntry(b: Uint8Array, stsd: Box): { entry: Box; config: Box | undefined; width: number; height: number } | undefined {
  const entry = boxes(b, stsd.body + STSD_HEADER, stsd.end)[0];
  if (!entry || entry.end - entry.body < VISUAL_SAMPLE_ENTRY) return undefined;
  const config = boxes(b, entry.body + VISUAL_SAMPLE_ENTRY, entry.end).find((x) => x.type.endsWith('C') && x.type !== 'btrt');
  return { entry, config, width: u16(b, entry.body + 24), height: u16(b, entry.body + 26) };
}
