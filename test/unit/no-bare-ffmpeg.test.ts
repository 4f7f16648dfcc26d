// A fresh machine has no ffmpeg on PATH, only the one `npm install` brings; a spawn of the bare name passes on a
// developer's machine and fails there. So only the resolver (server/streams/ffmpeg.ts) may run the bare name;
// everything else spawns `(await resolveFfmpeg()).path`. CI adds a runtime tripwire
// (.ci/tripwire) for spawns this scan cannot see.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const RESOLVER = 'server/streams/ffmpeg.ts';
const names = ['ff' + 'mpeg', 'ff' + 'probe']; // split so this file does not match itself
const q = `['"\`](?:${names.join('|')})['"\`]`;
/** The bare name as a command: first argument of a spawn-like call, or the fallback of `||` / `??`. */
const bare = new RegExp(`\\b(?:spawn|spawnSync|execFile|execFileSync|execSync|exec|run|setFfmpegPath)\\(\\s*${q}|(?:\\|\\||\\?\\?)\\s*${q}`);

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'artifacts' ? [] : sources(rel);
    return /\.(ts|mts|cjs|mjs|js)$/.test(e.name) ? [rel] : [];
  });
}

describe('no bare ffmpeg', () => {
  it('only the resolver names the binary; every other spawn uses the resolved path', () => {
    const files = ['server', 'test', 'scripts', 'camera-config'].flatMap(sources);
    expect(files).toContain(RESOLVER);
    // the scan sees the patterns that once broke a fresh machine, and not a mere mention of the name
    const n = names[0];
    expect(bare.test(`spawn(process.env.FFMPEG_PATH || '${n}', args)`)).toBe(true);
    expect(bare.test(`await run("${n}", ['-version'])`)).toBe(true);
    expect(bare.test(`cmd.includes('${n}')`)).toBe(false);
    const offenders = files
      .filter((f) => f !== RESOLVER)
      .flatMap((f) =>
        fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n').flatMap((line, i) => (bare.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(offenders).toEqual([]);
  });
});
