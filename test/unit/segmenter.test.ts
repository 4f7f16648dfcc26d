// The LL-HLS segmenter on real fMP4 bytes from ffmpeg (test/fixtures/fmp4), split by mp4frag as the pipelines do,
// with a controlled clock: parts, GOP segments, numbering across runs, discontinuities, blocking, the playlist.
import fs from 'node:fs';
import path from 'node:path';
import HLS from 'hls-parser';
import { describe, expect, it } from 'vitest';
import { LiveSegmenter } from '../../server/streams/segmenter.ts';
import { splitFmp4, type SplitFmp4 } from '../fmp4-split.ts';

const FIXTURE = path.resolve('test/fixtures/fmp4/testsrc2-2s-frag.mp4');

type Fragment = SplitFmp4['fragments'][number];
const split = () => splitFmp4(fs.readFileSync(FIXTURE));

function feed(seg: LiveSegmenter, clock: { t: number }, fragments: Fragment[]) {
  for (const f of fragments) {
    clock.t += f.duration * 1000;
    seg.addPart(f.segment, f.duration, f.keyframe);
  }
}

describe('LiveSegmenter (real fMP4 from ffmpeg)', () => {
  it('cuts one segment per GOP from the parts, each starting with an independent part', async () => {
    const { init, codec, fragments } = await split();
    expect(codec).toMatch(/^avc1\.42C0/); // baseline profile, from the avcC box
    expect(fragments.length).toBeGreaterThan(8);
    const clock = { t: Date.parse('2026-11-30T10:00:00Z') };
    const seg = new LiveSegmenter({ partTargetS: 0.2, listSize: 10, now: () => clock.t });
    feed(seg, clock, fragments); // no init yet: nothing can be decoded, nothing is kept
    expect(seg.playlist()).toBeUndefined();
    seg.startRun(init, codec);
    feed(seg, clock, fragments);
    const text = seg.playlist()!;
    const pl = HLS.parse(text) as HLS.types.MediaPlaylist;
    const keyframes = fragments.filter((f) => f.keyframe).length;
    expect(pl.segments.length).toBe(keyframes); // the last GOP is still open
    expect(pl.segments.filter((s) => s.uri).length).toBe(keyframes - 1);
    const withParts = pl.segments.filter((s) => s.parts?.length);
    expect(withParts.length).toBe(3); // parts are listed for the 3 segments at the live edge
    for (const s of withParts) expect(s.parts![0].independent).toBe(true);
    const listedParts = pl.segments.flatMap((s) => s.parts ?? []).filter((p) => !p.hint);
    expect(listedParts.length).toBeLessThanOrEqual(fragments.length); // older segments list no parts (3 at the edge)
    // whole segments are the concatenation of their parts; EXTINF is their summed duration
    const first = pl.segments.find((s) => s.uri)!;
    const msn = Number(/seg-(\d+)\.m4s/.exec(first.uri)![1]);
    const gop = fragments.slice(0, fragments.findIndex((f, i) => i > 0 && f.keyframe));
    expect(seg.segment(msn)!.bytes!.equals(Buffer.concat(gop.map((f) => f.segment)))).toBe(true);
    expect(first.duration).toBeCloseTo(gop.reduce((a, f) => a + f.duration, 0), 3);
    expect(text).toContain(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-${seg.nextPartNumber}.m4s"`);
    expect(seg.newestKeyframe()!.part.independent).toBe(true);
    expect(seg.initSegment(1)!.bytes.equals(init)).toBe(true);
  });

  it('continues numbering across runs with a discontinuity and a new init segment, and scrolls the window', async () => {
    const { init, codec, fragments } = await split();
    const clock = { t: Date.parse('2026-11-30T10:00:00Z') };
    const seg = new LiveSegmenter({ partTargetS: 0.2, listSize: 3, now: () => clock.t });
    seg.startRun(init, codec);
    feed(seg, clock, fragments);
    const lastBefore = seg.lastMsn!;
    const partBefore = seg.nextPartNumber;
    seg.endRun();
    expect(seg.playlist()).not.toContain('PRELOAD-HINT'); // no live run: nothing to hint
    clock.t += 5_000;
    seg.startRun(init, codec);
    feed(seg, clock, fragments.slice(0, 4));
    const text = seg.playlist()!;
    expect(seg.lastMsn!).toBeGreaterThan(lastBefore);
    expect(seg.part(partBefore)).toBeDefined(); // part names continue: no reuse
    expect(text).toMatch(/#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init-2\.mp4"/);
    // the gap shows in the program date-time: the new run starts ~5 s after the old one ended
    const pl = HLS.parse(text) as HLS.types.MediaPlaylist;
    const pdts = pl.segments.map((s) => s.programDateTime!.getTime());
    expect(Math.max(...pdts.slice(1).map((t, i) => t - pdts[i]))).toBeGreaterThan(4_000);
    // scrolling the pre-restart segments out counts the discontinuity
    feed(seg, clock, fragments);
    feed(seg, clock, fragments);
    const later = seg.playlist()!;
    expect(later).not.toContain('init-1.mp4');
    expect(later).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1');
  });

  it('holds a blocking request until its part exists, and releases it on a timeout or an abort', async () => {
    const { init, codec, fragments } = await split();
    const clock = { t: Date.now() };
    const seg = new LiveSegmenter({ partTargetS: 0.2, listSize: 6, now: () => clock.t });
    seg.startRun(init, codec);
    feed(seg, clock, fragments.slice(0, 1));
    const msn = seg.lastMsn!;
    expect(await seg.waitFor(msn, 0, 10)).toBe(true); // already there
    const waiting = seg.waitFor(msn, 1, 5_000);
    const hinted = seg.waitForPart(seg.nextPartNumber, 5_000);
    feed(seg, clock, fragments.slice(1, 2));
    expect(await waiting).toBe(true);
    expect(await hinted).toBe(true);
    expect(await seg.waitFor(msn + 1, undefined, 20)).toBe(false); // times out
    const ac = new AbortController();
    const aborted = seg.waitFor(msn + 1, 0, 5_000, ac.signal);
    ac.abort();
    expect(await aborted).toBe(false);
    const released = seg.waitFor(msn + 1, 0, 5_000);
    seg.release();
    expect(await released).toBe(false);
    // a keyframe part completes the open segment: a request for the whole segment is released
    const whole = seg.waitFor(msn, undefined, 5_000);
    feed(seg, clock, fragments.slice(2, 4));
    expect(await whole).toBe(true);
    expect(seg.segment(msn)).toBeDefined();
  });
});
