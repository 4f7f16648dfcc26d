// The wall's keyframe poster reader (wall/video/keyframe.ts) on real fMP4 bytes from ffmpeg: the sample it hands to
// the browser's decoder must be exactly ffmpeg's first packet, with the decoder configuration from the init segment.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyframeOf } from '../../wall/video/keyframe.ts';
import { splitFmp4 } from '../fmp4-split.ts';

const FIXTURE = path.resolve('test/fixtures/fmp4/testsrc2-2s-frag.mp4');
const FFPROBE = (process.env.FFMPEG_PATH ?? 'ffmpeg').replace(/ffmpeg$/, 'ffprobe');

describe('keyframeOf', () => {
  it('takes the first sample of an init + keyframe part: ffprobe’s first packet, its codec and size', async () => {
    const bytes = fs.readFileSync(FIXTURE);
    const { init, codec, fragments } = await splitFmp4(bytes);
    const kf = keyframeOf(Buffer.concat([init, fragments[0].segment]));
    expect(kf).not.toBeNull();
    expect(kf!.codec).toBe(codec.toLowerCase()); // avc1.42c00a: the codec mp4frag (and the server's health) names
    expect([kf!.width, kf!.height]).toEqual([160, 90]);
    expect(kf!.description[0]).toBe(1); // AVCDecoderConfigurationRecord version
    const packets = execFileSync(FFPROBE, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=size,flags', '-of', 'csv=p=0', FIXTURE]).toString().trim().split('\n');
    const [size, flags] = packets[0].split(',');
    expect(flags.startsWith('K')).toBe(true);
    expect(kf!.data.length).toBe(Number(size));
    // the sample is where the file has it: its bytes are found at that place in the fixture
    expect(bytes.indexOf(Buffer.from(kf!.data))).toBeGreaterThan(0);
  });

  it('is null for what it cannot read: no init, no fragment, a truncated sample', async () => {
    const { init, fragments } = await splitFmp4(fs.readFileSync(FIXTURE));
    expect(keyframeOf(init)).toBeNull();
    expect(keyframeOf(fragments[0].segment)).toBeNull();
    const whole = Buffer.concat([init, fragments[0].segment]);
    const sampleAt = whole.indexOf(Buffer.from(keyframeOf(whole)!.data));
    expect(keyframeOf(whole.subarray(0, sampleAt + 100))).toBeNull();
    expect(keyframeOf(new Uint8Array(0))).toBeNull();
  });
});
