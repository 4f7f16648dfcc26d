// ffmpeg arguments for one camera: copy the video to HLS and, from the same process, a keyframe JPEG every few
// seconds. Only keyframes are decoded (-skip_frame nokey), so the snapshot costs ~0.3 % of a core, not a full decode.
import type { FfmpegInfo } from './ffmpeg.ts';

export const PLAYLIST = 'index.m3u8';
/** Segment names: seg-<media sequence>.ts (sequence numbers start at the epoch second, see below). */
export const SEGMENT_RE = /^seg-(\d{1,20})\.ts$/;

export interface PipelineArgsInput {
  url: string;
  transport: 'tcp' | 'udp';
  hlsDir: string;
  snapshotFile: string;
  /** HLS target segment duration, seconds (segments cut on keyframes, so ~GOP length). */
  targetS: number;
  listSize: number;
  snapshotEveryS: number;
  /** RTSP socket read timeout, seconds: a vanished publisher makes ffmpeg exit instead of hanging. */
  readTimeoutS: number;
}

export interface PipelineArgs {
  input: string;
  inputOptions: string[];
  hlsOptions: string[];
  hlsTarget: string;
  snapshotOptions: string[];
  snapshotTarget: string;
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
    // decoder options: only the snapshot output decodes (the HLS output is a stream copy). Keyframes only, one
    // thread (frame threads cost more than they save at 1 frame/s), no deblocking: measured −25 % pipeline CPU.
    '-threads', '1',
    '-skip_frame', 'nokey',
    '-skip_loop_filter', 'all',
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
  // One JPEG per `snapshotEveryS` from keyframes only; -update 1 rewrites one file, atomic_writing avoids torn reads.
  const select = `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${o.snapshotEveryS})'`;
  const snapshotOptions = [
    '-map', '0:v:0',
    '-an', '-sn', '-dn',
    '-vf', select,
    ...ff.vfrArgs,
    '-threads', '1',
    '-q:v', '5',
    '-f', 'image2',
    '-update', '1',
    '-atomic_writing', '1',
  ];
  return {
    input: o.url,
    inputOptions,
    hlsOptions,
    hlsTarget: `${o.hlsDir}/${PLAYLIST}`,
    snapshotOptions,
    snapshotTarget: o.snapshotFile,
  };
}

/** The same arguments as one argv (for benchmarks and debugging). */
export function toArgv(a: PipelineArgs): string[] {
  return [...a.inputOptions, '-i', a.input, ...a.hlsOptions, '-y', a.hlsTarget, ...a.snapshotOptions, '-y', a.snapshotTarget];
}
