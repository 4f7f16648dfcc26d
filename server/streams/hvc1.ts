// H.265 copied into fMP4 comes out as `hev1` (parameter sets may also be in-band); Safari's HLS and some MSE
// decoders accept only `hvc1` (parameter sets in the init segment). ffmpeg's `-tag:v hvc1` would do it, but the
// tag must be chosen before ffmpeg knows the camera's codec, and on an H.264 camera ffmpeg refuses it ("Tag hvc1
// incompatible with output codec id"). So the init segment is retagged here, as `-tag:v hvc1` does it: the sample
// entry becomes `hvc1` and its VPS, SPS and PPS arrays in `hvcC` are marked complete (array_completeness = 1).

const CONTAINERS = ['moov', 'trak', 'mdia', 'minf', 'stbl'];
/** stsd: version/flags and entry count before the sample entries. */
const STSD_HEADER = 8;
/** VisualSampleEntry fields after its box header, before its child boxes. */
const VISUAL_SAMPLE_ENTRY = 78;
/** hvcC fields before numOfArrays. */
const HVCC_FIXED = 22;
/** NAL unit types VPS, SPS, PPS (an SEI array stays as it is, as ffmpeg leaves it). */
const PARAMETER_SETS = new Set([32, 33, 34]);

/** The init segment with its `hev1` sample entry retagged `hvc1`; any other init segment is returned as it is. */
export function retagHvc1(init: Buffer): Buffer {
  const hev1 = findBox(init, [...CONTAINERS, 'stsd', 'hev1']);
  if (!hev1) return init;
  const out = Buffer.from(init);
  out.write('hvc1', hev1.start + 4, 'latin1');
  const hvcC = findBox(out, ['hvcC'], hev1.start + 8 + VISUAL_SAMPLE_ENTRY, hev1.end);
  if (hvcC) {
    let at = hvcC.start + 8 + HVCC_FIXED;
    const arrays = out[at++];
    for (let i = 0; i < arrays && at + 3 <= hvcC.end; i++) {
      if (PARAMETER_SETS.has(out[at] & 0x3f)) out[at] |= 0x80;
      const nalus = out.readUInt16BE(at + 1);
      at += 3;
      for (let k = 0; k < nalus && at + 2 <= hvcC.end; k++) at += 2 + out.readUInt16BE(at);
    }
  }
  return out;
}

/** `hev1.…` → `hvc1.…` (the RFC 6381 string follows the sample entry). */
export const hvc1Codec = (codec: string) => codec.replace(/^hev1\./, 'hvc1.');

interface Box {
  start: number;
  end: number;
}

/** The box at `path` (each step searched among the children of the previous one). */
function findBox(buf: Buffer, path: string[], from = 0, to = buf.length): Box | undefined {
  let start = from;
  let end = to;
  for (const [depth, type] of path.entries()) {
    const box = child(buf, type, start, end);
    if (!box) return undefined;
    if (depth === path.length - 1) return box;
    start = box.start + 8 + (type === 'stsd' ? STSD_HEADER : 0);
    end = box.end;
  }
  return undefined;
}

function child(buf: Buffer, type: string, from: number, to: number): Box | undefined {
  for (let at = from; at + 8 <= to; ) {
    const size = buf.readUInt32BE(at);
    if (size < 8 || at + size > to) return undefined; // 64-bit sizes do not occur in an init segment
    if (buf.toString('latin1', at + 4, at + 8) === type) return { start: at, end: at + size };
    at += size;
  }
  return undefined;
}
