// Just enough ISO BMFF (ISO/IEC 14496-12) to account for a clip without decoding it: the video track of an init
// segment (its id, timescale and trex default sample duration) and, for each fragment, that track's samples as its
// trun boxes list them (durations from trun, else tfhd's default, else trex's). A sample of a video track is a frame.

import { boxes, child, children } from '../../domain/mp4-boxes.ts';

/** The video track of an init segment. */
export interface VideoTrack {
  trackId: number;
  /** mdhd timescale: media time units per second. */
  timescale: number;
  /** trex default_sample_duration (0 when the init has none). */
  defaultDuration: number;
  /** The stsd box (codec, dimensions, parameter sets): two runs whose entries differ cannot share one MP4 track. */
  sampleEntry: Buffer;
}

/** The first video ('vide' handler) track of an init segment, or undefined. */
export function videoTrackOf(init: Buffer): VideoTrack | undefined {
  const moov = boxes(init).find((b) => b.type === 'moov');
  if (!moov) return undefined;
  for (const trak of children(init, moov, 'trak')) {
    const tkhd = child(init, trak, 'tkhd');
    const mdia = child(init, trak, 'mdia');
    const hdlr = mdia && child(init, mdia, 'hdlr');
    const mdhd = mdia && child(init, mdia, 'mdhd');
    const minf = mdia && child(init, mdia, 'minf');
    const stbl = minf && child(init, minf, 'stbl');
    const stsd = stbl && child(init, stbl, 'stsd');
    if (!tkhd || !hdlr || !mdhd || !stsd || init.toString('latin1', hdlr.body + 8, hdlr.body + 12) !== 'vide') continue;
    const trackId = init.readUInt32BE(tkhd.body + (init[tkhd.body] === 1 ? 20 : 12));
    const timescale = init.readUInt32BE(mdhd.body + (init[mdhd.body] === 1 ? 20 : 12));
    const mvex = child(init, moov, 'mvex');
    const trex = mvex && children(init, mvex, 'trex').find((t) => init.readUInt32BE(t.body + 4) === trackId);
    return { trackId, timescale, defaultDuration: trex ? init.readUInt32BE(trex.body + 12) : 0, sampleEntry: init.subarray(stsd.body - 8, stsd.end) };
  }
  return undefined;
}

/**
 * The durations (in the track's timescale) of the track's samples in every moof of `bytes` (fragments as the
 * pipeline writes them: moof+mdat, one or more); a torn box ends the count.
 */
export function sampleDurations(bytes: Buffer, track: VideoTrack): number[] {
  const out: number[] = [];
  for (const moof of boxes(bytes).filter((b) => b.type === 'moof')) {
    for (const traf of children(bytes, moof, 'traf')) {
      const tfhd = child(bytes, traf, 'tfhd');
      if (!tfhd || bytes.readUInt32BE(tfhd.body + 4) !== track.trackId) continue;
      const tfFlags = bytes.readUInt32BE(tfhd.body) & 0xffffff;
      // tfhd optional fields, in order: base_data_offset (8), sample_description_index (4), default_sample_duration
      const durAt = tfhd.body + 8 + (tfFlags & 0x01 ? 8 : 0) + (tfFlags & 0x02 ? 4 : 0);
      const fragDefault = tfFlags & 0x08 ? bytes.readUInt32BE(durAt) : track.defaultDuration;
      for (const trun of children(bytes, traf, 'trun')) {
        const flags = bytes.readUInt32BE(trun.body) & 0xffffff;
        const count = bytes.readUInt32BE(trun.body + 4);
        const perSample = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
        let at = trun.body + 8 + (flags & 0x01 ? 4 : 0) + (flags & 0x04 ? 4 : 0);
        if (at + count * perSample > trun.end) throw new Error('trun: sample table runs past its box');
        for (let i = 0; i < count; i++, at += perSample) out.push(flags & 0x100 ? bytes.readUInt32BE(at) : fragDefault);
      }
    }
  }
  return out;
}

/** The size of the first box of buf (a part's moof), from its header; undefined when the header is not there. */
export function firstBoxSize(header: Buffer): number | undefined {
  if (header.length < 8) return undefined;
  const size = header.readUInt32BE(0);
  if (size === 1) return header.length >= 16 ? Number(header.readBigUInt64BE(8)) : undefined;
  return size >= 8 ? size : undefined;
}
