// ffmpeg arguments for one camera: a pure stream copy to HLS (no decoding). Snapshots come from the finished
// segments, taken by the one shared snapshotter (snapshotter.ts), not from these processes.
import type { FfmpegInfo } from './ffmpeg.ts';

export const PLAYLIST = 'index.m3u8';
/** Segment names: seg-<media sequence>.ts (sequence numbers start at the epoch second, see below). */
export const SEGMENT_RE = /^seg-(\d{1,20})\.ts$/;

export interface PipelineArgsInput {
  url: string;
  transport: 'tcp' | 'udp';
  hlsDir: string;
  /** HLS target segment duration, seconds (segments cut on keyframes, so ~GOP length). */
  targetS: number;
  listSize: number;
  /** RTSP socket read timeout, seconds: a vanished publisher makes ffmpeg exit instead of hanging. */
  readTimeoutS: number;
}

export interface PipelineArgs {
  input: string;
  inputOptions: string[];
  hlsOptions: string[];
  hlsTarget: string;
}

export function pipelineArgs(ff: FfmpegInfo, o: PipelineArgsInput): PipelineArgs {
  const isRtsp = /^rtsps?:/i.test(o.url);
  const inputOptions = [
    '-hide_banner',
    '-loglevel', 'error',
    '-stats', // "frame=… " progress lines on stderr: our fps source
    // ffmpeg's PROGRAM-DATE-TIME is stamped after probing: 1 s of probing keeps it accurate and the first playlist early
    '-analyzeduration', '1000000',
    ...(isRtsp ? ['-rtsp_transport', o.transport, ff.rtspTimeoutFlag, String(Math.round(o.readTimeoutS * 1e6))] : []),
  ];
  const hlsOptions = [
    '-map', '0:v:0',
    '-an', '-sn', '-dn',
    '-c:v', 'copy',
    '-f', 'hls',
    '-hls_time', String(o.targetS),
    '-hls_list_size', String(o.listSize),
    '-hls_flags', 'delete_segments+temp_file+independent_segments+program_date_time+discont_start',
    // epoch-second start numbers: a restarted ffmpeg never reuses a sequence number players have seen
    '-hls_start_number_source', 'epoch',
    '-hls_segment_filename', `${o.hlsDir}/seg-%d.ts`,
  ];
  return {
    input: o.url,
    inputOptions,
    hlsOptions,
    hlsTarget: `${o.hlsDir}/${PLAYLIST}`,
  };
}

/** The same arguments as one argv (for benchmarks and debugging). */
export function toArgv(a: PipelineArgs): string[] {
  return [...a.inputOptions, '-i', a.input, ...a.hlsOptions, '-y', a.hlsTarget];
}
