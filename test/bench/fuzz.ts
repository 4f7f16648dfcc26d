// `npm run bench:fuzz`: the long fuzz run of every decoder of outside input (test/fuzz/decoders.ts), 1,000,000
// inputs each by default (`-- --runs N` for fewer or more, `-- --only cap` for one decoder), written to RESULTS.md.
// The short run of the same properties is part of `npm test` (test/unit/decoders-fuzz.test.ts).
import fc from 'fast-check';
import os from 'node:os';
import { tally, targets } from '../fuzz/decoders.ts';
import { writeSection } from './results.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const runs = Number(arg('runs') ?? 1_000_000);
const only = arg('only');
const seed = Number(arg('seed') ?? Date.now() % 2 ** 31);

interface Row { name: string; runs: number; seconds: number; accepted: number; refused: number; failure: string | null }
const rows: Row[] = [];
const started = Date.now();
for (const t of targets().filter((x) => !only || x.name.toLowerCase().includes(only.toLowerCase()))) {
  tally.accepted = tally.refused = 0;
  const t0 = performance.now();
  const details = await fc.check(t.property(), { numRuns: runs, seed, endOnFailure: false });
  const seconds = (performance.now() - t0) / 1000;
  const failure = details.failed
    ? `seed ${details.seed}, path ${details.counterexamplePath}: ${String((details.errorInstance as Error)?.message ?? details.errorInstance).slice(0, 300)}; counterexample ${JSON.stringify(details.counterexample)?.slice(0, 500)}`
    : null;
  rows.push({ name: t.name, runs: details.numRuns, seconds, accepted: tally.accepted, refused: tally.refused, failure });
  console.log(`${t.name}: ${details.numRuns} inputs in ${seconds.toFixed(1)} s (${tally.accepted} accepted, ${tally.refused} refused)${failure ? ` FAILED ${failure}` : ''}`);
}
const failures = rows.filter((r) => r.failure).length;
const fmt = (n: number) => n.toLocaleString('en-US');

if (!only) {
  writeSection(
    'Decoder fuzzing (bench:fuzz)',
    `fast-check ${fc.__version}, seed ${seed}, ${fmt(runs)} inputs per decoder (random strings and JSON, hostile numbers and dates, and
structure-aware mutations of the real requests in test/fixtures). Property: a result inside the domain's ranges, or a
DomainError naming a field with a 4xx status; never another exception. "Accepted"/"refused" count decoder calls (one
input may call two decoders, e.g. taps and positions). Load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}.

| decoder | inputs | time | µs/input | accepted | refused | failures |
|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.name} | ${fmt(r.runs)} | ${r.seconds.toFixed(0)} s | ${((r.seconds * 1e6) / r.runs).toFixed(0)} | ${fmt(r.accepted)} | ${fmt(r.refused)} | ${r.failure ? `**1**: ${r.failure.replace(/\|/g, '\\|')}` : 0} |`).join('\n')}

**${failures === 0 ? 'failures = 0' : `${failures} decoder(s) FAILED`}** over ${fmt(rows.reduce((n, r) => n + r.runs, 0))} inputs in ${((Date.now() - started) / 60_000).toFixed(1)} min.`,
  );
}
process.exit(failures ? 1 : 0);
