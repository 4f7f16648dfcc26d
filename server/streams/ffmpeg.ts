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
  /** How it was found: FFMPEG_PATH, the first `ffmpeg` on PATH, or the static build inside @ffmpeg-installer. */
  source: FfmpegSource;
  /** Set when the binary is old enough that it should be replaced (it parses untrusted camera streams). */
  warning: string | null;
}

export type FfmpegSource = 'FFMPEG_PATH' | 'PATH' | 'bundled';

async function probe(path: string, source: FfmpegSource): Promise<FfmpegInfo> {
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
  const version = /^\d/.test(named ?? '') ? named! : `${major}.x (${named})`;
  return {
    path,
    version,
    major,
    rtspTimeoutFlag: major >= 5 ? '-timeout' : '-stimeout',
    filters,
    source,
    warning:
      major < 5
        ? `ffmpeg ${version} (${source === 'bundled' ? 'the 2018 static build bundled by @ffmpeg-installer' : path}) gets no security fixes; ` +
          'install a maintained one (Debian: apt-get install ffmpeg) or set FFMPEG_PATH'
        : null,
  };
}

/** The static ffmpeg inside @ffmpeg-installer (what `npm install` brings), or undefined on a platform it lacks. */
export function bundledFfmpegPath(): string | undefined {
  try {
    return (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  } catch {
    return undefined;
  }
}

/** One probe per explicit path (undefined = the default search), so callers asking for different binaries get them. */
const cache = new Map<string | undefined, Promise<FfmpegInfo>>();

export function resolveFfmpeg(ffmpegPath?: string): Promise<FfmpegInfo> {
  const hit = cache.get(ffmpegPath);
  if (hit) return hit;
  const found = (async () => {
    // An explicit path is the only candidate: falling back would hide a typo behind a different binary.
    const tries: Array<[string, FfmpegSource]> = ffmpegPath ? [[ffmpegPath, 'FFMPEG_PATH']] : [['ffmpeg', 'PATH']];
    const bundled = ffmpegPath ? undefined : bundledFfmpegPath();
    if (bundled) tries.push([bundled, 'bundled']);
    for (const [candidate, source] of tries) {
      try {
        return await probe(candidate, source);
      } catch {
        /* try the next one */
      }
    }
    throw new Error(`no usable ffmpeg (tried ${tries.map(([p]) => p).join(', ')}); set FFMPEG_PATH`);
  })();
  cache.set(ffmpegPath, found);
  found.catch(() => cache.delete(ffmpegPath));
  return found;
}
