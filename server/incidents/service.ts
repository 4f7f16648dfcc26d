// Incident service: the one place that creates and changes incidents. Every change is committed, then published.
import type { Candidate, ReverseResult } from '../../geo/types.ts';
import type { EventBus } from '../events.ts';
import { logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { transactorFor } from '../store/group-commit.ts';
import { createIncidentsRepo } from '../store/incidents-repo.ts';
import { boundedUncertainty, FUTURE_SLACK_MS } from '../../domain/ranges.ts';
import { DomainError } from '../../domain/errors.ts';
import { isClosedStatus } from '../../domain/incident.ts';
import {
  canTransition,
  OPEN_STATUSES,
  publicIncident,
  type Category,
  type HistoryEntry,
  type HistoryEvent,
  type Incident,
  type IncidentInput,
  type IntakeMessage,
  type IntakeOutcome,
  type Dedupe,
  hashBody,
  type IncidentLocation,
  type LocationInput,
  type Status,
} from './model.ts';
import { loadSiteTables, type RoutingTable } from '../site/tables.ts';
import type { RepeatCallsRule } from '../site/repeat-calls.ts';
import { findPossibleDuplicate, handsetOf } from './duplicates.ts';
import { routingFor } from './routing.ts';

const log = logger('incidents');

/** What the service needs from geo/ (pure, synchronous). */
export interface IncidentGeo {
  geocode(text: string): Candidate[];
  reverse(lat: number, lon: number): ReverseResult;
}

/** Below this geocoder confidence the incident is kept without coordinates and flagged for the operator. */
export const MIN_GEOCODE_CONFIDENCE = 0.15;

export interface IncidentPatch {
  status?: Status;
  category?: Category;
  priority?: 1 | 2 | 3;
  description?: string;
  location?: LocationInput;
}

export interface UpdateOptions {
  note?: string;
  history?: HistoryEntry[];
  dedupe?: Dedupe;
}

export function createIncidentService({ db, bus, geo, routing, repeatCalls }: {
  db: Db; bus: EventBus; geo: IncidentGeo; routing?: RoutingTable;
  /** When a new report is flagged possibleDuplicateOf an open incident (site table repeat-calls.json). */
  repeatCalls?: RepeatCallsRule;
}) {
  const repo = createIncidentsRepo(db);
  // The site's tables from start-up (server/config.ts); tests and tools that pass none get the shipped ones.
  const shipped = routing && repeatCalls ? null : loadSiteTables();
  const agenciesFor = routingFor(routing ?? shipped!.routing);
  const repeatRule = repeatCalls ?? shipped!.repeatCalls;
  // Shared with the units service on the same db: one transaction (one fsync) for what arrives in one loop turn.
  const tx = transactorFor(db);
  // listOpen() feeds every ws snapshot/resync: cached while no repo on this db has written an incident (the demo
  // history's service instance included), counted in memory by the repo.
  let openCache: { changes: unknown; list: Incident[] } | null = null;

  /** After the commit (dropped if it rolls back): tell the hub. */
  function announce(saved: Incident): void {
    tx.afterCommit(() => bus.publish('incident', publicIncident(saved)));
  }

  /** The location from the decoder's input; a stated uncertainty beyond MAX_UNCERTAINTY_M is clamped (and flagged by
   * the caller, `uncertainty_clamped`), because arrival is judged within it. */
  function resolveLocation(input: LocationInput): IncidentLocation {
    const text = input.text?.trim() ?? '';
    const stated = boundedUncertainty(input.uncertaintyM).uncertaintyM;
    const unresolved: IncidentLocation = {
      text, lat: null, lon: null, uncertaintyM: null, method: 'manual', kelurahan: null, kecamatan: null, needsLocation: true,
    };
    // an area comes with its centre point; a new point without one (an operator's correction) drops the old area
    const area = input.polygons?.length && input.lat !== undefined && input.lon !== undefined ? { polygons: input.polygons } : {};
    try {
      if (input.lat !== undefined && input.lon !== undefined) {
        const r = geo.reverse(input.lat, input.lon);
        return {
          text: text || r.label,
          lat: input.lat,
          lon: input.lon,
          uncertaintyM: stated,
          method: input.method ?? 'gps',
          kelurahan: r.kelurahan,
          kecamatan: r.kecamatan,
          street: r.street?.name ?? null,
          needsLocation: false,
          outsideCity: !r.inside,
          ...area,
        };
      }
      if (!text) return unresolved;
      const top = geo.geocode(text)[0];
      if (!top || top.confidence < MIN_GEOCODE_CONFIDENCE) return unresolved;
      const r = geo.reverse(top.lat, top.lon);
      return {
        text,
        lat: top.lat,
        lon: top.lon,
        uncertaintyM: top.uncertaintyM,
        method: 'geocoded',
        kelurahan: top.kelurahan ?? r.kelurahan,
        kecamatan: top.kecamatan ?? r.kecamatan,
        street: r.street?.name ?? null,
        confidence: top.confidence,
        needsLocation: false,
        outsideCity: !r.inside,
      };
    } catch (err) {
      // never lose a 112 call because the geocoder failed: keep it, flagged for manual placing
      log.warn('geo failed, incident kept without coordinates', { err: String(err) });
      return input.lat !== undefined && input.lon !== undefined
        ? { ...unresolved, lat: input.lat, lon: input.lon, uncertaintyM: stated, method: input.method ?? 'gps', needsLocation: false, ...area }
        : unresolved;
    }
  }

  function mustGet(id: string): Incident {
    const incident = repo.get(id);
    if (!incident) throw new DomainError('incident_not_found', 'id', 'no such incident');
    return incident;
  }

  /** Commits the change and its history entries, then tells the hub. */
  function save(incident: Incident, added: HistoryEntry[], dedupe?: Dedupe): Incident {
    return tx.transaction(() => {
      repo.update(incident, added);
      if (dedupe) repo.putRef(dedupe.kind, dedupe.ref, dedupe.bodyHash, incident.id, incident.updatedAt);
      const saved = mustGet(incident.id);
      announce(saved);
      return saved;
    });
  }

  /** The open incident a new report may be a repeat call about (server/incidents/duplicates.ts), or null. */
  function possibleDuplicateOf(created: Incident): string | null {
    const t = Date.parse(created.reportedAt);
    // candidates changed since the window opened (a stated report time may run FUTURE_SLACK_MS ahead of its storing)
    const since = new Date(t - repeatRule.windowMinutes * 60_000 - FUTURE_SLACK_MS).toISOString();
    const handset = handsetOf(created);
    const { lat, lon, uncertaintyM } = created.location;
    return findPossibleDuplicate(
      { source: created.source, sourceRef: created.sourceRef, reportedAt: created.reportedAt, lat, lon, uncertaintyM },
      {
        byHandset: handset ? repo.openOfHandset(OPEN_STATUSES, handset, since) : [],
        byCategory: lat !== null && lon !== null ? repo.openOfCategory(OPEN_STATUSES, created.category, since) : [],
      },
      repeatRule,
    );
  }

  /**
   * Merges the call `id` into the incident `intoId`, in one transaction: `id` ends as digabung (closed, out of the
   * queue, its units released, a call but not an incident in the KPIs) with mergedInto; `intoId` takes its call count
   * and its callers (those merged into it before included), and both histories say so. Open incidents flagged as
   * repeats of `id` are re-pointed at `intoId`. Refused (nothing stored): an unknown id (404, field id or into), an
   * incident into itself (409 merge_into_self), either side already merged (409 already_merged) or otherwise closed
   * (409 incident_closed), naming the field.
   */
  function merge(id: string, intoId: string, actor: string): Incident {
    return tx.transaction(() => {
      const call = mustGet(id);
      const into = repo.get(intoId);
      if (!into) throw new DomainError('incident_not_found', 'into', 'no such incident');
      if (call.id === into.id) throw new DomainError('merge_into_self', 'into', 'an incident cannot be merged into itself');
      for (const [field, inc] of [['id', call], ['into', into]] as const) {
        if (inc.status === 'digabung') {
          throw new DomainError('already_merged', field, `${inc.id} is already merged into ${inc.mergedInto}`, { mergedInto: inc.mergedInto });
        }
        if (isClosedStatus(inc.status)) throw new DomainError('incident_closed', field, `${inc.id} is ${inc.status}`, { status: inc.status });
      }
      const at = new Date().toISOString();
      save({ ...call, status: 'digabung', mergedInto: into.id, updatedAt: at }, [
        { at, status: 'digabung', event: 'merged_into', by: actor, note: `digabungkan ke ${into.id}` },
      ]);
      const callCount = into.callCount + call.callCount;
      const saved = save(
        {
          ...into,
          updatedAt: at,
          callCount,
          callers: [...into.callers, { incidentId: call.id, source: call.source, reportedAt: call.reportedAt, caller: call.caller }, ...call.callers],
          // the flag pointed at the call just merged into it: answered
          possibleDuplicateOf: into.possibleDuplicateOf === call.id ? null : into.possibleDuplicateOf,
        },
        [{ at, event: 'call_merged', by: actor, note: `${call.id} digabungkan (${callCount} panggilan)` }],
      );
      // other repeats of the merged call are now repeats of the incident that took it
      for (const other of repo.pointingAt(OPEN_STATUSES, call.id)) {
        if (other !== into.id) save({ ...mustGet(other), possibleDuplicateOf: into.id, updatedAt: at }, []);
      }
      return saved;
    });
  }

  function findExisting(dedupe: Dedupe): Incident | null {
    const ref = repo.findRef(dedupe.kind, dedupe.ref);
    if (!ref) return null;
    if (ref.bodyHash !== dedupe.bodyHash) {
      const field = dedupe.kind === 'idempotency-key' ? 'Idempotency-Key' : 'identifier';
      throw new DomainError('idempotency_key_reused', field, `${field} was already used for a different message`, { incidentId: ref.incidentId });
    }
    return mustGet(ref.incidentId);
  }

  function create(input: IncidentInput, actor: string, dedupeOrKey?: Dedupe | string, receivedAt?: string): { incident: Incident; created: boolean } {
    // An Idempotency-Key is the caller's own: scoped by who sent it, so one caller's key never finds (or names in a
    // 422) another caller's incident.
    const dedupe =
      typeof dedupeOrKey === 'string' ? { kind: 'idempotency-key', ref: `${actor}\n${dedupeOrKey}`, bodyHash: hashBody(input) } : dedupeOrKey;
    // `receivedAt` (optional): receive time for back-dated demo history (server/demo/history.ts); default now
    const now = receivedAt ? new Date(receivedAt) : new Date();
    const at = now.toISOString();
    // the dedupe lookup is inside the transaction: two identical requests in one group commit → one incident
    return tx.transaction(() => {
      if (dedupe) {
        const existing = findExisting(dedupe);
        if (existing) return { incident: existing, created: false };
      }
      const created: Incident = {
        id: repo.nextId(now),
        source: input.source,
        sourceRef: input.sourceRef ?? null,
        category: input.category,
        agencies: agenciesFor(input.category),
        priority: input.priority ?? 2,
        status: 'baru',
        reportedAt: input.reportedAt ?? at,
        updatedAt: at,
        caller: { name: input.caller?.name ?? null, phone: input.caller?.phone ?? null },
        description: input.description,
        location: resolveLocation(input.location),
        flags: [...(input.flags ?? []), ...(boundedUncertainty(input.location.uncertaintyM).clamped ? ['uncertainty_clamped'] : [])],
        possibleDuplicateOf: null,
        mergedInto: null,
        callCount: 1,
        callers: [],
        history: [{ at, status: 'baru', event: 'created', by: actor, note: `source ${input.source}` }],
      };
      if (created.location.needsLocation) created.flags.push('needs_location');
      created.possibleDuplicateOf = possibleDuplicateOf(created);
      repo.insert(created);
      if (dedupe) repo.putRef(dedupe.kind, dedupe.ref, dedupe.bodyHash, created.id, at);
      const saved = mustGet(created.id);
      announce(saved);
      return { incident: saved, created: true };
    });
  }

  /** The one place an intake message becomes a change: dedupe, then create, or update/cancel what its refs name. */
  function apply(msg: IntakeMessage, actor: string): IntakeOutcome {
    if (msg.kind === 'ignore') {
      tx.transaction(() => repo.logIgnored({ at: new Date().toISOString(), source: msg.source, ref: msg.ref, action: msg.action, summary: msg.summary.slice(0, 500), by: actor }));
      return { action: 'ignored', detail: msg.action, incident: null };
    }
    if (msg.kind === 'create') {
      const { incident, created } = create(msg.input, actor, msg.dedupe);
      return { action: created ? 'created' : 'duplicate', incident };
    }
    return tx.transaction((): IntakeOutcome => {
      const seen = findExisting(msg.dedupe);
      if (seen) return { action: 'duplicate', incident: seen };
      const target = msg.refs.map((k) => service.findByRef(msg.refKind, k)).find((i) => i !== null) ?? null;
      const by = `${actor} (${msg.origin})`;
      const at = new Date().toISOString();
      if (msg.kind === 'cancel') {
        if (!target) throw new DomainError('unknown_reference', msg.refField, `${msg.refField}: no message we know of`);
        const cancellable = canTransition(target.status, 'batal');
        const incident = service.update(target.id, cancellable ? { status: 'batal' } : {}, by, {
          note: msg.note,
          history: cancellable ? [] : [{ at, event: 'cap_cancel', by, note: `not cancelled: status ${target.status}` }],
          dedupe: msg.dedupe,
        });
        return { action: cancellable ? 'cancelled' : 'cancel_noted', incident };
      }
      if (target) {
        const { input } = msg;
        const incident = service.update(
          target.id,
          {
            category: input.category,
            priority: input.priority,
            description: input.description,
            // an update without geometry keeps the place the incident already has
            ...(input.location.lat !== undefined || target.location.lat === null ? { location: input.location } : {}),
          },
          by,
          { history: [{ at, event: 'cap_update', by, note: msg.note }], dedupe: msg.dedupe },
        );
        return { action: 'updated', incident };
      }
      // an update whose original we never received still carries a full message: keep it rather than lose it
      const input = { ...msg.input, flags: [...(msg.input.flags ?? []), `${msg.refKind}_update_of_unknown_alert`] };
      const { incident, created } = create(input, by, msg.dedupe);
      return { action: created ? 'created' : 'duplicate', incident };
    });
  }

  const service = {
    /** An intake message (from any decoder) through the group commit; resolves after the COMMIT. */
    applyQueued(msg: IntakeMessage, actor: string): Promise<IntakeOutcome> {
      return tx.enqueue(() => apply(msg, actor));
    },
    /** apply() committed at once (tools, tests, the demo). */
    apply,
    /** Newest first: valid messages that were kept out of the live queue, and why. */
    intakeLog: (limit = 200) => repo.intakeLog(limit),

    /**
     * Validated input → stored Incident. With a dedupe key (string = an Idempotency-Key), a repeat returns the
     * original with created=false. Synchronous: the commit has happened when this returns (unless called inside an
     * enclosing transaction, e.g. queued(); then the hub hears of it after that one commits).
     */
    create(input: IncidentInput, actor: string, dedupeOrKey?: Dedupe | string, receivedAt?: string): { incident: Incident; created: boolean } {
      return create(input, actor, dedupeOrKey, receivedAt);
    },

    /**
     * create() through the group commit: shares one transaction with whatever else arrives in this event-loop turn;
     * resolves after that COMMIT (so the 2xx may be sent), rejects alone if this item fails (DomainError → 4xx).
     */
    createQueued(input: IncidentInput, actor: string, dedupeOrKey?: Dedupe | string): Promise<{ incident: Incident; created: boolean }> {
      return tx.enqueue(() => create(input, actor, dedupeOrKey));
    },

    /** Any composite of this service's writes (e.g. a CAP Update/Cancel) as one item of the group commit. */
    queued<T>(fn: () => T): Promise<T> {
      return tx.enqueue(fn);
    },

    /** The incident a source message (kind 'cap': "sender,identifier") created or changed, if any. */
    findByRef(kind: string, ref: string): Incident | null {
      const found = repo.findRef(kind, ref);
      return found ? repo.get(found.incidentId) : null;
    },
    get(id: string): Incident | null {
      return repo.get(id);
    },
    /** The incident, or DomainError incident_not_found naming the field 'id'. */
    mustGet,

    list(filter: { status?: Status | Status[]; since?: string; open?: boolean; limit?: number } = {}): Incident[] {
      const status = filter.open ? [...OPEN_STATUSES] : filter.status === undefined ? undefined : [filter.status].flat();
      return repo.list({ status, since: filter.since, limit: filter.limit });
    },

    /** Open incidents, public (caller masked): for the ws snapshot. Cached until the next committed change. */
    listOpen(): Incident[] {
      const changes = repo.writeCount();
      if (openCache && openCache.changes === changes && !db.inTransaction) return openCache.list;
      const list = repo.list({ status: [...OPEN_STATUSES], limit: 10_000 }).map((i) => publicIncident(i));
      // never cache what an open transaction might still roll back
      openCache = db.inTransaction ? null : { changes, list };
      return list;
    },

    /** transition() through the group commit (resolves after the COMMIT; 404/409 reject this item only). */
    transitionQueued(id: string, status: Status, actor: string, note?: string): Promise<Incident> {
      return tx.enqueue(() => service.transition(id, status, actor, note));
    },

    /** Merges the repeat call `id` into `into` (see merge above); committed at once. */
    merge,
    /** merge() through the group commit (resolves after the COMMIT; 404/409 reject this item only, nothing stored). */
    mergeQueued(id: string, into: string, actor: string): Promise<Incident> {
      return tx.enqueue(() => merge(id, into, actor));
    },

    /** update() through the group commit. */
    updateQueued(id: string, patch: IncidentPatch, actor: string, opts: UpdateOptions = {}): Promise<Incident> {
      return tx.enqueue(() => service.update(id, patch, actor, opts));
    },

    /**
     * Status change with a time-stamped history entry. Same status again = no-op (so a second unit's dispatch or
     * arrival needs no special case); a transition the rules forbid → DomainError invalid_transition naming it.
     */
    transition(id: string, status: Status, actor: string, note?: string, at?: string): Incident {
      const incident = mustGet(id);
      if (incident.status === status) return incident;
      if (!canTransition(incident.status, status)) {
        throw new DomainError('invalid_transition', 'status', `${incident.status} cannot become ${status}`, { from: incident.status, to: status });
      }
      const entry: HistoryEntry = { at: at ?? new Date().toISOString(), status, by: actor, ...(note ? { note } : {}) };
      return save({ ...incident, status, updatedAt: entry.at }, [entry]);
    },

    /** A time-stamped event without a status change (unit moving, CAP update, note…). */
    addEvent(id: string, e: { event: HistoryEvent; by: string; note?: string; at?: string }): Incident {
      const incident = mustGet(id);
      const entry: HistoryEntry = { at: e.at ?? new Date().toISOString(), event: e.event, by: e.by, ...(e.note ? { note: e.note } : {}) };
      return save({ ...incident, updatedAt: entry.at }, [entry]);
    },

    /**
     * Operator (or CAP Update/Cancel) edits in one commit: status (rules checked), category (re-routes agencies),
     * priority, description, location (geocoded again). `dedupe` records the source message in the same commit.
     */
    update(
      id: string,
      patch: IncidentPatch,
      actor: string,
      opts: UpdateOptions = {},
    ): Incident {
      const incident = mustGet(id);
      const now = new Date().toISOString();
      const next: Incident = { ...incident, updatedAt: now };
      const entries: HistoryEntry[] = [];
      if (patch.status && patch.status !== incident.status) {
        if (!canTransition(incident.status, patch.status)) {
          throw new DomainError('invalid_transition', 'status', `${incident.status} cannot become ${patch.status}`, { from: incident.status, to: patch.status });
        }
        next.status = patch.status;
        entries.push({ at: now, status: patch.status, by: actor, ...(opts.note ? { note: opts.note } : {}) });
      }
      const changed: string[] = [];
      if (patch.category && patch.category !== incident.category) {
        next.category = patch.category;
        next.agencies = agenciesFor(patch.category);
        changed.push('category');
      }
      if (patch.priority && patch.priority !== incident.priority) {
        next.priority = patch.priority;
        changed.push('priority');
      }
      if (patch.description !== undefined && patch.description !== incident.description) {
        next.description = patch.description;
        changed.push('description');
      }
      if (patch.location) {
        next.location = resolveLocation(patch.location);
        next.flags = incident.flags.filter((f) => f !== 'needs_location' && f !== 'uncertainty_clamped');
        if (next.location.needsLocation) next.flags.push('needs_location');
        if (boundedUncertainty(patch.location.uncertaintyM).clamped) next.flags.push('uncertainty_clamped');
        changed.push('location');
      }
      if (changed.length) entries.push({ at: now, event: 'edited', by: actor, note: changed.join(',') });
      // a note with nothing else is an event of its own ("caller called again")
      if (opts.note && entries.length === 0) entries.push({ at: now, event: 'note', by: actor, note: opts.note });
      entries.push(...(opts.history ?? []));
      if (entries.length === 0 && !opts.dedupe) return incident;
      return save(next, entries, opts.dedupe);
    },
  };
  return service;
}
export type IncidentService = ReturnType<typeof createIncidentService>;
