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

/** Strongly connected components of the import graph with more than one file (or a file importing itself). */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const resolve = (p: string) => [p, `${p}.ts`, `${p}.tsx`, path.join(p, 'index.ts')].find((c) => known.has(c));
  return new Map(files.map((f) => [f, imports(f).filter((i) => !i.startsWith('pkg:')).map(resolve).filter((x): x is string => !!x)]));
}

function importCycles(edges: Map<string, string[]>): string[][] {
  // Tarjan, iterative enough for a graph of a few hundred files.
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>(), stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next); low.set(v, next); next++; stack.push(v); onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const f of edges.keys()) if (!index.has(f)) visit(f);
  return cycles;
}

describe('imports', () => {
  it('form no cycles anywhere in the product', () => {
    const files = ['server', 'wall', 'domain', 'geo', 'camera-config'].flatMap(sources);
    expect(files.length).toBeGreaterThan(100);
    expect(importCycles(importGraph(files))).toEqual([]);
  });

  it('the cycle finder sees a cycle when one is added to the real graph', () => {
    const graph = importGraph(['domain', 'geo'].flatMap(sources));
    const [from, to] = [...graph].find(([, deps]) => deps.length > 0)!.flatMap((x, i) => (i === 0 ? [x] : [x[0]])) as [string, string];
    graph.set(to, [...graph.get(to)!, from]);
    expect(importCycles(graph)).toEqual([[from, to].sort()]);
  });
});
