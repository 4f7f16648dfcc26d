// npm run bench:retention — the retention jobs (server/store/retention.ts) on ~1.5 M positions, with the store as
// the server runs it (synchronous=FULL: one fsync per batch) while a writer keeps committing AVL fixes through the
// group commit every 10 ms: how long the jobs take, the longest batch transaction, the longest event-loop stall and
// the slowest AVL commit meanwhile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openDb, type Db } from '../../server/store/db.ts';
import { transactorFor } from '../../server/store/group-commit.ts';
import { DEFAULT_RETENTION, RETENTION_BATCH_ROWS, runRetention, type RetentionReport } from '../../server/store/retention.ts';
import { fillPositions, TO, UNITS } from './positions-fill.ts';
import { writeSection } from './results.ts';

const DAY = 86_400_000;

interface Measured { report: RetentionReport; ms: number; txMaxMs: number; txP50Ms: number; txP99Ms: number; txCount: number; eldMaxMs: number; avlMaxMs: number; avlN: number; rowsAfter: number }

async function measure(db: Db, now: number): Promise<Measured> {
  // every batch transaction, timed (the transactor calls db.transaction for each)
  const original = db.transaction.bind(db);
  const txMs: number[] = [];
  db.transaction = ((fn: (...a: unknown[]) => unknown) => {
    const t = original(fn);
    return (...args: unknown[]) => {
      const s = performance.now();
      const out = t(...args);
      txMs.push(performance.now() - s);
      return out;
    };
  }) as typeof db.transaction;
  const tx = transactorFor(db);
  const insert = db.prepare(`INSERT INTO unit_positions (unit_id, at, received_at, lat, lon) VALUES ('u-00', ?, ?, 0.5, 101.4)`);
  let writing = true;
  const avl: number[] = [];
  const writer = (async () => {
    while (writing) {
      const s = performance.now();
      await tx.enqueue(() => insert.run(new Date(now).toISOString(), new Date(now).toISOString()));
      avl.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  const s = performance.now();
  const report = await runRetention(db, DEFAULT_RETENTION, { now: () => now });
  const ms = performance.now() - s;
  eld.disable();
  writing = false;
  await writer;
  db.transaction = original as typeof db.transaction;
  const avlWrites = avl.length;
  db.prepare(`DELETE FROM unit_positions WHERE unit_id = 'u-00' AND at = ?`).run(new Date(now).toISOString());
  txMs.sort((a, b) => a - b);
  const pct = (p: number) => txMs[Math.min(txMs.length - 1, Math.floor(p * txMs.length))] ?? 0;
  return {
    report, ms, txMaxMs: pct(1), txP50Ms: pct(0.5), txP99Ms: pct(0.99), txCount: txMs.length, eldMaxMs: eld.max / 1e6, avlMaxMs: Math.max(...avl), avlN: avlWrites,
    rowsAfter: db.prepare('SELECT COUNT(*) FROM unit_positions').pluck().get() as number,
  };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-bench-retention-'));
try {
  const { rows } = fillPositions(dir);
  const db = openDb(dir); // synchronous=FULL, as the server runs
  // 8 days after the last fix: all of it is past the 7-day thinning age
  const thin = await measure(db, TO + 8 * DAY);
  const again = await measure(db, TO + 8 * DAY);
  // 91 days after: past the 90-day keep, all but each unit's newest goes
  const drop = await measure(db, TO + 91 * DAY);
  db.close();
  const line = (what: string, m: Measured, deleted: number) =>
    `| ${what} | ${deleted.toLocaleString('en')} | ${m.rowsAfter.toLocaleString('en')} | **${(m.ms / 1000).toFixed(1)} s** | ${m.txCount} | ${m.txP50Ms.toFixed(0)} / ${m.txP99Ms.toFixed(0)} / **${m.txMaxMs.toFixed(0)} ms** | **${m.eldMaxMs.toFixed(0)} ms** | **${m.avlMaxMs.toFixed(0)} ms** (${m.avlN} commits) |`;
  writeSection(
    'Retention (bench:retention)',
    `Retention jobs (defaults: thin to one fix per ${DEFAULT_RETENTION.positionsThinS} s per unit after ${DEFAULT_RETENTION.positionsThinAfterDays} days, drop after
${DEFAULT_RETENTION.positionsKeepDays}; batches of ${RETENTION_BATCH_ROWS.toLocaleString('en')} rows) over ${rows.toLocaleString('en')} positions (${UNITS} units, a fix every 3.6 s each),
SQLite with synchronous=FULL as the server runs it (one fsync per batch), while an AVL writer commits a fix through
the group commit every 10 ms. Transactions = the job's batches and the writer's commits; an AVL fix queued behind a
batch waits that long at most. The slowest ones are those that hit SQLite's automatic WAL checkpoint (every 1,000
pages), which any writer pays in turn.

| run | rows deleted | rows left | time | transactions | transaction p50 / p99 / max | longest stall | slowest AVL commit |
|---|---|---|---|---|---|---|---|
${line('first run, 2.6 days just past the thinning age', thin, thin.report.positionsThinned)}
${line('second run, same clock (mark: nothing to re-read)', again, again.report.positionsThinned)}
${line('past the keep: dropped but each unit\'s newest', drop, drop.report.positionsDropped)}

Machine load average during the run: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) on ${os.cpus().length} cores.`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
