// `npm run bench`: run every `bench:*` script in package.json one after another (each writes its own section
// of test/bench/RESULTS.md). A failing benchmark is reported and the others still run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  scripts: Record<string, string>;
};
const names = Object.keys(pkg.scripts).filter((n) => n.startsWith('bench:'));
const failed: string[] = [];
for (const name of names) {
  console.log(`\n=== npm run ${name}`);
  const r = spawnSync('npm', ['run', '-s', name], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(name);
}
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
