// Benchmarks write their figures into test/bench/RESULTS.md, one section per benchmark, replacing the old one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FILE = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'RESULTS.md');

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, node ${process.version}`;
}

/** Replace (or add) the section `## <name>` with `body`, stamped with date and machine. */
export function writeSection(name: string, body: string): void {
  const header = '# Benchmark results\n\nEach section is rewritten by its `npm run bench:*` script.\n';
  const old = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : header;
  const stamp = `_${new Date().toISOString()} · ${machine()}_\n\n`;
  const section = `## ${name}\n\n${stamp}${body.trim()}\n`;
  const parts = old.split(/^(?=## )/m);
  const idx = parts.findIndex((p) => p.startsWith(`## ${name}\n`));
  if (idx >= 0) parts[idx] = section + '\n';
  else parts.push((parts[parts.length - 1].endsWith('\n\n') ? '' : '\n') + section + '\n');
  fs.writeFileSync(FILE, parts.join('').replace(/\n{3,}/g, '\n\n'));
  console.log(`\n${section}`);
}
