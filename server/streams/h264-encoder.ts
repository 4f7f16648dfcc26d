// Which H.264 encoder a transcoding camera uses. A hardware encoder listed by `ffmpeg -encoders` often cannot run
// (no GPU, no driver, no device node), so each is tried once with a 1-frame encode; the first that works is used
// for every transcoding camera, else libx264.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FfmpegInfo } from './ffmpeg.ts';

const run = promisify(execFile);

export interface H264Encoder {
  name: 'h264_vaapi' | 'h264_nvenc' | 'h264_qsv' | 'libx264';
  /** Before -i: the device the encoder needs. */
  globalOptions: string[];
  /** Last filters of the chain: the pixel format the encoder takes (and the upload to its device). */
  filters: string[];
  /** Encoder settings for live video (bitrate and keyframes are set per camera). */
  options: string[];
}

const VAAPI_DEVICE = '/dev/dri/renderD128';

/** In order of preference. */
const HARDWARE: H264Encoder[] = [
  { name: 'h264_vaapi', globalOptions: ['-vaapi_device', VAAPI_DEVICE], filters: ['format=nv12', 'hwupload'], options: [] },
  { name: 'h264_nvenc', globalOptions: [], filters: ['format=yuv420p'], options: ['-zerolatency', '1', '-forced-idr', '1'] },
  { name: 'h264_qsv', globalOptions: [], filters: ['format=nv12'], options: [] },
];

export const LIBX264: H264Encoder = {
  name: 'libx264',
  globalOptions: [],
  filters: ['format=yuv420p'], // a 10-bit source would otherwise give High 10, which browsers do not play
  options: ['-preset', 'veryfast', '-tune', 'zerolatency', '-forced-idr', '1', '-sc_threshold', '0'],
};

const found = new Map<string, Promise<H264Encoder>>();

/** The encoder to use with this ffmpeg (probed once per binary). */
export function h264Encoder(ff: FfmpegInfo): Promise<H264Encoder> {
  let hit = found.get(ff.path);
  if (!hit) {
    hit = pick(ff);
    found.set(ff.path, hit);
  }
  return hit;
}

async function pick(ff: FfmpegInfo): Promise<H264Encoder> {
  for (const enc of HARDWARE) if (await works(ff, enc)) return enc;
  return LIBX264;
}

function works(ff: FfmpegInfo, enc: H264Encoder): Promise<boolean> {
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error', ...enc.globalOptions,
    '-f', 'lavfi', '-i', 'testsrc2=size=256x144:rate=1', '-frames:v', '1',
    '-vf', enc.filters.join(','), '-c:v', enc.name, ...enc.options, '-f', 'null', '-',
  ];
  return run(ff.path, args, { timeout: 10_000 }).then(() => true, () => false);
}
