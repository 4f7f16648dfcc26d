// Which ffmpeg we run and what it can do. Order: FFMPEG_PATH → `ffmpeg` on PATH → @ffmpeg-installer's static build.
// Flags differ between the 2018 static build (4.1) and Debian's 5.x, so callers ask here instead of guessing.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FfmpegInfo {
  path: string;
  /** e.g. "5.1.9" or "4.1" (the static build reports a git id; its libavformat is 58.x = 4.1). */
  version: string;
  major: number;
  /** RTSP read timeout option: 4.x `-stimeout` (there `-timeout` means LISTEN), 5.x+ `-timeout`. */
  rtspTimeoutFlag: '-stimeout' | '-timeout';
  filters: Set<string>;
}

async function probe(path: string): Promise<FfmpegInfo> {
  const { stdout } = await run(path, ['-hide_banner', '-version'], { timeout: 10_000 });
  const [, named] = /^ffmpeg version (\S+)/m.exec(stdout) ?? [];
  const lavf = /libavformat\s+(\d+)\./.exec(stdout);
  // libavformat major → ffmpeg major: 58 = 4.x, 59 = 5.x, 60 = 6.x, 61 = 7.x, 62 = 8.x
  const major = lavf ? Number(lavf[1]) - 54 : Number(/^(\d+)/.exec(named ?? '')?.[1] ?? 4);
  const filtersOut = await run(path, ['-hide_banner', '-filters'], { timeout: 10_000 }).then((r) => r.stdout, () => '');
  const filters = new Set(
    filtersOut
      .split('\n')
      .map((l) => /^\s*[.TSC|]{2,3}\s+(\w+)\s/.exec(l)?.[1])
      .filter((x): x is string => !!x),
  );
  return {
    path,
    version: /^\d/.test(named ?? '') ? named! : `${major}.x (${named})`,
    major,
    rtspTimeoutFlag: major >= 5 ? '-timeout' : '-stimeout',
    filters,
  };
}

let cached: Promise<FfmpegInfo> | undefined;

export function resolveFfmpeg(ffmpegPath: string | undefined = process.env.FFMPEG_PATH): Promise<FfmpegInfo> {
  if (cached) return cached;
  cached = (async () => {
    const tries: string[] = [];
    if (ffmpegPath) tries.push(ffmpegPath);
    else {
      tries.push('ffmpeg');
      try {
        tries.push((createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path);
      } catch {
        /* not installed for this platform: PATH is the only chance */
      }
    }
    for (const candidate of tries) {
      try {
        return await probe(candidate);
      } catch {
        /* try the next one */
      }
    }
    throw new Error(`no usable ffmpeg (tried ${tries.join(', ')}); set FFMPEG_PATH`);
  })();
  cached.catch(() => (cached = undefined));
  return cached;
}
