// The H.265 init segment retagged hev1 → hvc1 as ffmpeg's `-tag:v hvc1` writes it (test/fixtures/fmp4: the same
// frame muxed by ffmpeg with each tag), and an H.264 init segment left alone.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hvc1Codec, retagHvc1 } from '../../server/streams/hvc1.ts';

const Mp4Frag = createRequire(import.meta.url)('mp4frag');
const fixture = (name: string) => fs.readFileSync(path.resolve('test/fixtures/fmp4', name));

/** The init segment and codec string as the pipelines get them (mp4frag). */
function initOf(file: Buffer): Promise<{ init: Buffer; codec: string }> {
  return new Promise((resolve, reject) => {
    const m = new Mp4Frag();
    m.on('initialized', () => resolve({ init: Buffer.from(m.initialization), codec: /codecs="([^"]+)"/.exec(m.mime)![1] }));
    m.on('segment', () => undefined);
    m.on('error', reject);
    m.end(file);
  });
}

describe('retagHvc1', () => {
  it('turns ffmpeg\'s hev1 init segment into the one ffmpeg writes with -tag:v hvc1, byte for byte', async () => {
    const hev1 = await initOf(fixture('hevc-1frame-hev1.mp4'));
    const hvc1 = await initOf(fixture('hevc-1frame-hvc1.mp4'));
    expect(hev1.codec).toMatch(/^hev1\.1\.6\.L\d+/);
    expect(hvc1.codec).toBe(hev1.codec.replace('hev1', 'hvc1'));
    expect(hev1.init.equals(hvc1.init)).toBe(false);
    const retagged = retagHvc1(hev1.init);
    expect(retagged.equals(hvc1.init)).toBe(true);
    expect(hev1.init.equals(retagHvc1(hev1.init))).toBe(false); // a copy: the input is not changed
    expect((await initOf(Buffer.concat([retagged, fixture('hevc-1frame-hev1.mp4').subarray(hev1.init.length)]))).codec).toBe(hvc1.codec);
    expect(hvc1Codec(hev1.codec)).toBe(hvc1.codec);
  });

  it('leaves H.264 and already-hvc1 init segments as they are', async () => {
    const avc = await initOf(fixture('testsrc2-2s-frag.mp4'));
    expect(retagHvc1(avc.init)).toBe(avc.init);
    expect(hvc1Codec(avc.codec)).toBe(avc.codec);
    const hvc1 = await initOf(fixture('hevc-1frame-hvc1.mp4'));
    expect(retagHvc1(hvc1.init)).toBe(hvc1.init);
  });
});
