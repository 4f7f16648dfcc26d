// H.265 copied into fMP4 comes out as `hev1` (parameter sets may also be in-band); Safari's HLS and some MSE
// decoders accept only `hvc1` (parameter sets in the init segment). ffmpeg's `-tag:v hvc1` would do it, but the
// tag must be chosen before ffmpeg knows the camera's codec, and on an H.264 camera ffmpeg refuses it ("Tag hvc1
// incompatible with output codec id"). So the init segment is retagged here, as `-tag:v hvc1` does it: the sample
// entry becomes `hvc1` and its VPS, SPS and PPS arrays in `hvcC` are marked complete (array_completeness = 1).

import { boxAt, sampleEntry } from '../../domain/mp4-boxes.ts';

/** hvcC fields before numOfArrays. */
const HVCC_FIXED = 22;
/** NAL unit types VPS, SPS, PPS (an SEI array stays as it is, as ffmpeg leaves it). */
const PARAMETER_SETS = new Set([32, 33, 34]);

/** The init segment with its `hev1` sample entry retagged `hvc1`; any other init segment is returned as it is. */
export function retagHvc1(init: Buffer): Buffer {
  const stsd = boxAt(init, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd']);
  const found = stsd && sampleEntry(init, stsd);
  if (!found || found.entry.type !== 'hev1') return init;
  const out = Buffer.from(init);
  out.write('hvc1', found.entry.start + 4, 'latin1');
  const hvcC = found.config?.type === 'hvcC' ? found.config : undefined;
  if (hvcC) {
    let at = hvcC.body + HVCC_FIXED;
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
