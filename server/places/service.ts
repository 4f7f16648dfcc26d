// The common-place table the centre grows (issue #14). An operator who places an incident on the map, or moves it away
// from what the geocoder answered, leaves a candidate: the text as typed, its normal form (geo placeKey), the point.
// An admin approves a group of candidates (or any place, or a GeoJSON or CSV list) into a common place; the geocoder
// gets the approved rows after every change (Geo.setCommonPlaces) and answers them first. Every change is audited.
// Candidates never approved are deleted after a while by the retention job (server/store/retention.ts).
import { DomainError, invalidField } from '../../domain/errors.ts';
import {
  newPlaceSchema, placesImportSchema, PLACE_LIMITS, type CandidateGroup, type CommonPlaceRow, type PlaceAuditAction, type PlaceAuditEntry,
} from '../../domain/places.ts';
import { circleReachesBox } from '../../geo/extent.ts';
import { placeKey, type CommonPlace, type Geo } from '../../geo/index.ts';
import { distanceM } from '../../geo/spatial.ts';
import type { Db } from '../store/db.ts';
import { readPlacesCsv, writePlacesCsv } from './csv.ts';

/** An operator's point this close to the geocoder's first answer for the same text confirms it: no candidate. */
export const CONFIRMS_M = 50;
/** "Near the city": a common place may lie this far outside the city's extent (the same reach as CAP alerts). */
export const NEAR_CITY_M = 25_000;
/** Radius of a place approved from candidates without one: their spread plus this, within the bounds below. */
const SPREAD_MARGIN_M = 25;
const APPROVED_RADIUS = { min: 50, max: 1000 };
/** The newest pending candidates the admin list reads. */
const CANDIDATE_SCAN = 20_000;
export const OPERATOR_PICKS_SOURCE = 'operator picks';

export interface Placement {
  text: string;
  lat: number;
  lon: number;
  incidentId: string | null;
  by: string;
}

type PlaceRow = { id: number; name: string; aliases: string; lat: number; lon: number; radius_m: number; source: string; created_by: string; created_at: string };
const rowOut = (r: PlaceRow): CommonPlaceRow => ({
  id: String(r.id), name: r.name, aliases: JSON.parse(r.aliases) as string[], lat: r.lat, lon: r.lon, radiusM: r.radius_m, source: r.source,
  createdBy: r.created_by, createdAt: r.created_at,
});

export type PlacesService = ReturnType<typeof createPlacesService>;

export function createPlacesService({ db, geo, now = () => new Date() }: { db: Db; geo: Geo; now?: () => Date }) {
  const box = geo.extent();
  const insertCandidate = db.prepare('INSERT INTO place_candidates (text, norm, lat, lon, incident_id, by, at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertPlace = db.prepare('INSERT INTO common_places (name, aliases, lat, lon, radius_m, source, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertAudit = db.prepare('INSERT INTO places_audit (at, by, action, place_id, detail) VALUES (?, ?, ?, ?, ?)');
  const audit = (by: string, action: PlaceAuditAction, placeId: number | null, detail: unknown) => insertAudit.run(now().toISOString(), by, action, placeId, JSON.stringify(detail));

  function list(): CommonPlaceRow[] {
    return (db.prepare('SELECT * FROM common_places ORDER BY id').all() as PlaceRow[]).map(rowOut);
  }
  /** Hands the approved rows to the geocoder (at start and after every change). */
  function refresh(): void {
    geo.setCommonPlaces(list().map((p): CommonPlace => ({ id: p.id, name: p.name, aliases: p.aliases, lat: p.lat, lon: p.lon, radiusM: p.radiusM, source: p.source })));
  }
  const isNearCity = (lat: number, lon: number) => circleReachesBox(box, [lon, lat], 0, NEAR_CITY_M);
  const FAR = `more than ${NEAR_CITY_M / 1000} km from the city`;
  function nearCity(lat: number, lon: number, field: string): void {
    if (!isNearCity(lat, lon)) throw new DomainError('invalid_field', field, `${field}: ${FAR}`);
  }

  /**
   * One import, whatever the format: the GeoJSON import's shape, checked by its one schema and the city's reach, all
   * stored or none. `blame` turns an issue (a path in that shape) into the error that names what the client sent.
   */
  function importCollection(body: unknown, by: string, blame: (issues: Array<{ path: PropertyKey[]; message: string }>) => DomainError): CommonPlaceRow[] {
    const r = placesImportSchema.safeParse(body);
    if (!r.success) throw blame(r.error.issues);
    const fc = r.data;
    fc.features.forEach((f, i) => {
      if (!isNearCity(f.geometry.coordinates[1], f.geometry.coordinates[0])) throw blame([{ path: ['features', i, 'geometry', 'coordinates'], message: FAR }]);
    });
    const at = now().toISOString();
    const ids = db.transaction(() =>
      fc.features.map((f) => {
        const [lon, lat] = f.geometry.coordinates;
        const pr = f.properties;
        const name = (pr.name ?? pr.nama)!;
        const source = pr.source ?? fc.source ?? 'import';
        const radiusM = pr.radiusM ?? 100;
        const id = Number(insertPlace.run(name, JSON.stringify(pr.aliases ?? []), lat, lon, radiusM, source, by, at).lastInsertRowid);
        audit(by, 'import', id, { name, aliases: pr.aliases ?? [], lat, lon, radiusM, source });
        return id;
      }),
    )();
    refresh();
    const mine = new Set(ids.map(String));
    return list().filter((p) => mine.has(p.id));
  }

  function candidates(): CandidateGroup[] {
    const rows = db
      .prepare('SELECT text, norm, lat, lon, incident_id, at FROM place_candidates WHERE place_id IS NULL ORDER BY id DESC LIMIT ?')
      .all(CANDIDATE_SCAN) as Array<{ text: string; norm: string; lat: number; lon: number; incident_id: string | null; at: string }>;
    const groups = new Map<string, typeof rows>();
    for (const r of rows) groups.set(r.norm, [...(groups.get(r.norm) ?? []), r]);
    return [...groups].map(([norm, rs]) => group(norm, rs)).sort((a, b) => b.count - a.count || b.lastAt.localeCompare(a.lastAt));
  }
  function group(norm: string, rs: Array<{ text: string; lat: number; lon: number; incident_id: string | null; at: string }>): CandidateGroup {
    const lat = rs.reduce((s, r) => s + r.lat, 0) / rs.length;
    const lon = rs.reduce((s, r) => s + r.lon, 0) / rs.length;
    const times = rs.map((r) => r.at).sort();
    return {
      norm, count: rs.length, texts: [...new Set(rs.map((r) => r.text))].slice(0, 5), centroid: { lat, lon },
      spreadM: Math.round(Math.max(...rs.map((r) => distanceM(lon, lat, r.lon, r.lat)))),
      incidentIds: [...new Set(rs.flatMap((r) => (r.incident_id ? [r.incident_id] : [])))], firstAt: times[0], lastAt: times[times.length - 1],
    };
  }

  return {
    list,
    refresh,
    candidates,

    /**
     * An operator placed an incident by hand: keep the typed text and the point as a candidate, unless the geocoder
     * already answers that text there (within CONFIRMS_M of its first answer). Returns whether one was kept.
     */
    notePlacement(p: Placement): boolean {
      const norm = placeKey(p.text);
      if (!norm || norm.length > PLACE_LIMITS.candidateKey || !Number.isFinite(p.lat) || !Number.isFinite(p.lon)) return false;
      const top = geo.geocode(p.text, { limit: 1 })[0];
      if (top && distanceM(top.lon, top.lat, p.lon, p.lat) <= CONFIRMS_M) return false;
      insertCandidate.run(p.text.trim().slice(0, 500), norm, p.lat, p.lon, p.incidentId, p.by, now().toISOString());
      return true;
    },

    /** POST /api/places: a new common place, from a candidate group or given in full. */
    create(body: unknown, by: string): CommonPlaceRow {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DomainError('expected_json_object', 'body', 'the body must be a JSON object');
      const r = newPlaceSchema.safeParse(body);
      if (!r.success) throw invalidField(r.error.issues);
      const p = r.data;
      const from = p.candidate
        ? (db.prepare('SELECT text, lat, lon, incident_id, at FROM place_candidates WHERE norm = ? AND place_id IS NULL').all(p.candidate) as Parameters<typeof group>[1])
        : [];
      if (p.candidate && !from.length) throw new DomainError('not_found', 'candidate', 'no pending candidates with this text');
      const g = from.length ? group(p.candidate!, from) : null;
      const lat = p.lat ?? g!.centroid.lat;
      const lon = p.lon ?? g!.centroid.lon;
      nearCity(lat, lon, 'lat');
      const radiusM = p.radiusM ?? (g ? Math.min(APPROVED_RADIUS.max, Math.max(APPROVED_RADIUS.min, g.spreadM + SPREAD_MARGIN_M)) : 100);
      const source = p.source ?? (g ? OPERATOR_PICKS_SOURCE : 'admin');
      const at = now().toISOString();
      const id = db.transaction(() => {
        const placeId = Number(insertPlace.run(p.name, JSON.stringify(p.aliases), lat, lon, radiusM, source, by, at).lastInsertRowid);
        if (g) db.prepare('UPDATE place_candidates SET place_id = ? WHERE norm = ? AND place_id IS NULL').run(placeId, p.candidate);
        audit(by, g ? 'approve' : 'create', placeId, { name: p.name, aliases: p.aliases, lat, lon, radiusM, source, ...(g ? { candidate: p.candidate, count: g.count, spreadM: g.spreadM } : {}) });
        return placeId;
      })();
      refresh();
      return rowOut(db.prepare('SELECT * FROM common_places WHERE id = ?').get(id) as PlaceRow);
    },

    /** DELETE /api/places/:id. */
    remove(idText: string, by: string): void {
      const id = /^[1-9]\d{0,15}$/.test(idText) ? Number(idText) : NaN;
      const row = Number.isSafeInteger(id) ? (db.prepare('SELECT * FROM common_places WHERE id = ?').get(id) as PlaceRow | undefined) : undefined;
      if (!row) throw new DomainError('not_found', 'id', 'no such common place');
      db.transaction(() => {
        db.prepare('DELETE FROM common_places WHERE id = ?').run(id);
        // its candidates go back to the pending list: the picks are still what operators did
        db.prepare('UPDATE place_candidates SET place_id = NULL WHERE place_id = ?').run(id);
        audit(by, 'delete', id, rowOut(row));
      })();
      refresh();
    },

    /** POST /api/places/import (JSON): a GeoJSON FeatureCollection; all or nothing. */
    importGeoJson(body: unknown, by: string): CommonPlaceRow[] {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DomainError('expected_json_object', 'body', 'the body must be a JSON object');
      return importCollection(body, by, (issues) => invalidField(issues));
    },

    /** POST /api/places/import (text/csv): the columns of csv.ts, one place a row; all or nothing. */
    importCsv(text: string, by: string): CommonPlaceRow[] {
      const sheet = readPlacesCsv(text);
      return importCollection(sheet.collection, by, sheet.blame);
    },

    /** GET /api/places.csv: every common place, re-importable as is. */
    exportCsv(): string {
      return writePlacesCsv(list());
    },

    /** GET /api/places.geojson: every common place as a Point feature, re-importable as is. */
    exportGeoJson() {
      return {
        type: 'FeatureCollection' as const,
        features: list().map((p) => ({
          type: 'Feature' as const,
          id: p.id,
          geometry: { type: 'Point' as const, coordinates: [p.lon, p.lat] },
          properties: { name: p.name, aliases: p.aliases, radiusM: p.radiusM, source: p.source, createdBy: p.createdBy, createdAt: p.createdAt },
        })),
      };
    },

    /** The audit trail, newest first. */
    audit(limit = 200): PlaceAuditEntry[] {
      const rows = db.prepare('SELECT id, at, by, action, place_id AS placeId, detail FROM places_audit ORDER BY id DESC LIMIT ?').all(limit) as Array<
        Omit<PlaceAuditEntry, 'placeId' | 'detail'> & { placeId: number | null; detail: string }
      >;
      return rows.map((r) => ({ ...r, placeId: r.placeId === null ? null : String(r.placeId), detail: JSON.parse(r.detail) as Record<string, unknown> }));
    },
  };
}
