// fMP4 bytes split the way the camera pipelines split ffmpeg's output (mp4frag): the init segment, its codec string,
// and every fragment (moof+mdat) with its duration and keyframe flag. Shared by the segmenter, recorder and export tests.
import { createRequire } from 'node:module';

const Mp4Frag = createRequire(import.meta.url)('mp4frag');

export interface Fragment {
  segment: Buffer;
  duration: number;
  keyframe: boolean;
}
export interface SplitFmp4 {
  init: Buffer;
  codec: string;
  fragments: Fragment[];
}

export function splitFmp4(bytes: Buffer): Promise<SplitFmp4> {
  return new Promise((resolve, reject) => {
    const m = new Mp4Frag();
    const fragments: Fragment[] = [];
    let init: { init: Buffer; codec: string } | undefined;
    // captured here: mp4frag resets its state once the input ends
    m.on('initialized', () => (init = { init: Buffer.from(m.initialization), codec: /codecs="([^"]+)"/.exec(m.mime)![1] }));
    m.on('segment', (d: Fragment) => fragments.push({ segment: Buffer.from(d.segment), duration: d.duration, keyframe: d.keyframe }));
    m.on('error', reject);
    m.on('finish', () => (init ? resolve({ ...init, fragments }) : reject(new Error('no init segment'))));
    m.end(bytes);
  });
}
