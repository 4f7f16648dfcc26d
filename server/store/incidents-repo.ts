// Incident persistence. Callers wrap multi-step writes in a transaction (server/store/group-commit.ts); every write here is synchronous.
import type { IntakeLogEntry } from '../../domain/intake-log.ts';
import type Database from 'better-sqlite3';
import type { Db } from './db.ts';
import type { HistoryEntry, HistoryEvent, Incident, Status } from '../../domain/incident.ts';

interface Row {
  id: string;
  source: string;
  source_ref: string | null;
  category: string;
  priority: number;
  status: string;
  reported_at: string;
  updated_at: string;
  doc: string;
}
interface HistoryRow {
  incident_id: string;
  at: string;
  status: string | null;
  event: string | null;
  by: string;
  note: string | null;
}

export interface ListFilter {
  status?: Status[];
  /** Incidents changed at or after this ISO time. */
  since?: string;
  limit?: number;
}

export type { IntakeLogEntry } from '../../domain/intake-log.ts';

/** The merge fields of an incident that is one call and was never merged (a fresh array each time). */
const noMerge = (): Pick<Incident, 'possibleDuplicateOf' | 'mergedInto' | 'callCount' | 'callers'> => ({
  possibleDuplicateOf: null, mergedInto: null, callCount: 1, callers: [],
});

/** What the repeat-call check reads of an open incident (server/incidents/duplicates.ts). */
export interface OpenIncidentBrief {
  id: string;
  source: string;
  sourceRef: string | null;
  category: string;
  reportedAt: string;
  lat: number | null;
  lon: number | null;
  uncertaintyM: number | null;
  possibleDuplicateOf: string | null;
  /** reportedAt of the calls merged into it. */
  callTimes: string[];
}

/** Per database, shared by every repo on it in this process: the demo history's service writes bump it too. */
const writes = new WeakMap<Database.Database, number>();

export function createIncidentsRepo(db: Db) {
  const insertStmt = db.prepare(
    `INSERT INTO incidents (id, source, source_ref, category, priority, status, reported_at, updated_at, doc)
     VALUES (@id, @source, @sourceRef, @category, @priority, @status, @reportedAt, @updatedAt, @doc)`,
  );
  const updateStmt = db.prepare(
    `UPDATE incidents SET category=@category, priority=@priority, status=@status, updated_at=@updatedAt, doc=@doc WHERE id=@id`,
  );
  const historyStmt = db.prepare(
    `INSERT INTO incident_history (incident_id, at, status, event, by, note) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const getStmt = db.prepare(`SELECT * FROM incidents WHERE id = ?`);
  const historyOf = db.prepare(`SELECT * FROM incident_history WHERE incident_id = ? ORDER BY seq`);
  const nextSeq = db.prepare(`SELECT COALESCE(MAX(seq), 0) + 1 FROM incidents`).pluck();
  const refGet = db.prepare(`SELECT body_hash AS bodyHash, incident_id AS incidentId FROM intake_refs WHERE kind = ? AND ref = ?`);
  const refPut = db.prepare(`INSERT INTO intake_refs (kind, ref, body_hash, incident_id, created_at) VALUES (?, ?, ?, ?, ?)`);
  const logPut = db.prepare(`INSERT INTO intake_log (at, source, ref, action, summary, by) VALUES (@at, @source, @ref, @action, @summary, @by)`);
  const logList = db.prepare(`SELECT at, source, ref, action, summary, by FROM intake_log ORDER BY seq DESC LIMIT ?`);
  // Repeat calls: open incidents changed since `since` (a merge changes an incident, so one whose latest call is in
  // the window was updated in it too: a superset, through incidents_updated), of a category or from one AML handset.
  const BRIEF = `SELECT id, source, source_ref AS sourceRef, category, reported_at AS reportedAt,
      json_extract(doc, '$.location.lat') AS lat, json_extract(doc, '$.location.lon') AS lon,
      json_extract(doc, '$.location.uncertaintyM') AS uncertaintyM, json_extract(doc, '$.possibleDuplicateOf') AS possibleDuplicateOf,
      (SELECT json_group_array(json_extract(c.value, '$.reportedAt')) FROM json_each(doc, '$.callers') c) AS callTimes
    FROM incidents WHERE status IN (SELECT value FROM json_each(@open)) AND updated_at >= @since`;
  const openOfCategory = db.prepare(`${BRIEF} AND category = @category ORDER BY seq LIMIT 500`);
  const openOfHandset = db.prepare(`${BRIEF} AND source = 'aml' AND source_ref = @ref ORDER BY seq LIMIT 500`);
  const pointingAt = db.prepare(
    `SELECT id FROM incidents WHERE status IN (SELECT value FROM json_each(@open)) AND json_extract(doc, '$.possibleDuplicateOf') = @id`,
  ).pluck();
  const briefOf = (r: Omit<OpenIncidentBrief, 'callTimes'> & { callTimes: string | null }): OpenIncidentBrief => ({
    ...r, callTimes: r.callTimes ? (JSON.parse(r.callTimes) as Array<string | null>).filter((t): t is string => typeof t === 'string') : [],
  });

  function docOf(i: Incident): string {
    const { id, source, sourceRef, category, priority, status, reportedAt, updatedAt, history, ...rest } = i;
    return JSON.stringify(rest);
  }
  function hydrate(row: Row, history: HistoryRow[]): Incident {
    return {
      // documents stored before repeat calls could be merged (issue #17) lack these: one call, nothing merged
      ...noMerge(),
      id: row.id,
      source: row.source as Incident['source'],
      sourceRef: row.source_ref,
      category: row.category as Incident['category'],
      priority: row.priority as Incident['priority'],
      status: row.status as Status,
      reportedAt: row.reported_at,
      updatedAt: row.updated_at,
      ...(JSON.parse(row.doc) as Omit<Incident, 'id' | 'source' | 'sourceRef' | 'category' | 'priority' | 'status' | 'reportedAt' | 'updatedAt' | 'history'>),
      history: history.map((h) => {
        const e: HistoryEntry = { at: h.at, by: h.by };
        if (h.status) e.status = h.status as Status;
        if (h.event) e.event = h.event as HistoryEvent; // written only from HISTORY_EVENTS
        if (h.note) e.note = h.note;
        return e;
      }),
    };
  }
  // Lists: ONE query, each incident's history aggregated beside it as a JSON array (read through the
  // (incident_id, seq) index), instead of a second query over the history table.
  const HISTORY_JSON = `(SELECT json_group_array(json_array(h.at, h.status, h.event, h.by, h.note) ORDER BY h.seq)
      FROM incident_history h WHERE h.incident_id = i.id) AS history_json`;
  const listStmts = new Map<string, Database.Statement>();
  const listStmt = (sql: string) => {
    let st = listStmts.get(sql);
    if (!st) listStmts.set(sql, (st = db.prepare(sql)));
    return st;
  };
  function hydrateListed(row: Row & { history_json: string }): Incident {
    const history = (JSON.parse(row.history_json) as Array<[string, string | null, string | null, string, string | null]>).map(
      ([at, status, event, by, note]) => ({ incident_id: row.id, at, status, event, by, note }),
    );
    return hydrate(row, history);
  }

  const bump = () => writes.set(db, (writes.get(db) ?? 0) + 1);
  return {
    /** Writes to incidents on this database by any repo in this process (a cache key: no SQLite polling). */
    writeCount: () => writes.get(db) ?? 0,
    /** A new human-readable id: INC-YYMMDD-<global sequence>. Call inside the creating transaction. */
    nextId(now: Date): string {
      const d = now.toISOString().slice(2, 10).replaceAll('-', '');
      return `INC-${d}-${String(nextSeq.get()).padStart(5, '0')}`;
    },
    insert(incident: Incident): void {
      bump();
      insertStmt.run({ ...incident, doc: docOf(incident) });
      for (const h of incident.history) historyStmt.run(incident.id, h.at, h.status ?? null, h.event ?? null, h.by, h.note ?? null);
    },
    /** Rewrites the mutable columns and appends history entries (history is append-only). */
    update(incident: Incident, newHistory: HistoryEntry[]): void {
      bump();
      updateStmt.run({ ...incident, doc: docOf(incident) });
      for (const h of newHistory) historyStmt.run(incident.id, h.at, h.status ?? null, h.event ?? null, h.by, h.note ?? null);
    },
    get(id: string): Incident | null {
      const row = getStmt.get(id) as Row | undefined;
      return row ? hydrate(row, historyOf.all(id) as HistoryRow[]) : null;
    },
    list(filter: ListFilter = {}): Incident[] {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.status?.length) {
        where.push(`i.status IN (SELECT value FROM json_each(?))`);
        params.push(JSON.stringify(filter.status));
      }
      if (filter.since) {
        where.push(`i.updated_at >= ?`);
        params.push(filter.since);
      }
      const sql = `SELECT i.*, ${HISTORY_JSON} FROM incidents i ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY i.seq DESC LIMIT ?`;
      params.push(filter.limit ?? 1000);
      return (listStmt(sql).all(...params) as Array<Row & { history_json: string }>).map(hydrateListed);
    },
    /** A message kept out of the live queue, for the operator's log. */
    logIgnored(e: IntakeLogEntry): void {
      logPut.run(e);
    },
    intakeLog(limit: number): IntakeLogEntry[] {
      return logList.all(limit) as IntakeLogEntry[];
    },
    /** Open incidents (`open`: the open statuses) of `category` changed at or after `since`, oldest first. */
    openOfCategory(open: readonly string[], category: string, since: string): OpenIncidentBrief[] {
      return (openOfCategory.all({ open: JSON.stringify(open), category, since }) as any[]).map(briefOf);
    },
    /** Open AML incidents from the handset `ref` (IMEI, IMSI or number) changed at or after `since`, oldest first. */
    openOfHandset(open: readonly string[], ref: string, since: string): OpenIncidentBrief[] {
      return (openOfHandset.all({ open: JSON.stringify(open), ref, since }) as any[]).map(briefOf);
    },
    /** Ids of the open incidents flagged as possible repeats of `id`. */
    pointingAt(open: readonly string[], id: string): string[] {
      return pointingAt.all({ open: JSON.stringify(open), id }) as string[];
    },
    findRef(kind: string, ref: string): { bodyHash: string; incidentId: string } | null {
      return (refGet.get(kind, ref) as { bodyHash: string; incidentId: string } | undefined) ?? null;
    },
    putRef(kind: string, ref: string, bodyHash: string, incidentId: string, at: string): void {
      refPut.run(kind, ref, bodyHash, incidentId, at);
    },
  };
}
export type IncidentsRepo = ReturnType<typeof createIncidentsRepo>;
