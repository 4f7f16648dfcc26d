// The wall's keyframe poster reader (wall/video/keyframe.ts) on real fMP4 bytes from ffmpeg: the sample it hands to
// the browser's decoder must be exactly ffmpeg's first packet, with the decoder configuration from the init segment.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../server/streams/ffmpeg.ts';
import { keyframeOf } from '../../wall/video/keyframe.ts';
import { splitFmp4 } from '../fmp4-split.ts';

const FIXTURE = path.resolve('test/fixtures/fmp4/testsrc2-2s-frag.mp4');
const run = promisify(execFile);

describe('keyframeOf', () => {
  it('takes the first sample of an init + keyframe part: ffmpeg’s first packet, its codec and size', async () => {
    const bytes = fs.readFileSync(FIXTURE);
    const { init, codec, fragments } = await splitFmp4(bytes);
    const kf = keyframeOf(Buffer.concat([init, fragments[0].segment]));
    expect(kf).not.toBeNull();
    expect(kf!.codec).toBe(codec.toLowerCase()); // avc1.42c00a: the codec mp4frag (and the server's health) names
    expect([kf!.width, kf!.height]).toEqual([160, 90]);
    expect(kf!.description[0]).toBe(1); // AVCDecoderConfigurationRecord version
    // ffmpeg's own packet list (framecrc: stream, dts, pts, duration, size, crc[, F=flags when not a keyframe])
    const ff = await resolveFfmpeg(process.env.FFMPEG_PATH);
    const { stdout } = await run(ff.path, ['-hide_banner', '-loglevel', 'error', '-i', FIXTURE, '-c', 'copy', '-f', 'framecrc', '-']);
    const first = stdout.split('\n').find((l) => l.startsWith('0,'))!.split(',').map((x) => x.trim());
    expect(first).toHaveLength(6); // no flags column: a keyframe
    expect(kf!.data.length).toBe(Number(first[4]));
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
