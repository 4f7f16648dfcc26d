// Incident persistence. Callers wrap multi-step writes in db.transaction(); every write here is synchronous.
import type { Db } from './db.ts';
import type { HistoryEntry, Incident, Status } from '../incidents/model.ts';

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

  function docOf(i: Incident): string {
    const { id, source, sourceRef, category, priority, status, reportedAt, updatedAt, history, ...rest } = i;
    return JSON.stringify(rest);
  }
  function hydrate(row: Row, history: HistoryRow[]): Incident {
    return {
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
        if (h.event) e.event = h.event;
        if (h.note) e.note = h.note;
        return e;
      }),
    };
  }
  function hydrateMany(rows: Row[]): Incident[] {
    if (rows.length === 0) return [];
    const byId = new Map<string, HistoryRow[]>(rows.map((r) => [r.id, []]));
    // one query for all histories (json_each keeps the id list a single bound parameter)
    const all = db
      .prepare(`SELECT * FROM incident_history WHERE incident_id IN (SELECT value FROM json_each(?)) ORDER BY seq`)
      .all(JSON.stringify(rows.map((r) => r.id))) as HistoryRow[];
    for (const h of all) byId.get(h.incident_id)?.push(h);
    return rows.map((r) => hydrate(r, byId.get(r.id) ?? []));
  }

  return {
    /** A new human-readable id: INC-YYMMDD-<global sequence>. Call inside the creating transaction. */
    nextId(now: Date): string {
      const d = now.toISOString().slice(2, 10).replaceAll('-', '');
      return `INC-${d}-${String(nextSeq.get()).padStart(5, '0')}`;
    },
    insert(incident: Incident): void {
      insertStmt.run({ ...incident, doc: docOf(incident) });
      for (const h of incident.history) historyStmt.run(incident.id, h.at, h.status ?? null, h.event ?? null, h.by, h.note ?? null);
    },
    /** Rewrites the mutable columns and appends history entries (history is append-only). */
    update(incident: Incident, newHistory: HistoryEntry[]): void {
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
        where.push(`status IN (SELECT value FROM json_each(?))`);
        params.push(JSON.stringify(filter.status));
      }
      if (filter.since) {
        where.push(`updated_at >= ?`);
        params.push(filter.since);
      }
      const sql = `SELECT * FROM incidents ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT ?`;
      params.push(filter.limit ?? 1000);
      return hydrateMany(db.prepare(sql).all(...params) as Row[]);
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
