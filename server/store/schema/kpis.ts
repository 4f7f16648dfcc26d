// Indexes and the derived "response facts" projection the briefing's read queries need (server/kpis/query.ts).
// Ids '300-…'. Never edit an applied one.
import { NO_UNIT_EVENT, STAGE_SOURCES } from '../../../domain/dispatch.ts';
import type { Migration } from './migration.ts';
import { CLOSED_STATUSES_SQL } from '../../../domain/incident.ts';

/** ISO-8601 text → epoch ms (NULL stays NULL). Times in the store are toISOString() text. */
const ms = (x: string) => `CAST(round(unixepoch(${x}, 'subsec') * 1000) AS INTEGER)`;
/** The closed statuses as migrations 302–307 were applied with. Frozen: `digabung` came later (308), and an applied
 * migration's text never changes. */
const TERMINAL = `('selesai', 'iseng', 'batal')`;
/** The closed statuses of the 308 projection (a merged repeat call, digabung, is closed too). */
const TERMINAL_308 = `('selesai', 'iseng', 'batal', 'digabung')`;
// A closed status added to the domain without a migration that rebuilds the triggers would leave its incidents "open"
// in every KPI: fail at start, not in the briefing.
if (CLOSED_STATUSES_SQL !== TERMINAL_308) {
  throw new Error(`closed statuses ${CLOSED_STATUSES_SQL} differ from the KPI projection's ${TERMINAL_308}: add a migration`);
}
const nameId = (kind: string, x: string) => `(SELECT id FROM kpi_names WHERE kind = '${kind}' AND name = ${x})`;
const KEC_NAME = (r: string) => `json_extract(${r}.doc, '$.location.kecamatan.name')`;
const KEC_CODE = (r: string) => `json_extract(${r}.doc, '$.location.kecamatan.code')`;
const KEL_NAME = (r: string) => `json_extract(${r}.doc, '$.location.kelurahan.name')`;

/** Inserts the facts rows of the incidents rows `i` matching `where` (the new row in a trigger; all rows to backfill). */
const insertIncidentFacts = (where: string) => `
  INSERT OR IGNORE INTO kpi_names (kind, name)
    SELECT 'category', i.category FROM incidents i WHERE ${where}
    UNION ALL SELECT 'source', i.source FROM incidents i WHERE ${where}
    UNION ALL SELECT 'kecamatan', ${KEC_NAME('i')} FROM incidents i WHERE (${where}) AND ${KEC_NAME('i')} IS NOT NULL
    UNION ALL SELECT 'kelurahan', ${KEL_NAME('i')} FROM incidents i WHERE (${where}) AND ${KEL_NAME('i')} IS NOT NULL;
  INSERT INTO kpi_incident_facts (reported_ms, seq, incident_id, category_id, source_id, kec_id, kel_id, prank, excluded,
      closed_ms, terminal_ms, kec_name, kec_code, routed)
    SELECT ${ms('i.reported_at')}, i.seq, i.id, ${nameId('category', 'i.category')}, ${nameId('source', 'i.source')},
      ${nameId('kecamatan', KEC_NAME('i'))}, ${nameId('kelurahan', KEL_NAME('i'))},
      i.status = 'iseng', i.status IN ('iseng', 'batal'),
      CASE WHEN i.status IN ${TERMINAL} THEN ${ms('i.updated_at')} END,
      (SELECT MIN(${ms('h.at')}) FROM incident_history h WHERE h.incident_id = i.id AND h.status IN ${TERMINAL}),
      ${KEC_NAME('i')}, ${KEC_CODE('i')},
      (SELECT ',' || group_concat(json_extract(a.value, '$.id'), ',') || ',' FROM json_each(i.doc, '$.agencies') a)
      FROM incidents i WHERE ${where};`;

/**
 * Inserts the response facts of the dispatches `x` matching `where`, one row per (incident, agency): the agency's
 * FIRST dispatched / moving / arrived time (MIN ignores NULL = never), plus copies of the incident's report and
 * closing facts so the KPI scan reads one table. Callers delete the rows being rebuilt first.
 */
const insertResponseFacts = (where: string) => `
  INSERT OR IGNORE INTO kpi_names (kind, name)
    SELECT 'agency', COALESCE(u.agency, 'unknown') FROM dispatches x LEFT JOIN units u ON u.id = x.unit_id WHERE ${where};
  INSERT INTO kpi_response_facts (reported_ms, incident_id, agency_id, excluded, closed_ms, dispatched_ms, moving_ms, arrived_ms)
    SELECT f.reported_ms, f.incident_id, ${nameId('agency', 'd.agency')}, f.excluded, f.closed_ms, d.dispatched_ms, d.moving_ms, d.arrived_ms
      FROM (SELECT x.incident_id, COALESCE(u.agency, 'unknown') AS agency, MIN(${ms('x.dispatched_at')}) AS dispatched_ms,
                   MIN(${ms('x.moving_at')}) AS moving_ms, MIN(${ms('x.arrived_at')}) AS arrived_ms
              FROM dispatches x LEFT JOIN units u ON u.id = x.unit_id
             WHERE ${where}
             GROUP BY 1, 2) d
      JOIN kpi_incident_facts f ON f.incident_id = d.incident_id;`;

/** Rebuilds one incident's response facts for one agency (the agency of the dispatch's unit). */
const refreshResponse = (incidentId: string, unitId: string) => {
  const agency = `(SELECT COALESCE((SELECT agency FROM units WHERE id = ${unitId}), 'unknown'))`;
  return `
  DELETE FROM kpi_response_facts WHERE incident_id = ${incidentId} AND agency_id = ${nameId('agency', agency)};
  ${insertResponseFacts(`x.incident_id = ${incidentId} AND COALESCE(u.agency, 'unknown') = ${agency}`)}`;
};
/** Rebuilds every response facts row of one incident. */
const refreshIncident = (incidentId: string) => `
  DELETE FROM kpi_incident_facts WHERE incident_id = ${incidentId};
  DELETE FROM kpi_response_facts WHERE incident_id = ${incidentId};
  ${insertIncidentFacts(`i.id = ${incidentId}`)}
  ${insertResponseFacts(`x.incident_id = ${incidentId}`)}`;
/** Recomputes an incident's first terminal transition from its history. */
const refreshTerminal = (incidentId: string, terminal = TERMINAL) => `
  UPDATE kpi_incident_facts SET terminal_ms =
    (SELECT MIN(${ms('h.at')}) FROM incident_history h WHERE h.incident_id = ${incidentId} AND h.status IN ${terminal})
   WHERE incident_id = ${incidentId};`;

export const kpisMigrations: Migration[] = [
  {
    id: '300-kpis-indexes',
    sql: `
      -- replay: every unit's fixes in a period (the existing (unit_id, at) index cannot range over time alone)
      CREATE INDEX IF NOT EXISTS kpis_unit_positions_at ON unit_positions(at);
      -- closing time of an incident: its first terminal transition (backlog at a past instant)
      CREATE INDEX IF NOT EXISTS kpis_history_status ON incident_history(incident_id, status, at);
    `,
  },
  {
    id: '301-kpis-covering',
    sql: `
      -- the timeline scans: covering, so a period is one index range read without touching the table rows
      CREATE INDEX IF NOT EXISTS kpis_incidents_period ON incidents(reported_at, category, source, status, updated_at,
        json_extract(doc, '$.location.kecamatan.name'), json_extract(doc, '$.location.kelurahan.name'), id);
      CREATE INDEX IF NOT EXISTS kpis_dispatches_period ON dispatches(dispatched_at, incident_id, unit_id, moving_at, arrived_at);
    `,
  },
  {
    id: '302-kpis-facts',
    sql: `
      -- Derived, exact projection of the incidents / incident_history / dispatches rows the KPIs read, kept up to date
      -- by the triggers below inside the writer's own transaction (so it can never disagree with a committed write).
      -- Clustered on report time (WITHOUT ROWID, reported_ms first): a period is one contiguous range read of small
      -- integer rows. Never holds a KPI number: only time stamps, flags and dictionary ids.
      CREATE TABLE kpi_names (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, UNIQUE (kind, name));
      CREATE TABLE kpi_incident_facts (
        reported_ms  INTEGER NOT NULL,
        seq          INTEGER NOT NULL,
        incident_id  TEXT NOT NULL UNIQUE,
        category_id  INTEGER NOT NULL,
        source_id    INTEGER NOT NULL,
        kec_id       INTEGER,
        kel_id       INTEGER,
        prank        INTEGER NOT NULL,   -- status = iseng
        excluded     INTEGER NOT NULL,   -- status in (iseng, batal): left out of response times
        closed_ms    INTEGER,            -- updated_at of an incident in a terminal status, else NULL
        terminal_ms  INTEGER,            -- first terminal transition in incident_history (backlog at a past instant)
        kec_name     TEXT,
        kec_code     TEXT,
        routed       TEXT,               -- ',damkar,polisi,' (the routing agencies in the document)
        PRIMARY KEY (reported_ms, seq)
      ) WITHOUT ROWID;
      CREATE INDEX kpi_incident_facts_open ON kpi_incident_facts(reported_ms) WHERE closed_ms IS NULL;
      CREATE TABLE kpi_response_facts (
        reported_ms    INTEGER NOT NULL,
        incident_id    TEXT NOT NULL,
        agency_id      INTEGER NOT NULL,
        excluded       INTEGER NOT NULL,
        closed_ms      INTEGER,
        dispatched_ms  INTEGER,          -- the agency's FIRST dispatch / movement / arrival; NULL = never
        moving_ms      INTEGER,
        arrived_ms     INTEGER,
        PRIMARY KEY (reported_ms, incident_id, agency_id)
      ) WITHOUT ROWID;
      CREATE INDEX kpi_response_facts_incident ON kpi_response_facts(incident_id, agency_id);

      CREATE TRIGGER kpi_facts_incident_insert AFTER INSERT ON incidents BEGIN ${refreshIncident('NEW.id')} END;
      -- only when a fact can change (an event that just touches updated_at of an open incident rebuilds nothing)
      CREATE TRIGGER kpi_facts_incident_update AFTER UPDATE ON incidents
        WHEN OLD.id IS NOT NEW.id OR OLD.seq IS NOT NEW.seq OR OLD.reported_at IS NOT NEW.reported_at OR OLD.category IS NOT NEW.category
          OR OLD.source IS NOT NEW.source OR OLD.status IS NOT NEW.status OR OLD.doc IS NOT NEW.doc
          OR (NEW.status IN ${TERMINAL} AND OLD.updated_at IS NOT NEW.updated_at) BEGIN
        DELETE FROM kpi_incident_facts WHERE incident_id = OLD.id;
        DELETE FROM kpi_response_facts WHERE incident_id = OLD.id;
        ${refreshIncident('NEW.id')}
      END;
      CREATE TRIGGER kpi_facts_incident_delete AFTER DELETE ON incidents BEGIN
        DELETE FROM kpi_incident_facts WHERE incident_id = OLD.id;
        DELETE FROM kpi_response_facts WHERE incident_id = OLD.id;
      END;
      CREATE TRIGGER kpi_facts_history_insert AFTER INSERT ON incident_history WHEN NEW.status IN ${TERMINAL} BEGIN
        UPDATE kpi_incident_facts SET terminal_ms = MIN(COALESCE(terminal_ms, ${ms('NEW.at')}), ${ms('NEW.at')})
         WHERE incident_id = NEW.incident_id;
      END;
      CREATE TRIGGER kpi_facts_history_update AFTER UPDATE OF incident_id, at, status ON incident_history BEGIN
        ${refreshTerminal('OLD.incident_id')} ${refreshTerminal('NEW.incident_id')}
      END;
      CREATE TRIGGER kpi_facts_history_delete AFTER DELETE ON incident_history BEGIN ${refreshTerminal('OLD.incident_id')} END;
      CREATE TRIGGER kpi_facts_dispatch_insert AFTER INSERT ON dispatches BEGIN ${refreshResponse('NEW.incident_id', 'NEW.unit_id')} END;
      CREATE TRIGGER kpi_facts_dispatch_update AFTER UPDATE OF incident_id, unit_id, dispatched_at, moving_at, arrived_at ON dispatches BEGIN
        ${refreshResponse('NEW.incident_id', 'NEW.unit_id')}
      END;
      CREATE TRIGGER kpi_facts_dispatch_moved AFTER UPDATE OF incident_id, unit_id ON dispatches
        WHEN OLD.incident_id IS NOT NEW.incident_id OR OLD.unit_id IS NOT NEW.unit_id BEGIN
        ${refreshResponse('OLD.incident_id', 'OLD.unit_id')}
      END;
      CREATE TRIGGER kpi_facts_dispatch_delete AFTER DELETE ON dispatches BEGIN ${refreshResponse('OLD.incident_id', 'OLD.unit_id')} END;
      -- a unit moved to another agency: its incidents' responses regroup
      CREATE TRIGGER kpi_facts_unit_agency AFTER UPDATE OF agency ON units BEGIN
        DELETE FROM kpi_response_facts WHERE incident_id IN (SELECT incident_id FROM dispatches WHERE unit_id = NEW.id);
        ${insertResponseFacts('x.incident_id IN (SELECT incident_id FROM dispatches WHERE unit_id = NEW.id)')}
      END;

      -- backfill from whatever the store already holds (the same statements the triggers run)
      ${insertIncidentFacts('1')}
      ${insertResponseFacts('1')}
    `,
  },
  {
    id: '303-kpis-drop-timeline-indexes',
    sql: `
      -- the KPI reads moved to the facts projection (302); these wide covering indexes only cost every intake write
      DROP INDEX IF EXISTS kpis_incidents_period;
      DROP INDEX IF EXISTS kpis_dispatches_period;
    `,
  },
  {
    id: '304-kpis-day-versions',
    sql: `
      -- A version per WIB day (day = floor((reported_ms + 7 h) / 24 h)), bumped by every change to that day's facts rows
      -- (the projection writes are delete + insert, so these two triggers see every change, back-dated ones included).
      -- The KPI query caches the facts of closed days and re-reads a day only when its version moved.
      CREATE TABLE kpi_day_versions (day INTEGER PRIMARY KEY, version INTEGER NOT NULL);
      CREATE TRIGGER kpi_day_incident_in AFTER INSERT ON kpi_incident_facts BEGIN
        INSERT INTO kpi_day_versions (day, version) VALUES ((NEW.reported_ms + 25200000) / 86400000, 1)
          ON CONFLICT (day) DO UPDATE SET version = version + 1;
      END;
      CREATE TRIGGER kpi_day_incident_out AFTER DELETE ON kpi_incident_facts BEGIN
        INSERT INTO kpi_day_versions (day, version) VALUES ((OLD.reported_ms + 25200000) / 86400000, 1)
          ON CONFLICT (day) DO UPDATE SET version = version + 1;
      END;
      CREATE TRIGGER kpi_day_response_in AFTER INSERT ON kpi_response_facts BEGIN
        INSERT INTO kpi_day_versions (day, version) VALUES ((NEW.reported_ms + 25200000) / 86400000, 1)
          ON CONFLICT (day) DO UPDATE SET version = version + 1;
      END;
      CREATE TRIGGER kpi_day_response_out AFTER DELETE ON kpi_response_facts BEGIN
        INSERT INTO kpi_day_versions (day, version) VALUES ((OLD.reported_ms + 25200000) / 86400000, 1)
          ON CONFLICT (day) DO UPDATE SET version = version + 1;
      END;
      -- an UPDATE in place (terminal_ms from a history row) changes no column the KPI facts read, so it needs no bump
    `,
  },
];

// ---- 305: honest denominators (issue "response times leadership can trust") ----
// Response facts become one row per (incident, agency) the incident is ROUTED to — its lead agency, every agency that
// had a unit dispatched, every agency recorded as having no free unit — so an incident nobody was sent to still counts
// in its agency's denominator. Each row also carries the incident's category (SLA rules are per agency AND category)
// and `flags`: how its stages were established (domain/kpis.ts reads them with RESPONSE_FLAGS).
const LEAD = (r: string) => `json_extract(${r}.doc, '$.agencies[0].id')`;
const sourceCode = (col: string) =>
  `(CASE ${col} ${STAGE_SOURCES.map((s, k) => `WHEN '${s}' THEN ${k + 1}`).join(' ')} ELSE 0 END)`;
const NO_UNIT = `'${NO_UNIT_EVENT}'`;

const insertIncidentFactsV2 = (where: string) => `
  INSERT OR IGNORE INTO kpi_names (kind, name)
    SELECT 'category', i.category FROM incidents i WHERE ${where}
    UNION ALL SELECT 'source', i.source FROM incidents i WHERE ${where}
    UNION ALL SELECT 'agency', ${LEAD('i')} FROM incidents i WHERE (${where}) AND ${LEAD('i')} IS NOT NULL
    UNION ALL SELECT 'kecamatan', ${KEC_NAME('i')} FROM incidents i WHERE (${where}) AND ${KEC_NAME('i')} IS NOT NULL
    UNION ALL SELECT 'kelurahan', ${KEL_NAME('i')} FROM incidents i WHERE (${where}) AND ${KEL_NAME('i')} IS NOT NULL;
  INSERT INTO kpi_incident_facts (reported_ms, seq, incident_id, category_id, source_id, kec_id, kel_id, prank, excluded,
      closed_ms, terminal_ms, kec_name, kec_code, routed, lead_id)
    SELECT ${ms('i.reported_at')}, i.seq, i.id, ${nameId('category', 'i.category')}, ${nameId('source', 'i.source')},
      ${nameId('kecamatan', KEC_NAME('i'))}, ${nameId('kelurahan', KEL_NAME('i'))},
      i.status = 'iseng', i.status IN ('iseng', 'batal'),
      CASE WHEN i.status IN ${TERMINAL} THEN ${ms('i.updated_at')} END,
      (SELECT MIN(${ms('h.at')}) FROM incident_history h WHERE h.incident_id = i.id AND h.status IN ${TERMINAL}),
      ${KEC_NAME('i')}, ${KEC_CODE('i')},
      (SELECT ',' || group_concat(json_extract(a.value, '$.id'), ',') || ',' FROM json_each(i.doc, '$.agencies') a),
      ${nameId('agency', LEAD('i'))}
      FROM incidents i WHERE ${where};`;

/** Rebuilds the response rows of the incidents `f` / dispatches `x` matching the two conditions (the same incidents). */
const insertResponseFactsV2 = (whereF: string, whereX: string) => `
  INSERT OR IGNORE INTO kpi_names (kind, name)
    SELECT 'agency', COALESCE(u.agency, 'unknown') FROM dispatches x LEFT JOIN units u ON u.id = x.unit_id WHERE ${whereX}
    UNION ALL SELECT 'agency', h.note FROM incident_history h JOIN kpi_incident_facts f ON f.incident_id = h.incident_id
      WHERE h.event = ${NO_UNIT} AND h.note IS NOT NULL AND ${whereF};
  INSERT INTO kpi_response_facts (reported_ms, incident_id, agency_id, excluded, closed_ms, dispatched_ms, moving_ms, arrived_ms,
      category_id, flags)
    SELECT f.reported_ms, f.incident_id, d.agency_id, f.excluded, f.closed_ms, d.dispatched_ms, d.moving_ms, d.arrived_ms, f.category_id,
      (f.lead_id IS d.agency_id)
      | (CASE WHEN d.arrived_ms IS NULL AND d.confirm_only THEN 4 ELSE 0 END)
      | (${sourceCode('d.moving_source')} << 3) | (${sourceCode('d.arrived_source')} << 6)
      FROM (SELECT x.incident_id, ${nameId('agency', "COALESCE(u.agency, 'unknown')")} AS agency_id,
                   MIN(${ms('x.dispatched_at')}) AS dispatched_ms, MIN(${ms('x.moving_at')}) AS moving_ms,
                   MIN(${ms('x.arrived_at')}) AS arrived_ms, MIN(x.arrival_check = 'confirm') AS confirm_only,
                   -- the source of the agency's FIRST movement / arrival
                   (SELECT y.moving_source FROM dispatches y LEFT JOIN units v ON v.id = y.unit_id WHERE y.incident_id = x.incident_id
                      AND COALESCE(v.agency, 'unknown') = COALESCE(u.agency, 'unknown') AND y.moving_at IS NOT NULL ORDER BY y.moving_at LIMIT 1) AS moving_source,
                   (SELECT y.arrived_source FROM dispatches y LEFT JOIN units v ON v.id = y.unit_id WHERE y.incident_id = x.incident_id
                      AND COALESCE(v.agency, 'unknown') = COALESCE(u.agency, 'unknown') AND y.arrived_at IS NOT NULL ORDER BY y.arrived_at LIMIT 1) AS arrived_source
              FROM dispatches x LEFT JOIN units u ON u.id = x.unit_id
             WHERE ${whereX}
             GROUP BY x.incident_id, COALESCE(u.agency, 'unknown')) d
      JOIN kpi_incident_facts f ON f.incident_id = d.incident_id;
  -- routed but no unit dispatched: the lead agency, and agencies recorded as having no free unit (a dispatched row wins)
  INSERT OR IGNORE INTO kpi_response_facts (reported_ms, incident_id, agency_id, excluded, closed_ms, dispatched_ms, moving_ms, arrived_ms,
      category_id, flags)
    SELECT f.reported_ms, f.incident_id, a.agency_id, f.excluded, f.closed_ms, NULL, NULL, NULL, f.category_id,
      (f.lead_id IS a.agency_id) | (a.no_unit << 1)
      FROM kpi_incident_facts f
      JOIN (SELECT f.incident_id, f.lead_id AS agency_id, 0 AS no_unit FROM kpi_incident_facts f WHERE f.lead_id IS NOT NULL AND ${whereF}
            UNION ALL
            SELECT h.incident_id, ${nameId('agency', 'h.note')}, 1 FROM incident_history h JOIN kpi_incident_facts f ON f.incident_id = h.incident_id
             WHERE h.event = ${NO_UNIT} AND h.note IS NOT NULL AND ${whereF}
            ORDER BY 3 DESC) a ON a.incident_id = f.incident_id
     WHERE ${whereF};`;

const refreshResponsesV2 = (incidentId: string) => `
  DELETE FROM kpi_response_facts WHERE incident_id = ${incidentId};
  ${insertResponseFactsV2(`f.incident_id = ${incidentId}`, `x.incident_id = ${incidentId}`)}`;
const refreshIncidentV2 = (incidentId: string, insertIncidentFacts = insertIncidentFactsV2) => `
  DELETE FROM kpi_incident_facts WHERE incident_id = ${incidentId};
  ${insertIncidentFacts(`i.id = ${incidentId}`)}
  ${refreshResponsesV2(incidentId)}`;
const dayBump = (table: string, when: 'INSERT' | 'DELETE') => {
  const row = when === 'INSERT' ? 'NEW' : 'OLD';
  return `CREATE TRIGGER kpi_day_${table}_${when.toLowerCase()} AFTER ${when} ON ${table} BEGIN
    INSERT INTO kpi_day_versions (day, version) VALUES ((${row}.reported_ms + 25200000) / 86400000, 1)
      ON CONFLICT (day) DO UPDATE SET version = version + 1;
  END;`;
};

/** The triggers that keep the projection exact (their SQL maps stage sources to codes from STAGE_SOURCES): 305/307
 * with the frozen closed statuses and the V2 incident facts, 308 with digabung and the `merged` column. */
const responseFactsTriggers = (terminal: string, insertIncidentFacts: (where: string) => string) => `
    CREATE TRIGGER kpi_facts_incident_insert AFTER INSERT ON incidents BEGIN ${refreshIncidentV2('NEW.id', insertIncidentFacts)} END;
    CREATE TRIGGER kpi_facts_incident_update AFTER UPDATE ON incidents
      WHEN OLD.id IS NOT NEW.id OR OLD.seq IS NOT NEW.seq OR OLD.reported_at IS NOT NEW.reported_at OR OLD.category IS NOT NEW.category
        OR OLD.source IS NOT NEW.source OR OLD.status IS NOT NEW.status OR OLD.doc IS NOT NEW.doc
        OR (NEW.status IN ${terminal} AND OLD.updated_at IS NOT NEW.updated_at) BEGIN
      DELETE FROM kpi_incident_facts WHERE incident_id = OLD.id;
      DELETE FROM kpi_response_facts WHERE incident_id = OLD.id;
      ${refreshIncidentV2('NEW.id', insertIncidentFacts)}
    END;
    CREATE TRIGGER kpi_facts_incident_delete AFTER DELETE ON incidents BEGIN
      DELETE FROM kpi_incident_facts WHERE incident_id = OLD.id;
      DELETE FROM kpi_response_facts WHERE incident_id = OLD.id;
    END;
    CREATE TRIGGER kpi_facts_history_insert AFTER INSERT ON incident_history WHEN NEW.status IN ${terminal} BEGIN
      UPDATE kpi_incident_facts SET terminal_ms = MIN(COALESCE(terminal_ms, ${ms('NEW.at')}), ${ms('NEW.at')})
       WHERE incident_id = NEW.incident_id;
    END;
    CREATE TRIGGER kpi_facts_history_no_unit AFTER INSERT ON incident_history WHEN NEW.event = ${NO_UNIT} BEGIN
      ${refreshResponsesV2('NEW.incident_id')}
    END;
    CREATE TRIGGER kpi_facts_history_update AFTER UPDATE OF incident_id, at, status, event, note ON incident_history BEGIN
      ${refreshTerminal('OLD.incident_id', terminal)} ${refreshTerminal('NEW.incident_id', terminal)}
      ${refreshResponsesV2('OLD.incident_id')} ${refreshResponsesV2('NEW.incident_id')}
    END;
    CREATE TRIGGER kpi_facts_history_delete AFTER DELETE ON incident_history BEGIN
      ${refreshTerminal('OLD.incident_id', terminal)} ${refreshResponsesV2('OLD.incident_id')}
    END;
    CREATE TRIGGER kpi_facts_dispatch_insert AFTER INSERT ON dispatches BEGIN ${refreshResponsesV2('NEW.incident_id')} END;
    CREATE TRIGGER kpi_facts_dispatch_update AFTER UPDATE OF incident_id, unit_id, dispatched_at, moving_at, arrived_at,
        moving_source, arrived_source, arrival_check ON dispatches BEGIN
      ${refreshResponsesV2('NEW.incident_id')}
    END;
    CREATE TRIGGER kpi_facts_dispatch_moved AFTER UPDATE OF incident_id ON dispatches WHEN OLD.incident_id IS NOT NEW.incident_id BEGIN
      ${refreshResponsesV2('OLD.incident_id')}
    END;
    CREATE TRIGGER kpi_facts_dispatch_delete AFTER DELETE ON dispatches BEGIN ${refreshResponsesV2('OLD.incident_id')} END;
    CREATE TRIGGER kpi_facts_unit_agency AFTER UPDATE OF agency ON units BEGIN
      DELETE FROM kpi_response_facts WHERE incident_id IN (SELECT incident_id FROM dispatches WHERE unit_id = NEW.id);
      ${insertResponseFactsV2('f.incident_id IN (SELECT incident_id FROM dispatches WHERE unit_id = NEW.id)', 'x.incident_id IN (SELECT incident_id FROM dispatches WHERE unit_id = NEW.id)')}
    END;`;
const RESPONSE_FACTS_TRIGGERS = responseFactsTriggers(TERMINAL, insertIncidentFactsV2);
const triggerNames = (sql: string) => [...sql.matchAll(/CREATE TRIGGER (\w+)/g)].map((m) => m[1]);

kpisMigrations.push({
  id: '305-kpis-routed-responses',
  sql: `
    DROP TRIGGER IF EXISTS kpi_facts_incident_insert; DROP TRIGGER IF EXISTS kpi_facts_incident_update;
    DROP TRIGGER IF EXISTS kpi_facts_incident_delete; DROP TRIGGER IF EXISTS kpi_facts_history_insert;
    DROP TRIGGER IF EXISTS kpi_facts_history_update; DROP TRIGGER IF EXISTS kpi_facts_history_delete;
    DROP TRIGGER IF EXISTS kpi_facts_dispatch_insert; DROP TRIGGER IF EXISTS kpi_facts_dispatch_update;
    DROP TRIGGER IF EXISTS kpi_facts_dispatch_moved; DROP TRIGGER IF EXISTS kpi_facts_dispatch_delete;
    DROP TRIGGER IF EXISTS kpi_facts_unit_agency;
    DROP TABLE kpi_response_facts;
    DROP TABLE kpi_incident_facts;
    CREATE TABLE kpi_incident_facts (
      reported_ms  INTEGER NOT NULL,
      seq          INTEGER NOT NULL,
      incident_id  TEXT NOT NULL UNIQUE,
      category_id  INTEGER NOT NULL,
      source_id    INTEGER NOT NULL,
      kec_id       INTEGER,
      kel_id       INTEGER,
      prank        INTEGER NOT NULL,   -- status = iseng
      excluded     INTEGER NOT NULL,   -- status in (iseng, batal): left out of response times and hotspots
      closed_ms    INTEGER,
      terminal_ms  INTEGER,
      kec_name     TEXT,
      kec_code     TEXT,
      routed       TEXT,               -- ',damkar,polisi,' (the routing agencies in the document)
      lead_id      INTEGER,            -- the lead (first) routed agency
      PRIMARY KEY (reported_ms, seq)
    ) WITHOUT ROWID;
    CREATE INDEX kpi_incident_facts_open ON kpi_incident_facts(reported_ms) WHERE closed_ms IS NULL;
    CREATE TABLE kpi_response_facts (
      reported_ms    INTEGER NOT NULL,
      incident_id    TEXT NOT NULL,
      agency_id      INTEGER NOT NULL,
      excluded       INTEGER NOT NULL,
      closed_ms      INTEGER,
      dispatched_ms  INTEGER,          -- the agency's FIRST dispatch / movement / arrival; NULL = never (or no unit sent)
      moving_ms      INTEGER,
      arrived_ms     INTEGER,
      category_id    INTEGER NOT NULL,
      flags          INTEGER NOT NULL, -- 1 lead agency · 2 no free unit · 4 arrival not confirmable · sources << 3, << 6
      PRIMARY KEY (reported_ms, incident_id, agency_id)
    ) WITHOUT ROWID;
    CREATE INDEX kpi_response_facts_incident ON kpi_response_facts(incident_id, agency_id);

    ${RESPONSE_FACTS_TRIGGERS}
    ${dayBump('kpi_incident_facts', 'INSERT')} ${dayBump('kpi_incident_facts', 'DELETE')}
    ${dayBump('kpi_response_facts', 'INSERT')} ${dayBump('kpi_response_facts', 'DELETE')}

    ${insertIncidentFactsV2('1')}
    ${insertResponseFactsV2('1', '1')}
  `,
});

kpisMigrations.push({
  id: '306-kpis-backlog-index',
  sql: `
    -- the backlog at a past instant counts closed incidents whose first terminal transition came after it
    -- (server/kpis/query.ts openBacklog): a range of this index instead of a scan of every fact row
    CREATE INDEX kpi_incident_facts_closed_terminal ON kpi_incident_facts(terminal_ms) WHERE closed_ms IS NOT NULL;
  `,
});

kpisMigrations.push({
  id: '307-kpis-station-source',
  sql: `
    -- a new stage source ('station': left its home station's geofence): the triggers map sources to codes from
    -- STAGE_SOURCES, so they are re-created with it (no stored row can hold the new source yet: nothing to rebuild)
    ${triggerNames(RESPONSE_FACTS_TRIGGERS).map((name) => `DROP TRIGGER ${name};`).join(' ')}
    ${RESPONSE_FACTS_TRIGGERS}
  `,
});

// ---- 308: repeat calls merged (issue #17) ----
// A call merged into another incident (status digabung) is closed, left out of response times (excluded) and marked
// `merged`: the KPIs count it as a call, never as an incident (domain/kpis.ts KIND_MERGED). The incident facts gain the
// column; the triggers are re-created with digabung among the closed statuses. No stored row can be digabung before
// this migration (the status is new), so nothing needs rebuilding.
const insertIncidentFactsV3 = (where: string) => `
  INSERT OR IGNORE INTO kpi_names (kind, name)
    SELECT 'category', i.category FROM incidents i WHERE ${where}
    UNION ALL SELECT 'source', i.source FROM incidents i WHERE ${where}
    UNION ALL SELECT 'agency', ${LEAD('i')} FROM incidents i WHERE (${where}) AND ${LEAD('i')} IS NOT NULL
    UNION ALL SELECT 'kecamatan', ${KEC_NAME('i')} FROM incidents i WHERE (${where}) AND ${KEC_NAME('i')} IS NOT NULL
    UNION ALL SELECT 'kelurahan', ${KEL_NAME('i')} FROM incidents i WHERE (${where}) AND ${KEL_NAME('i')} IS NOT NULL;
  INSERT INTO kpi_incident_facts (reported_ms, seq, incident_id, category_id, source_id, kec_id, kel_id, prank, excluded,
      closed_ms, terminal_ms, kec_name, kec_code, routed, lead_id, merged)
    SELECT ${ms('i.reported_at')}, i.seq, i.id, ${nameId('category', 'i.category')}, ${nameId('source', 'i.source')},
      ${nameId('kecamatan', KEC_NAME('i'))}, ${nameId('kelurahan', KEL_NAME('i'))},
      i.status = 'iseng', i.status IN ('iseng', 'batal', 'digabung'),
      CASE WHEN i.status IN ${TERMINAL_308} THEN ${ms('i.updated_at')} END,
      (SELECT MIN(${ms('h.at')}) FROM incident_history h WHERE h.incident_id = i.id AND h.status IN ${TERMINAL_308}),
      ${KEC_NAME('i')}, ${KEC_CODE('i')},
      (SELECT ',' || group_concat(json_extract(a.value, '$.id'), ',') || ',' FROM json_each(i.doc, '$.agencies') a),
      ${nameId('agency', LEAD('i'))},
      i.status = 'digabung'
      FROM incidents i WHERE ${where};`;
const RESPONSE_FACTS_TRIGGERS_308 = responseFactsTriggers(TERMINAL_308, insertIncidentFactsV3);

kpisMigrations.push({
  id: '308-kpis-merged-calls',
  sql: `
    ALTER TABLE kpi_incident_facts ADD COLUMN merged INTEGER NOT NULL DEFAULT 0; -- status digabung: a call, not an incident
    ${triggerNames(RESPONSE_FACTS_TRIGGERS_308).map((name) => `DROP TRIGGER ${name};`).join(' ')}
    ${RESPONSE_FACTS_TRIGGERS_308}
  `,
});
