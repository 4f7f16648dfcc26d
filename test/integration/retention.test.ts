// Retention jobs on a real SQLite file with rows of known ages and an injected clock: exactly which rows remain
// (positions thinned to one per 30 s per unit past 7 days, dropped past 90, fresh ones untouched, each unit's newest
// kept), intake keys, the intake log, dead tokens, sessions; KPI facts untouched; batches bounded and interleaved.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKpiQuery } from '../../server/kpis/query.ts';
import { loadSiteTables } from '../../server/site/tables.ts';
import { createAuthRepo, tokenExpiresAt } from '../../server/store/auth-repo.ts';
import { migrate, openDb, type Db } from '../../server/store/db.ts';
import { createIncidentsRepo } from '../../server/store/incidents-repo.ts';
import { DEFAULT_RETENTION, runRetention, startRetention, type RetentionPolicy } from '../../server/store/retention.ts';
import type { Incident } from '../../server/incidents/model.ts';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const DAY = 86_400_000;
const S = 1000;
const iso = (t: number) => new Date(t).toISOString();
/** A 30-s bucket boundary `days` before NOW. */
const bucketAt = (days: number) => Math.floor((NOW - days * DAY) / (30 * S)) * 30 * S;
const POLICY: RetentionPolicy = { ...DEFAULT_RETENTION };

let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-retention-'));
  db = openDb(dir);
  migrate(db);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function addUnit(id: string, agency = 'damkar') {
  db.prepare('INSERT INTO units (id, callsign, agency, kind, device_id, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, id.toUpperCase(), agency, 'car', `dev-${id}`, iso(NOW - 200 * DAY));
}
/** Inserts a fix; returns its id. */
/** `used` false: a fix the units service kept for the record only (older than the unit's newest, or a teleport). */
function fix(unit: string, t: number, used = true): number {
  return Number(
    db.prepare('INSERT INTO unit_positions (unit_id, at, received_at, lat, lon, used) VALUES (?, ?, ?, 0.5, 101.4, ?)').run(unit, iso(t), iso(t), used ? 1 : 0).lastInsertRowid,
  );
}
const remaining = (unit: string) => (db.prepare('SELECT at FROM unit_positions WHERE unit_id = ? ORDER BY at, id').pluck().all(unit) as string[]).map(Date.parse);
/** Offsets in seconds from `base`. */
const at = (base: number, ...secs: number[]) => secs.map((s) => base + s * S);

/** Largest number of rows one transaction of the retention run changed. */
function watchTransactions(): { max: number; count: number } {
  const seen = { max: 0, count: 0 };
  const total = db.prepare('SELECT total_changes()').pluck();
  const original = db.transaction.bind(db);
  db.transaction = ((fn: (...a: unknown[]) => unknown) => {
    const t = original(fn);
    return (...args: unknown[]) => {
      const before = total.get() as number;
      const out = t(...args);
      seen.max = Math.max(seen.max, (total.get() as number) - before);
      seen.count++;
      return out;
    };
  }) as typeof db.transaction;
  return seen;
}

describe('unit positions', () => {
  it('thins past 7 days to the first fix of each unit per 30 s, drops past 90, keeps fresh ones and each unit\'s newest', async () => {
    addUnit('a');
    addUnit('b');
    addUnit('c');
    // a: fresh (1 day) every 5 s — untouched
    const fresh = at(bucketAt(1), 0, 5, 10, 15, 20, 25, 30, 35);
    // a: 10 days old, every 5 s over 90 s from 2 s past a bucket boundary: the first of each bucket stays
    const mid = bucketAt(10);
    const midAll = at(mid, 2, 7, 12, 17, 22, 27, 32, 37, 42, 47, 52, 57, 62, 67, 72, 77, 82, 87);
    // a: 100 days old — dropped
    const old = at(bucketAt(100), 0, 5, 10);
    // a: exactly 90 days old — not past the keep, alone in its bucket: stays
    const edge = NOW - 90 * DAY;
    for (const t of [...old, edge, ...midAll, ...fresh]) fix('a', t);
    // a late upload (inserted last, earlier in time than the bucket's other fixes): the first BY TIME stays
    const late = mid + 31 * S;
    fix('a', late);
    // b: silent for 120 days: everything goes but its newest fix (where it was last seen)
    for (const t of at(bucketAt(120), 0, 5, 10, 15)) fix('b', t);
    // c: 8 days old, three fixes in one bucket; the newest is c's newest fix overall, so it stays too
    const c = at(bucketAt(8), 0, 5, 10);
    for (const t of c) fix('c', t);

    const kpisBefore = kpiSnapshot();
    const tx = watchTransactions();
    const r = await runRetention(db, POLICY, { now: () => NOW, batchRows: 4 });

    expect(remaining('a')).toEqual([edge, ...at(mid, 2), late, ...at(mid, 62), ...fresh]);
    expect(remaining('b')).toEqual([bucketAt(120) + 15 * S]);
    expect(remaining('c')).toEqual([c[0], c[2]]);
    expect(r).toMatchObject({ positionsDropped: 3 + 3, complete: true });
    expect(r.positionsThinned).toBe(midAll.length + 1 - 3 + 1);
    expect(tx.max).toBeLessThanOrEqual(4); // every transaction within the batch
    expect(kpiSnapshot()).toEqual(kpisBefore);

    // a second run at the same clock changes nothing (the buckets are fixed in time)
    const again = await runRetention(db, POLICY, { now: () => NOW, batchRows: 4 });
    expect(again).toMatchObject({ positionsDropped: 0, positionsThinned: 0 });
  });

  it('a later run thins what has aged since, from where the last one stopped', async () => {
    addUnit('a');
    const soon = bucketAt(6.5); // fresh now, past 7 days a day later
    for (const t of at(soon, 0, 10, 20, 30, 40, 50)) fix('a', t);
    fix('a', NOW); // its newest
    await runRetention(db, POLICY, { now: () => NOW });
    expect(remaining('a')).toHaveLength(7);
    const mark = db.prepare(`SELECT upto FROM retention_marks WHERE job = 'positions-thin-30s'`).pluck().get() as string;
    expect(Date.parse(mark)).toBe(bucketAt(7));
    await runRetention(db, POLICY, { now: () => NOW + DAY });
    expect(remaining('a')).toEqual([...at(soon, 0, 30), NOW]);
  });

  it('0 turns a job off', async () => {
    addUnit('a');
    for (const t of [...at(bucketAt(100), 0, 5), ...at(bucketAt(10), 0, 5), NOW]) fix('a', t);
    await runRetention(db, { ...POLICY, positionsKeepDays: 0, positionsThinAfterDays: 0 }, { now: () => NOW });
    expect(remaining('a')).toHaveLength(5);
  });

  it('yields to the event loop between batches and stops at the next batch when asked', async () => {
    addUnit('a');
    db.transaction(() => {
      for (let k = 0; k < 400; k++) fix('a', bucketAt(100) + k * S);
    })();
    let ticks = 0;
    let on = true;
    const tick = () => {
      ticks++;
      if (on) setImmediate(tick);
    };
    setImmediate(tick);
    await runRetention(db, POLICY, { now: () => NOW, batchRows: 50 });
    on = false;
    expect(remaining('a')).toHaveLength(1);
    expect(ticks).toBeGreaterThanOrEqual(7); // 8 batches, a turn between each two

    db.transaction(() => {
      for (let k = 0; k < 400; k++) fix('a', bucketAt(100) + k * S);
    })();
    const ac = new AbortController();
    const run = runRetention(db, POLICY, { now: () => NOW, batchRows: 50, signal: ac.signal });
    ac.abort();
    const r = await run;
    expect(r.complete).toBe(false);
    expect(r.positionsDropped).toBe(50); // the batch that had started, no more
  });
});

function kpiSnapshot() {
  const facts = db.prepare('SELECT * FROM kpi_incident_facts ORDER BY incident_id').all();
  const responses = db.prepare('SELECT * FROM kpi_response_facts ORDER BY incident_id, agency_id').all();
  const q = createKpiQuery(db, { sla: loadSiteTables().sla, now: () => NOW, dayCache: false });
  return { facts, responses, kpis: q.kpis({ from: NOW - 200 * DAY, to: NOW }) };
}

function incident(id: string, reported: number, status: string, updated = reported): Incident {
  return {
    id, source: 'cap', sourceRef: null, category: 'kebakaran', agencies: [], priority: 2, status, reportedAt: iso(reported), updatedAt: iso(updated),
    caller: { name: null, phone: null }, description: '', flags: [],
    location: { text: 'x', lat: 0.5, lon: 101.4, uncertaintyM: 50, method: 'gps', kelurahan: null, kecamatan: null, needsLocation: false },
    history: [{ at: iso(reported), status: 'baru', event: 'created', by: 'test' }, ...(status === 'selesai' ? [{ at: iso(updated), status, by: 'test' }] : [])],
  } as unknown as Incident;
}

describe('KPI facts', () => {
  it('are the same before and after a run that thins and drops the fixes of the dispatches they were measured from', async () => {
    addUnit('a');
    const repo = createIncidentsRepo(db);
    const dispatch = db.prepare(
      `INSERT INTO dispatches (incident_id, unit_id, dispatched_at, moving_at, arrived_at, cleared_at, by, moving_source, arrived_source)
       VALUES (?, 'a', ?, ?, ?, ?, 'op', 'distance', 'geofence')`,
    );
    for (const [k, days] of [[1, 120], [2, 30], [3, 8], [4, 1]] as const) {
      const t = NOW - days * DAY;
      repo.insert(incident(`K-${k}`, t, 'selesai', t + 40 * 60 * S));
      dispatch.run(`K-${k}`, iso(t + 60 * S), iso(t + 120 * S), iso(t + 420 * S), iso(t + 40 * 60 * S));
      // the unit's drive, a fix every 5 s
      for (let s = 60; s <= 420; s += 5) fix('a', t + s * S);
    }
    const before = kpiSnapshot();
    expect(before.responses.length).toBe(4);
    const r = await runRetention(db, POLICY, { now: () => NOW });
    expect(r.positionsDropped).toBeGreaterThan(0);
    expect(r.positionsThinned).toBeGreaterThan(0);
    expect(kpiSnapshot()).toEqual(before);
  });
});

describe('intake keys, intake log, health probe', () => {
  it('keys past 7 days go; a CAP alert\'s stays while its incident is open or changed within 7 days', async () => {
    const repo = createIncidentsRepo(db);
    repo.insert(incident('OPEN', NOW - 40 * DAY, 'baru'));
    repo.insert(incident('CLOSED-RECENTLY', NOW - 40 * DAY, 'selesai', NOW - 2 * DAY));
    repo.insert(incident('CLOSED-LONG-AGO', NOW - 40 * DAY, 'selesai', NOW - 20 * DAY));
    const ref = (kind: string, r: string, incidentId: string, days: number) => repo.putRef(kind, r, 'h', incidentId, iso(NOW - days * DAY));
    ref('idempotency-key', 'old-key', 'OPEN', 8);
    ref('idempotency-key', 'young-key', 'OPEN', 6);
    ref('aml', 'old-aml', 'CLOSED-RECENTLY', 30);
    ref('cap', 'open-alert', 'OPEN', 30);
    ref('cap', 'recent-alert', 'CLOSED-RECENTLY', 30);
    ref('cap', 'done-alert', 'CLOSED-LONG-AGO', 30);
    ref('cap', 'young-alert', 'CLOSED-LONG-AGO', 3);
    const r = await runRetention(db, POLICY, { now: () => NOW, batchRows: 2 });
    expect(db.prepare('SELECT ref FROM intake_refs ORDER BY ref').pluck().all()).toEqual(['open-alert', 'recent-alert', 'young-alert', 'young-key']);
    expect(r.intakeRefs).toBe(3);
    expect(repo.findRef('cap', 'open-alert')).toEqual({ bodyHash: 'h', incidentId: 'OPEN' }); // a Cancel still finds it
    expect(db.prepare('SELECT COUNT(*) FROM incidents').pluck().get()).toBe(3); // incidents are the record
  });

  it('the intake log loses messages past 90 days and keeps at most the newest N', async () => {
    const repo = createIncidentsRepo(db);
    const log = (days: number, n: string) => repo.logIgnored({ at: iso(NOW - days * DAY), source: 'cap', ref: n, action: 'ignored_expired', summary: n, by: 'feed' });
    log(100, 'a');
    log(91, 'b');
    log(89, 'c');
    log(10, 'd');
    log(1, 'e');
    await runRetention(db, POLICY, { now: () => NOW, batchRows: 1 });
    expect(db.prepare('SELECT ref FROM intake_log ORDER BY seq').pluck().all()).toEqual(['c', 'd', 'e']);
    await runRetention(db, { ...POLICY, intakeLogMaxRows: 2 }, { now: () => NOW, batchRows: 1 });
    expect(db.prepare('SELECT ref FROM intake_log ORDER BY seq').pluck().all()).toEqual(['d', 'e']);
  });

  it('a health probe row older than a day goes', async () => {
    db.prepare('INSERT INTO health_probe (id, at) VALUES (1, ?), (2, ?)').run(iso(NOW - 2 * DAY), iso(NOW - 3600 * S));
    const r = await runRetention(db, POLICY, { now: () => NOW });
    expect(r.healthProbe).toBe(1);
    expect(db.prepare('SELECT id FROM health_probe').pluck().all()).toEqual([2]);
  });
});

describe('tokens and sessions', () => {
  it('an expired token stops working; tokens dead for 30 days go, with their kiosk sessions', async () => {
    const auth = createAuthRepo(db);
    const live = auth.insertToken('h-live', 'viewer', 'wall');
    const in30 = tokenExpiresAt(30);
    expect(Date.parse(in30!) - Date.now()).toBeGreaterThan(30 * DAY - 60_000);
    expect(tokenExpiresAt(0)).toBeNull(); // 0 = never
    const soon = auth.insertToken('h-soon', 'integration', 'feed', in30);
    const expired = auth.insertToken('h-expired', 'viewer', 'old wall', iso(Date.now() - 1000));
    expect(auth.tokenByHash('h-live')?.id).toBe(live);
    expect(auth.tokenByHash('h-soon')?.id).toBe(soon);
    expect(auth.tokenByHash('h-expired')).toBeNull();
    expect(auth.listTokens().find((t) => t.id === soon)?.expires_at).toBe(in30);
    expect(auth.listTokens().find((t) => t.id === live)?.expires_at).toBeNull();

    const setDead = db.prepare('UPDATE tokens SET revoked_at = ?, expires_at = ? WHERE id = ?');
    const revokedLongAgo = auth.insertToken('h-r40', 'viewer', 'r40');
    setDead.run(iso(NOW - 40 * DAY), null, revokedLongAgo);
    const revokedRecently = auth.insertToken('h-r10', 'viewer', 'r10');
    setDead.run(iso(NOW - 10 * DAY), null, revokedRecently);
    const expiredLongAgo = auth.insertToken('h-e40', 'viewer', 'e40');
    setDead.run(null, iso(NOW - 40 * DAY), expiredLongAgo);
    auth.insertKioskSession('kiosk-of-e40', expiredLongAgo);
    auth.insertKioskSession('kiosk-of-live', live);

    db.prepare(`INSERT INTO users (username, role, password_hash, created_at) VALUES ('op', 'operator', 'x', ?)`).run(iso(NOW));
    const session = db.prepare(`INSERT INTO sessions (id_hash, username, expires_at) VALUES (?, 'op', ?)`);
    session.run('s-old', iso(NOW - DAY));
    session.run('s-new', iso(NOW + DAY));

    const r = await runRetention(db, POLICY, { now: () => NOW, batchRows: 1 });
    expect(auth.listTokens().map((t) => t.label).sort()).toEqual(['feed', 'old wall', 'r10', 'wall']);
    expect(r.tokens).toBe(2);
    expect(db.prepare('SELECT id_hash FROM kiosk_sessions').pluck().all()).toEqual(['kiosk-of-live']);
    expect(db.prepare('SELECT id_hash FROM sessions').pluck().all()).toEqual(['s-new']);
    expect(r.sessions).toBe(1);
  });
});

describe('common-place candidates', () => {
  it('pending ones past 180 days go; fresher ones and those approved into a place stay; 0 keeps them all', async () => {
    const place = Number(db.prepare(`INSERT INTO common_places (name, aliases, lat, lon, radius_m, source, created_by, created_at)
      VALUES ('Pos Damkar Kulim', '[]', 0.5, 101.5, 60, 'operator picks', 'admin', ?)`).run(iso(NOW - 250 * DAY)).lastInsertRowid);
    const pick = (text: string, days: number, placeId: number | null = null) =>
      db.prepare('INSERT INTO place_candidates (text, norm, lat, lon, incident_id, by, at, place_id) VALUES (?, ?, 0.5, 101.5, NULL, ?, ?, ?)')
        .run(text, text.toLowerCase(), 'op', iso(NOW - days * DAY), placeId);
    pick('Gudang lama', 300);
    pick('Gudang lama', 181);
    pick('Gudang lama', 20); // the same text picked again lately: only the old picks go
    pick('Posko tepat', 180); // exactly the age: not past it
    pick('Pos Damkar Kulim', 300, place); // approved: where the place came from
    pick('Pos Damkar Kulim', 200, place);
    const texts = () => db.prepare('SELECT text || \' \' || ((julianday(?) - julianday(at)) | 0) FROM place_candidates ORDER BY id').pluck().all(iso(NOW));

    const off = await runRetention(db, { ...POLICY, placeCandidatesKeepDays: 0 }, { now: () => NOW });
    expect(off.placeCandidates).toBe(0);
    expect(texts()).toHaveLength(6);

    const tx = watchTransactions();
    const r = await runRetention(db, POLICY, { now: () => NOW, batchRows: 1 });
    expect(r.placeCandidates).toBe(2);
    expect(texts()).toEqual(['Gudang lama 20', 'Posko tepat 180', 'Pos Damkar Kulim 300', 'Pos Damkar Kulim 200']);
    expect(tx.max).toBeLessThanOrEqual(1);
    expect(db.prepare('SELECT COUNT(*) FROM common_places').pluck().get()).toBe(1); // places are never pruned
  });
});

describe('startRetention', () => {
  it('runs on its timer, runs on demand, and close() waits for the run in progress', async () => {
    addUnit('a');
    for (const t of [...at(bucketAt(100), 0, 5), NOW]) fix('a', t);
    const ret = startRetention({ db, policy: POLICY, intervalMs: 3_600_000, firstDelayMs: 10, now: () => NOW });
    await new Promise((r) => setTimeout(r, 200));
    expect(remaining('a')).toEqual([NOW]); // the first, timed run
    fix('a', bucketAt(100), false); // arrives after NOW, dated long before: the service keeps it for the record only
    expect((await ret.runNow()).positionsDropped).toBe(1);
    const running = ret.runNow();
    await ret.close();
    expect((await running).complete).toBe(false); // closed before it started: nothing done after close
    expect(() => startRetention({ db, policy: POLICY, intervalMs: 0 })).toThrow(/interval/);
  });
});
