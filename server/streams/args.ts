// ffmpeg arguments for one camera: pull and a pure stream copy (no decoding) into fragmented MP4 on stdout.
// Fragments are self-contained (moof+mdat, base offsets from the moof) and cut at every keyframe and every
// partTargetS, so each one is an LL-HLS part and a keyframe always starts a new one (hls.js#7782: parts that
// begin mid-GOP at a segment start leave gaps).
import type { FfmpegInfo } from './ffmpeg.ts';

export interface PipelineArgsInput {
  url: string;
  transport: 'tcp' | 'udp';
  /** LL-HLS part target, seconds. */
  partTargetS: number;
  /** RTSP socket read timeout, seconds: a vanished publisher makes ffmpeg exit instead of hanging. */
  readTimeoutS: number;
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
  ];
  const outputOptions = [
    '-map', '0:v:0',
    '-an', '-sn', '-dn',
    '-c:v', 'copy',
    '-f', 'mp4',
    '-movflags', '+frag_keyframe+empty_moov+default_base_moof',
    '-frag_duration', String(Math.round(o.partTargetS * 1e6)),
  ];
  return { input: o.url, inputOptions, outputOptions };
}

/** The same arguments as one argv, output on stdout (for benchmarks and debugging). */
export function toArgv(a: PipelineArgs): string[] {
  return [...a.inputOptions, '-i', a.input, ...a.outputOptions, 'pipe:1'];
}
