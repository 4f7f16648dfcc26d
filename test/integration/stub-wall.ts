// A stub wall build for tests that start the whole server: with dist/wall missing (a fresh checkout) start() would run
// vite in the background. The static routes stay the real ones; only the files they serve are a stub, dated in the
// future so they are never "stale". Use from a vi.mock factory:
//   vi.mock('../../server/paths.ts', async (real) => (await import('./stub-wall.ts')).withStubWall(await real()));
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function withStubWall<T extends { DIST_DIR: string }>(real: T): T {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-stub-dist-'));
  const index = path.join(dist, 'wall', 'index.html');
  fs.mkdirSync(path.dirname(index));
  fs.writeFileSync(index, '<!doctype html><title>stub wall</title>');
  const future = Date.now() / 1000 + 10 * 365 * 86_400;
  fs.utimesSync(index, future, future);
  return { ...real, DIST_DIR: dist };
}
