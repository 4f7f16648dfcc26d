// Recording on real fMP4 bytes from ffmpeg (test/fixtures/fmp4) through the real LiveSegmenter, into real files in
// a temporary directory, with a controlled clock: files and their index, rolls, the VOD playlist's byte ranges,
// torn-tail recovery after a kill, retention by age and by budget.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import HLS from 'hls-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseIndex, scanCameraDir } from '../../server/recordings/files.ts';
import { spans, vodPlaylist, windowOf } from '../../server/recordings/playback.ts';
import { Recorder, type RecordingPolicy } from '../../server/recordings/recorder.ts';
import { LiveSegmenter } from '../../server/streams/segmenter.ts';
import { splitFmp4, type SplitFmp4 } from '../fmp4-split.ts';
import { mediaPath } from '../../server/recordings/files.ts';

const FIXTURE = path.resolve('test/fixtures/fmp4/testsrc2-2s-frag.mp4');
let fixture: SplitFmp4;
const split = () => splitFmp4(fs.readFileSync(FIXTURE));

const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;
let dir: string;
const clock = { t: 0 };
const T0 = Date.parse('2026-11-30T10:00:00Z');

function setup(policy: Partial<RecordingPolicy> = {}) {
  const seg = new LiveSegmenter({ partTargetS: 0.2, listSize: 6, now: () => clock.t });
  const rec = new Recorder({ dir, fileS: 300, keepHours: 72, budgetBytes: 0, minFreeMB: 0, ...policy }, silent, () => clock.t);
  rec.add('cam-01', seg, { enabled: true });
  return { seg, rec };
}
/** One ffmpeg run of the 2 s fixture, arriving in real time on the controlled clock. */
function run(seg: LiveSegmenter, times = 1) {
  seg.startRun(fixture.init, fixture.codec);
  for (let k = 0; k < times; k++) {
    for (const f of fixture.fragments) {
      clock.t += f.duration * 1000;
      seg.addPart(f.segment, f.duration, f.keyframe);
    }
  }
  seg.endRun();
}

beforeEach(async () => {
  fixture ??= await split();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-rec-'));
  clock.t = T0;
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('Recorder', () => {
  it('writes each part as it arrives: init + the parts byte for byte, one index line each, closed under its span', () => {
    const { seg, rec } = setup();
    run(seg);
    const files = rec.files('cam-01')!;
    expect(files).toHaveLength(1);
    const f = files[0];
    expect(f.open).toBe(false);
    const media = mediaPath(rec.dirOf('cam-01')!, f);
    expect(path.basename(media)).toBe(`${f.id}-${Math.round(f.endMs)}.mp4`);
    const bytes = fs.readFileSync(media);
    expect(bytes.equals(Buffer.concat([fixture.init, ...fixture.fragments.map((x) => x.segment)]))).toBe(true);
    const idx = parseIndex(fs.readFileSync(media.replace(/\.mp4$/, '.idx'), 'utf8'), bytes.length)!.index;
    expect(idx.initLength).toBe(fixture.init.length);
    expect(idx.parts.map((p) => p.keyframe)).toEqual(fixture.fragments.map((x) => x.keyframe));
    // wall-clock span ≈ 2 s of media
    expect(f.endMs - f.id).toBeGreaterThan(1900);
    expect(f.endMs - f.id).toBeLessThan(2100);
    expect(rec.bytesWritten / rec.bytesReceived).toBeLessThan(1.05);
  });

  it('starts a new file for each run and at a keyframe after fileS; spans join rolls and keep gaps', () => {
    const { seg, rec } = setup({ fileS: 1 });
    run(seg); // 2 s: rolls at the first keyframe after 1 s
    clock.t += 10_000; // camera offline 10 s
    run(seg);
    const files = rec.files('cam-01')!;
    expect(files.length).toBeGreaterThanOrEqual(4);
    const s = spans(files, 0, Infinity);
    expect(s).toHaveLength(2);
    expect(s[1].from - s[0].to).toBeGreaterThan(9_000);
    // every file begins with a keyframe part
    for (const f of files) {
      const idx = parseIndex(fs.readFileSync(mediaPath(rec.dirOf('cam-01')!, f).replace(/\.mp4$/, '.idx'), 'utf8'))!.index;
      expect(idx.parts[0].keyframe).toBe(true);
    }
  });

  it('serves a VOD playlist whose byte ranges are exactly the GOPs, with a discontinuity between runs', () => {
    const { seg, rec } = setup();
    run(seg);
    clock.t += 5_000;
    run(seg);
    const files = rec.files('cam-01')!;
    const d = rec.dirOf('cam-01')!;
    const windows = windowOf(files, T0 + 1000, T0 + 9000, (f) => mediaPath(d, f));
    const text = vodPlaylist(windows, (f) => `files/${f.id}.mp4`)!;
    const pl = HLS.parse(text) as HLS.types.MediaPlaylist;
    expect(pl.playlistType).toBe('VOD');
    expect(pl.endlist).toBe(true);
    expect(pl.segments.filter((s) => s.discontinuity)).toHaveLength(1);
    // the first listed GOP holds from (its keyframe at or before it), the last holds to
    const first = pl.segments[0];
    expect(first.programDateTime!.getTime()).toBeLessThanOrEqual(T0 + 1000);
    expect(first.programDateTime!.getTime() + first.duration * 1000).toBeGreaterThan(T0 + 1000);
    for (const s of pl.segments) {
      const file = path.join(d, fs.readdirSync(d).find((n) => n.startsWith(`${/files\/(\d+)\.mp4/.exec(s.uri)![1]}-`) && n.endsWith('.mp4'))!);
      const bytes = fs.readFileSync(file).subarray(s.byterange!.offset!, s.byterange!.offset! + s.byterange!.length);
      // a GOP starts with moof and its first sample is a keyframe (the part was flagged independent)
      expect(bytes.subarray(4, 8).toString()).toBe('moof');
      expect(s.map!.byterange!.offset).toBe(0);
      expect(s.map!.byterange!.length).toBe(fixture.init.length);
    }
  });

  it('after a kill mid-part, start-up trims the torn tail to the last whole part and keeps the rest', () => {
    const { seg, rec } = setup();
    seg.startRun(fixture.init, fixture.codec);
    for (const f of fixture.fragments.slice(0, 6)) {
      clock.t += f.duration * 1000;
      seg.addPart(f.segment, f.duration, f.keyframe);
    }
    // the process dies here: the file is still open; simulate the torn write of the 7th part and half its index line
    const d = rec.dirOf('cam-01')!;
    const open = rec.files('cam-01')![0];
    expect(open.open).toBe(true);
    const media = mediaPath(d, open);
    fs.appendFileSync(media, fixture.fragments[6].segment.subarray(0, 100));
    fs.appendFileSync(media.replace(/\.mp4$/, '.idx'), 'P 123');
    const { files, recovered } = scanCameraDir(d);
    expect(recovered).toBe(1);
    expect(files).toHaveLength(1);
    expect(files[0].open).toBe(false);
    const bytes = fs.readFileSync(mediaPath(d, files[0]));
    expect(bytes.equals(Buffer.concat([fixture.init, ...fixture.fragments.slice(0, 6).map((x) => x.segment)]))).toBe(true);
    expect(fs.readFileSync(mediaPath(d, files[0]).replace(/\.mp4$/, '.idx'), 'utf8').endsWith('\n')).toBe(true);
    expect(fs.readdirSync(d).sort()).toEqual([path.basename(mediaPath(d, files[0])), path.basename(mediaPath(d, files[0])).replace(/\.mp4$/, '.idx')].sort());
  });

  it('a crash between the two renames of a close is finished at start-up', () => {
    const { seg, rec } = setup();
    run(seg);
    const d = rec.dirOf('cam-01')!;
    const f = rec.files('cam-01')![0];
    // undo the media rename only: closed index, open media
    fs.renameSync(mediaPath(d, f), path.join(d, `${f.id}.mp4`));
    const { files } = scanCameraDir(d);
    expect(files).toHaveLength(1);
    expect(files[0].bytes).toBe(f.bytes);
  });

  it('ages files out per camera and keeps all cameras under the budget, oldest first, never the open file', () => {
    const { seg, rec } = setup({ fileS: 1, keepHours: 1 });
    run(seg, 3); // 6 s: several 1 s files
    const before = rec.files('cam-01')!.length;
    expect(before).toBeGreaterThanOrEqual(4);
    const oneFile = rec.files('cam-01')![1].bytes;
    // budget: room for about two files
    (rec.policy as RecordingPolicy).budgetBytes = Math.floor(oneFile * 2.5);
    rec.enforce();
    const kept = rec.files('cam-01')!;
    expect(rec.totalBytes()).toBeLessThanOrEqual(oneFile * 2.5);
    expect(kept.at(-1)!.id).toBe(Math.max(...kept.map((f) => f.id))); // the newest survive
    expect(fs.readdirSync(rec.dirOf('cam-01')!).filter((n) => n.endsWith('.mp4'))).toHaveLength(kept.length);
    // two hours later everything is past keepHours
    (rec.policy as RecordingPolicy).budgetBytes = 0;
    clock.t += 2 * 3_600_000;
    rec.enforce();
    expect(rec.files('cam-01')).toHaveLength(0);
    expect(fs.readdirSync(rec.dirOf('cam-01')!)).toEqual([]);
  });

  it('a camera with recording off writes nothing, and says so', () => {
    const seg = new LiveSegmenter({ partTargetS: 0.2, listSize: 6, now: () => clock.t });
    const rec = new Recorder({ dir, fileS: 300, keepHours: 72, budgetBytes: 0, minFreeMB: 0 }, silent, () => clock.t);
    rec.add('cam-02', seg, { enabled: false });
    run(seg);
    expect(rec.files('cam-02')).toEqual([]);
    expect(rec.state('cam-02')).toBe('off');
    expect(fs.readdirSync(path.join(dir, 'cam-02'))).toEqual([]);
  });

  it('a camera no longer configured keeps its files under retention: found as a stray, listed, then aged out', () => {
    const { seg, rec } = setup({ keepHours: 1 });
    run(seg);
    rec.close();
    const next = new Recorder({ dir, fileS: 300, keepHours: 1, budgetBytes: 0, minFreeMB: 0 }, silent, () => clock.t);
    expect(next.strays()).toEqual(['cam-01']);
    next.add('cam-01', undefined, { enabled: false });
    expect(next.strays()).toEqual([]);
    expect(next.files('cam-01')).toHaveLength(1);
    expect(next.state('cam-01')).toBe('off');
    clock.t += 2 * 3_600_000;
    next.enforce();
    expect(next.files('cam-01')).toHaveLength(0);
    expect(fs.readdirSync(path.join(dir, 'cam-01'))).toEqual([]);
  });
});
