// Retention: how long the store keeps what the field sends at the field's pace (AVL fixes, intake keys, ignored
// messages, dead credentials, common-place candidates no admin approved), so the disk stays bounded however long the
// centre runs.
// - Small batches: every transaction deletes at most `batchRows` rows, with a turn of the event loop between two,
//   so intake and AVL (the group commit, same connection) wait for one batch at most, never for the whole job.
// - Nothing the KPIs read is touched: the response facts come from incidents, incident_history and dispatches
//   (server/store/schema/kpis.ts), none of them pruned here; arrival is decided from fixes as they arrive
//   (server/units/arrival.ts), never from stored history.
// - Each unit's newest used fix is never thinned nor dropped: it is where the unit was last seen (units-repo
//   lastPositions, read at start: the same row).
// - Incidents and their history are kept: they are the record. So are common places and the candidates approved into
//   one (where the place came from); a pending candidate is only what an operator typed once. So are evidence exports
//   (clip_exports); the video audit goes after its own number of days.
import { CLOSED_STATUSES_SQL } from '../../domain/incident.ts';
import { logger } from '../log.ts';
import { createAuthRepo } from './auth-repo.ts';
import type { Db } from './db.ts';
import { transactorFor } from './group-commit.ts';

const log = logger('retention');
const DAY = 86_400_000;

export interface RetentionPolicy {
  /** Fixes older than this many days are thinned to one per unit per `positionsThinS`; 0 = never. */
  positionsThinAfterDays: number;
  positionsThinS: number;
  /** Fixes older than this many days are deleted; 0 = kept forever. */
  positionsKeepDays: number;
  /** Intake de-duplication keys older than this many days are deleted (CAP keys: see runRetention); 0 = kept. */
  intakeRefsKeepDays: number;
  /** Ignored CAP/AML messages (the operator's intake log) older than this many days are deleted; 0 = kept. */
  intakeLogKeepDays: number;
  /** … and never more than this many rows are kept (the newest); 0 = no limit. */
  intakeLogMaxRows: number;
  /** Tokens revoked or expired more than this many days ago are deleted; 0 = kept. */
  tokensKeepDays: number;
  /** Common-place candidates still pending (never approved, or their place deleted) older than this many days are deleted; 0 = kept. */
  placeCandidatesKeepDays: number;
  /** Video audit rows (server/recordings/audit.ts) older than this many days are deleted; 0 = kept. */
  videoAuditKeepDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  positionsThinAfterDays: 7,
  positionsThinS: 30,
  positionsKeepDays: 90,
  intakeRefsKeepDays: 7,
  intakeLogKeepDays: 90,
  intakeLogMaxRows: 100_000,
  tokensKeepDays: 30,
  placeCandidatesKeepDays: 180,
  videoAuditKeepDays: 365,
};

/** Rows per transaction: on 1.5 M positions a batch took 7 ms (p50), 29 ms (p99) with its fsync (bench:retention). */
export const RETENTION_BATCH_ROWS = 5_000;
/** A thinning run re-reads this much before where the last one stopped: fixes a tracker uploads late (buffered). */
const THIN_RESCAN_MS = DAY;
/** The health probe's row is rewritten whenever /api/health is asked; an older one tells nothing. */
const HEALTH_PROBE_KEEP_MS = DAY;
/**
 * Intake keys that later messages resolve to their incident (a CAP Update or Cancel names its alert through
 * intake_refs, server/incidents/service.ts findByRef): kept while the incident is open or changed recently.
 */
const REFERENCED_KINDS = ['cap'];

export interface RetentionReport {
  positionsDropped: number;
  positionsThinned: number;
  intakeRefs: number;
  intakeLog: number;
  tokens: number;
  sessions: number;
  healthProbe: number;
  placeCandidates: number;
  videoAudit: number;
  /** False when the run was stopped (close) before it finished; it resumes at the next run. */
  complete: boolean;
}

export interface RetentionRunOptions {
  now?: () => number;
  batchRows?: number;
  signal?: AbortSignal;
}

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
const iso = (t: number) => new Date(t).toISOString();

/** One pass of every job. Each batch is its own transaction; resolves with what was deleted. */
export async function runRetention(db: Db, policy: RetentionPolicy, opts: RetentionRunOptions = {}): Promise<RetentionReport> {
  const now = (opts.now ?? Date.now)();
  const batch = opts.batchRows ?? RETENTION_BATCH_ROWS;
  const signal = opts.signal;
  const tx = transactorFor(db);
  const report: RetentionReport = { positionsDropped: 0, positionsThinned: 0, intakeRefs: 0, intakeLog: 0, tokens: 0, sessions: 0, healthProbe: 0, placeCandidates: 0, videoAudit: 0, complete: false };
  const stopped = () => signal?.aborted === true;

  /** Runs `step` (one transaction, ≤ batch rows) until it deletes less than a batch. */
  async function drain(step: () => number): Promise<number> {
    let total = 0;
    for (;;) {
      if (stopped()) return total;
      const n = tx.transaction(step);
      total += n;
      if (n < batch) return total;
      await pause();
    }
  }

  const POS = 'unit_positions INDEXED BY unit_positions_unit_at';
  const units = db.prepare('SELECT id FROM units ORDER BY id').pluck().all() as string[];
  const newestStmt = db.prepare(`SELECT id FROM ${POS} WHERE unit_id = ? AND used = 1 ORDER BY id DESC LIMIT 1`).pluck();
  const newest = new Map<string, number>();
  for (const u of units) {
    const id = newestStmt.get(u) as number | undefined;
    if (id !== undefined) newest.set(u, id);
  }
  const keep = JSON.stringify([...newest.values()]);

  // ── unit positions: dropped past the keep, then thinned ───────────────────────────────────────────────────────
  const dropBefore = policy.positionsKeepDays > 0 ? iso(now - policy.positionsKeepDays * DAY) : '';
  if (dropBefore) {
    const drop = db.prepare(
      `DELETE FROM unit_positions WHERE id IN (SELECT id FROM unit_positions INDEXED BY kpis_unit_positions_at
        WHERE at < ? AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY at LIMIT ?)`,
    );
    report.positionsDropped = await drain(() => drop.run(dropBefore, keep, batch).changes);
  }
  if (policy.positionsThinAfterDays > 0 && !stopped()) {
    report.positionsThinned = await thinPositions(db, policy, now, batch, dropBefore, newest, stopped);
  }

  // ── intake keys ───────────────────────────────────────────────────────────────────────────────────────────────
  if (policy.intakeRefsKeepDays > 0) {
    const before = iso(now - policy.intakeRefsKeepDays * DAY);
    const kinds = JSON.stringify(REFERENCED_KINDS);
    const refs = db.prepare(
      `DELETE FROM intake_refs WHERE rowid IN (
         SELECT r.rowid FROM intake_refs r JOIN incidents i ON i.id = r.incident_id
          WHERE r.created_at < @before
            AND (r.kind NOT IN (SELECT value FROM json_each(@kinds)) OR (i.status IN ${CLOSED_STATUSES_SQL} AND i.updated_at < @before))
          LIMIT @batch)`,
    );
    report.intakeRefs = await drain(() => refs.run({ before, kinds, batch }).changes);
  }

  // ── the intake log: by age, then by count ─────────────────────────────────────────────────────────────────────
  if (policy.intakeLogKeepDays > 0) {
    const before = iso(now - policy.intakeLogKeepDays * DAY);
    const old = db.prepare(`DELETE FROM intake_log WHERE seq IN (SELECT seq FROM intake_log WHERE at < ? ORDER BY seq LIMIT ?)`);
    report.intakeLog += await drain(() => old.run(before, batch).changes);
  }
  if (policy.intakeLogMaxRows > 0) {
    const over = db.prepare(
      `DELETE FROM intake_log WHERE seq IN (SELECT seq FROM intake_log
         WHERE seq <= (SELECT seq FROM intake_log ORDER BY seq DESC LIMIT 1 OFFSET ?) ORDER BY seq LIMIT ?)`,
    );
    report.intakeLog += await drain(() => over.run(policy.intakeLogMaxRows, batch).changes);
  }

  // ── credentials ──────────────────────────────────────────────────────────────────────────────────────────────
  const auth = createAuthRepo(db);
  if (policy.tokensKeepDays > 0) {
    const before = iso(now - policy.tokensKeepDays * DAY);
    report.tokens = await drain(() => auth.purgeDeadTokens(before, batch));
  }
  report.sessions = await drain(() => auth.purgeExpiredSessions(iso(now), batch));
  const probe = db.prepare('DELETE FROM health_probe WHERE at < ?');
  report.healthProbe = await drain(() => probe.run(iso(now - HEALTH_PROBE_KEEP_MS)).changes);

  // ── common-place candidates no admin approved (server/places/service.ts) ─────────────────────────────────────
  if (policy.placeCandidatesKeepDays > 0) {
    const before = iso(now - policy.placeCandidatesKeepDays * DAY);
    const pending = db.prepare(
      `DELETE FROM place_candidates WHERE id IN (SELECT id FROM place_candidates INDEXED BY place_candidates_pending_at
         WHERE place_id IS NULL AND at < ? ORDER BY at LIMIT ?)`,
    );
    report.placeCandidates = await drain(() => pending.run(before, batch).changes);
  }

  // ── the video audit (server/recordings/audit.ts; the exported packages themselves are never deleted) ──────────
  if (policy.videoAuditKeepDays > 0) {
    const before = iso(now - policy.videoAuditKeepDays * DAY);
    const audit = db.prepare('DELETE FROM video_audit WHERE id IN (SELECT id FROM video_audit INDEXED BY video_audit_at WHERE at < ? ORDER BY at LIMIT ?)');
    report.videoAudit = await drain(() => audit.run(before, batch).changes);
  }

  report.complete = !stopped();
  return report;
}

/**
 * Keeps the first fix (by time) of each unit in each `positionsThinS` bucket of time older than the thinning age and
 * deletes the others. Buckets are fixed (epoch-aligned), so a second pass over thinned fixes changes nothing. Read in
 * time order across all units: AVL rows are stored in arrival order, so a time slice is a few contiguous pages and
 * a batch rewrites each page once (unit by unit, every page would be rewritten once per unit: measured ~10× slower
 * batches). A mark remembers how far the last complete pass got: a pass reads from a day before it (late uploads).
 */
async function thinPositions(
  db: Db, policy: RetentionPolicy, now: number, batch: number, dropBefore: string, newest: Map<string, number>, stopped: () => boolean,
): Promise<number> {
  const tx = transactorFor(db);
  const bucketMs = policy.positionsThinS * 1000;
  const alignDown = (t: number) => Math.floor(t / bucketMs) * bucketMs;
  const job = `positions-thin-${policy.positionsThinS}s`; // another interval starts over
  const mark = db.prepare('SELECT upto FROM retention_marks WHERE job = ?').pluck().get(job) as string | undefined;
  const end = iso(alignDown(now - policy.positionsThinAfterDays * DAY));
  let start = mark ? iso(alignDown(Date.parse(mark) - THIN_RESCAN_MS)) : '';
  if (dropBefore > start) start = iso(alignDown(Date.parse(dropBefore))); // everything before is being dropped
  if (start >= end) return 0;

  const read = db.prepare(
    `SELECT id, unit_id, at FROM unit_positions INDEXED BY kpis_unit_positions_at
      WHERE at >= ? AND (at > ? OR id > ?) AND at < ? ORDER BY at, id LIMIT ?`,
  ).raw(true);
  const del = db.prepare('DELETE FROM unit_positions WHERE id IN (SELECT value FROM json_each(?))');
  const keep = new Set(newest.values());
  const bucketOf = new Map<string, number>(); // unit → bucket of the last fix kept
  let cursor: [string, number] = [start, 0];
  let deleted = 0;
  for (;;) {
    if (stopped()) return deleted;
    const rows = read.all(cursor[0], cursor[0], cursor[1], end, batch) as Array<[number, string, string]>;
    const doomed: number[] = [];
    for (const [id, unit, at] of rows) {
      const b = Math.floor(Date.parse(at) / bucketMs);
      if (bucketOf.get(unit) !== b) bucketOf.set(unit, b);
      else if (!keep.has(id)) doomed.push(id);
    }
    if (doomed.length) deleted += tx.transaction(() => del.run(JSON.stringify(doomed)).changes);
    if (rows.length < batch) break;
    const [lastId, , lastAt] = rows[rows.length - 1];
    cursor = [lastAt, lastId];
    await pause();
  }
  tx.transaction(() => db.prepare('INSERT INTO retention_marks (job, upto) VALUES (?, ?) ON CONFLICT (job) DO UPDATE SET upto = excluded.upto').run(job, end));
  return deleted;
}

export interface RetentionOptions {
  db: Db;
  policy: RetentionPolicy;
  /** Between the end of one run and the start of the next. */
  intervalMs: number;
  /** Before the first run (default: a minute, or the interval if shorter), so start-up is not slowed. */
  firstDelayMs?: number;
  now?: () => number;
}

export interface Retention {
  /** A run now (after the one in progress); resolves with what it deleted. */
  runNow(): Promise<RetentionReport>;
  /** Stops the schedule; a run in progress stops after its current batch. Call before db.close(). */
  close(): Promise<void>;
}

/** Runs every job on a timer; a failed run logs a warning and is tried again at the next interval. */
export function startRetention(opts: RetentionOptions): Retention {
  const { db, policy, intervalMs } = opts;
  // setTimeout turns anything above 2^31-1 ms (~24.8 days) into 1 ms
  if (!(intervalMs > 0 && intervalMs <= 0x7fffffff)) throw new Error(`retention interval must be 1..2147483647 ms, got ${intervalMs}`);
  const ac = new AbortController();
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const runNow = (): Promise<RetentionReport> => {
    const run = chain.then(async () => {
      const t0 = Date.now();
      const r = await runRetention(db, policy, { now: opts.now, signal: ac.signal });
      const { complete: _c, ...counts } = r;
      if (Object.values(counts).some((n) => n > 0)) log.info('retention', { ...counts, ms: Date.now() - t0, complete: r.complete });
      return r;
    });
    chain = run.catch(() => undefined);
    return run;
  };
  const schedule = (ms: number) => {
    if (ac.signal.aborted) return;
    timer = setTimeout(() => {
      runNow()
        .catch((err: unknown) => log.warn('retention run failed; retried at the next interval', { err: String(err) }))
        .finally(() => schedule(intervalMs));
    }, ms);
    timer.unref();
  };
  schedule(opts.firstDelayMs ?? Math.min(60_000, intervalMs));
  return {
    runNow,
    async close() {
      ac.abort();
      clearTimeout(timer);
      await chain;
    },
  };
}
