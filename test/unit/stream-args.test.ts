// ffmpeg arguments of a camera pipeline: a pure copy by default; with `transcode`, an H.264 encode whose keyframes
// fall every second (segments are cut on keyframes), at the configured size and rate, on the chosen encoder.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRANSCODE_KBPS, pipelineArgs, toArgv, type PipelineArgsInput } from '../../server/streams/args.ts';
import type { FfmpegInfo } from '../../server/streams/ffmpeg.ts';
import { LIBX264, type H264Encoder } from '../../server/streams/h264-encoder.ts';

const FF5 = { path: '/usr/bin/ffmpeg', version: '5.1.9', major: 5, rtspTimeoutFlag: '-timeout' } as FfmpegInfo;
const INPUT: PipelineArgsInput = { url: 'rtsp://127.0.0.1:8554/cam-16', transport: 'udp', partTargetS: 0.2, readTimeoutS: 5 };
/** The value after `flag` (undefined when absent). */
const after = (argv: string[], flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);

describe('pipelineArgs', () => {
  it('copies the video when the camera has no transcode', () => {
    const argv = toArgv(pipelineArgs(FF5, INPUT));
    expect(after(argv, '-c:v')).toBe('copy');
    expect(argv).not.toContain('-vf');
    expect(argv).not.toContain('-force_key_frames');
    expect(after(argv, '-timeout')).toBe('5000000');
  });

  it('encodes with libx264 veryfast/zerolatency, a keyframe every second, the configured size and rate', () => {
    const a = pipelineArgs(FF5, { ...INPUT, transcode: { settings: { to: 'h264', width: 640, height: 360, bitrateKbps: 800 }, encoder: LIBX264 } });
    const argv = toArgv(a);
    expect(after(argv, '-c:v')).toBe('libx264');
    expect(after(argv, '-preset')).toBe('veryfast');
    expect(after(argv, '-tune')).toBe('zerolatency');
    expect(after(argv, '-force_key_frames')).toBe('expr:gte(t,n_forced*1)');
    expect(after(argv, '-forced-idr')).toBe('1');
    expect(after(argv, '-vf')).toBe('scale=640:360,format=yuv420p');
    expect([after(argv, '-b:v'), after(argv, '-maxrate'), after(argv, '-bufsize')]).toEqual(['800k', '800k', '800k']);
    // still fMP4 fragments on stdout, cut at keyframes
    expect(after(argv, '-movflags')).toBe('+frag_keyframe+empty_moov+default_base_moof');
    expect(argv.at(-1)).toBe('pipe:1');
    expect(argv.indexOf('-c:v')).toBeGreaterThan(argv.indexOf('-i'));
  });

  it('keeps the aspect ratio when one side is given, the source size when none, and a default rate', () => {
    const vf = (settings: object) =>
      after(toArgv(pipelineArgs(FF5, { ...INPUT, transcode: { settings: { to: 'h264', ...settings }, encoder: LIBX264 } })), '-vf');
    expect(vf({ width: 640 })).toBe('scale=640:-2,format=yuv420p');
    expect(vf({ height: 360 })).toBe('scale=-2:360,format=yuv420p');
    expect(vf({})).toBe('format=yuv420p');
    const argv = toArgv(pipelineArgs(FF5, { ...INPUT, transcode: { settings: { to: 'h264' }, encoder: LIBX264 } }));
    expect(after(argv, '-b:v')).toBe(`${DEFAULT_TRANSCODE_KBPS}k`);
  });

  it('puts a hardware encoder\'s device before the input and its upload at the end of the filters', () => {
    const vaapi: H264Encoder = { name: 'h264_vaapi', globalOptions: ['-vaapi_device', '/dev/dri/renderD128'], filters: ['format=nv12', 'hwupload'], options: [] };
    const a = pipelineArgs(FF5, { ...INPUT, transcode: { settings: { to: 'h264', width: 640 }, encoder: vaapi } });
    const argv = toArgv(a);
    expect(argv.indexOf('-vaapi_device')).toBeLessThan(argv.indexOf('-i'));
    expect(after(argv, '-vf')).toBe('scale=640:-2,format=nv12,hwupload');
    expect(after(argv, '-c:v')).toBe('h264_vaapi');
    expect(argv).not.toContain('-preset');
  });
});
