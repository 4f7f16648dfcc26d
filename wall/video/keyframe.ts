// A tile's poster: the camera's newest keyframe, which the server already holds in memory (/hls/<id>/keyframe.mp4:
// the init segment and the keyframe's part), decoded by this browser's own video decoder (WebCodecs) and drawn on a
// canvas at once. No server decode and no ffmpeg start-up (~75 ms alone for Debian's): the picture is up in about
// one socket round trip. Where WebCodecs or the codec is missing, the tile falls back to the server's JPEG snapshot.
import { boxAt, boxes, child, i32, sampleEntry, u32 } from '../../domain/mp4-boxes.ts';

export interface Keyframe {
  /** RFC 6381, from the sample entry (avc1 built from avcC; others as the server reports them). */
  codec: string | null;
  /** The decoder configuration record (avcC / hvcC payload): WebCodecs' `description`. */
  description: Uint8Array;
  /** The first sample of the first fragment: the keyframe, length-prefixed NAL units as stored. */
  data: Uint8Array;
  width: number;
  height: number;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** The keyframe of an fMP4 made of an init segment and one fragment starting on a keyframe, or null. Pure. */
export function keyframeOf(bytes: Uint8Array): Keyframe | null {
  const stsd = boxAt(bytes, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd']);
  const found = stsd && sampleEntry(bytes, stsd);
  const moof = boxes(bytes).find((b) => b.type === 'moof');
  const traf = moof && child(bytes, moof, 'traf');
  const tfhd = traf && child(bytes, traf, 'tfhd');
  const trun = traf && child(bytes, traf, 'trun');
  if (!found?.config || !moof || !tfhd || !trun) return null;
  const description = bytes.subarray(found.config.body, found.config.end);
  // tfhd: flags, track_ID, then the optional fields its flags announce
  const tfFlags = u32(bytes, tfhd.body) & 0xffffff;
  let at = tfhd.body + 8;
  let base = moof.start; // default-base-is-moof, or no base given: offsets count from this moof
  if (tfFlags & 0x01) {
    base = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at));
    at += 8;
  }
  if (tfFlags & 0x02) at += 4;
  if (tfFlags & 0x08) at += 4;
  const defaultSize = tfFlags & 0x10 ? u32(bytes, at) : 0;
  // trun: flags, sample_count, data_offset?, first_sample_flags?, then per sample: duration?, size?, …
  const trFlags = u32(bytes, trun.body) & 0xffffff;
  if (u32(bytes, trun.body + 4) < 1) return null;
  let p = trun.body + 8;
  const dataOffset = trFlags & 0x01 ? i32(bytes, p) : 0;
  if (trFlags & 0x01) p += 4;
  if (trFlags & 0x04) p += 4;
  if (trFlags & 0x100) p += 4;
  const size = trFlags & 0x200 ? u32(bytes, p) : defaultSize;
  const start = base + dataOffset;
  if (!(size > 0) || start < 0 || start + size > bytes.length) return null;
  const d = description;
  const codec = found.entry.type.startsWith('avc') && d.length >= 4 ? `${found.entry.type}.${hex2(d[1])}${hex2(d[2])}${hex2(d[3])}` : null;
  return { codec, description, data: bytes.subarray(start, start + size), width: found.width, height: found.height };
}

/** Decodes the keyframe in `bytes` and draws it on `canvas`; false when this browser cannot (then nothing is drawn). */
export async function drawKeyframe(bytes: ArrayBuffer, canvas: HTMLCanvasElement, knownCodec?: string): Promise<boolean> {
  if (typeof VideoDecoder === 'undefined') return false;
  const kf = keyframeOf(new Uint8Array(bytes));
  const codec = kf?.codec ?? knownCodec;
  if (!kf || !codec) return false;
  const config: VideoDecoderConfig = { codec, description: kf.description, optimizeForLatency: true };
  try {
    if (!(await VideoDecoder.isConfigSupported(config)).supported) return false;
  } catch {
    return false;
  }
  return new Promise<boolean>((resolve) => {
    const decoder = new VideoDecoder({
      output: (frame) => {
        canvas.width = frame.displayWidth;
        canvas.height = frame.displayHeight;
        canvas.getContext('2d')?.drawImage(frame, 0, 0);
        frame.close();
        resolve(true);
      },
      error: () => resolve(false),
    });
    try {
      decoder.configure(config);
      decoder.decode(new EncodedVideoChunk({ type: 'key', timestamp: 0, data: kf.data }));
      decoder.flush().then(
        () => resolve(false), // flushed without output: nothing drawn (resolve is a no-op after a frame)
        () => resolve(false),
      ).finally(() => decoder.state !== 'closed' && decoder.close());
    } catch {
      resolve(false);
    }
  });
}
