// ffmpeg arguments for one camera: pull and a pure stream copy (no decoding) into fragmented MP4 on stdout, or, for
// a camera configured with `transcode`, a re-encode to H.264 with a keyframe every second.
// Fragments are self-contained (moof+mdat, base offsets from the moof) and cut at every keyframe and every
// partTargetS, so each one is an LL-HLS part and a keyframe always starts a new one (hls.js#7782: parts that
// begin mid-GOP at a segment start leave gaps).
import type { Transcode } from '../../camera-config/schema.ts';
import type { FfmpegInfo } from './ffmpeg.ts';
import type { H264Encoder } from './h264-encoder.ts';

/** Used when a transcoding camera names no bitrate. */
export const DEFAULT_TRANSCODE_KBPS = 2000;

export interface PipelineArgsInput {
  url: string;
  transport: 'tcp' | 'udp';
  /** LL-HLS part target, seconds. */
  partTargetS: number;
  /** RTSP socket read timeout, seconds: a vanished publisher makes ffmpeg exit instead of hanging. */
  readTimeoutS: number;
  /** Re-encode instead of copying. */
  transcode?: TranscodeArgs;
}

export interface TranscodeArgs {
  settings: Transcode;
  encoder: H264Encoder;
}

export interface PipelineArgs {
  input: string;
  inputOptions: string[];
  outputOptions: string[];
}

export function pipelineArgs(ff: FfmpegInfo, o: PipelineArgsInput): PipelineArgs {
  const isRtsp = /^rtsps?:/i.test(o.url);
  const inputOptions = [
    '-hide_banner',
    '-loglevel', 'error',
    '-stats', // "frame=… " progress lines on stderr: our fps source
    // 1 s of probing instead of 5: the first part (and the first picture on a wall) comes sooner
    '-analyzeduration', '1000000',
    ...(isRtsp ? ['-rtsp_transport', o.transport, ff.rtspTimeoutFlag, String(Math.round(o.readTimeoutS * 1e6))] : []),
    ...(o.transcode?.encoder.globalOptions ?? []),
  ];
  const outputOptions = [
    '-map', '0:v:0',
    '-an', '-sn', '-dn',
    ...(o.transcode ? encodeOptions(o.transcode.settings, o.transcode.encoder) : ['-c:v', 'copy']),
    '-f', 'mp4',
    '-movflags', '+frag_keyframe+empty_moov+default_base_moof',
    '-frag_duration', String(Math.round(o.partTargetS * 1e6)),
  ];
  return { input: o.url, inputOptions, outputOptions };
}

function encodeOptions(t: Transcode, enc: H264Encoder): string[] {
  // -2: the other side follows the aspect ratio, rounded to even
  const scale = t.width || t.height ? [`scale=${t.width ?? -2}:${t.height ?? -2}`] : [];
  const kbps = t.bitrateKbps ?? DEFAULT_TRANSCODE_KBPS;
  return [
    '-vf', [...scale, ...enc.filters].join(','),
    '-c:v', enc.name,
    ...enc.options,
    // a keyframe every second of media time whatever the source's frame rate: 1 s segments, cut on keyframes
    '-force_key_frames', 'expr:gte(t,n_forced*1)',
    // rate capped over a 1 s buffer: a steady stream for the walls, no burst when the picture gets busy
    '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`,
  ];
}

/** The same arguments as one argv, output on stdout (for benchmarks and debugging). */
export function toArgv(a: PipelineArgs): string[] {
  return [...a.inputOptions, '-i', a.input, ...a.outputOptions, 'pipe:1'];
}
