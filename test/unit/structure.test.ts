// The house's walls, checked: the server and the wall share only domain/ and geo/, and those two stay pure.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (name === 'dist' || name === 'node_modules' || name === 'data') return [];
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return /\.(ts|tsx)$/.test(name) ? [rel] : [];
  });
}

/** Every relative import of a file, resolved to a path from the repository root. */
function imports(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
  return specs.map((s) => (s.startsWith('.') ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), s)) : `pkg:${s}`));
}

const room = (p: string) => (p.startsWith('pkg:') ? (p.startsWith('pkg:node:') ? 'node' : 'library') : p.split(path.sep)[0]);

function crossings(from: string, allowed: string[]): string[] {
  return sources(from).flatMap((f) => imports(f).filter((i) => !allowed.includes(room(i))).map((i) => `${f} → ${i}`));
}

describe('rooms', () => {
  it('domain/ and geo/ import nothing but each other and libraries', () => {
    expect(sources('domain').length).toBeGreaterThan(2);
    expect(crossings('domain', ['domain', 'geo', 'library'])).toEqual([]);
    expect(crossings('geo', ['domain', 'geo', 'library'])).toEqual([]);
  });

  it('the wall imports nothing from the server, and the server nothing from the wall', () => {
    // vite.config.ts is the build's own Node script, not part of the page.
    expect(crossings('wall', ['wall', 'domain', 'geo', 'library']).filter((c) => !c.startsWith(path.join('wall', 'vite.config.ts')))).toEqual([]);
    expect(sources('server').flatMap((f) => imports(f).filter((i) => room(i) === 'wall').map((i) => `${f} → ${i}`))).toEqual([]);
  });
});
