// Group commit of incident intake (server/store/group-commit.ts) on a real SQLite file: what is queued in one
// event-loop turn is committed together, published only after that commit, de-duplicated within the batch, and a
// failing item fails alone with nothing of it stored. Plus the cached/aggregated listOpen() and list().
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentInput } from '../../server/incidents/model.ts';
import { EventBus } from '../../server/events.ts';
import { hashBody } from '../../server/incidents/model.ts';
import { createIncidentService } from '../../server/incidents/service.ts';
import { fixture, gazetteer, startIncidents, type IncidentsStack } from './incidents-harness.ts';

let s: IncidentsStack;
let reader: Database.Database; // a second connection: sees only what is committed
beforeAll(async () => {
  s = await startIncidents({ intakeRatePerS: 0 });
  reader = new Database(path.join(s.dir, 'siaga.sqlite'), { readonly: true });
});
afterAll(async () => {
  reader?.close();
  await s?.close();
});

const kel = gazetteer.kelurahan[1];
let n = 0;
const input = (extra: Partial<IncidentInput> = {}): IncidentInput => ({
  source: 'api',
  category: 'banjir',
  description: `genangan ${++n} ${Math.random().toString(36).slice(2)}`,
  location: { text: `Kelurahan ${kel.nama}` },
  ...extra,
});
const committedIds = () => new Set(reader.prepare('SELECT id FROM incidents').pluck().all() as string[]);
const committedByDescription = (d: string) =>
  reader.prepare(`SELECT COUNT(*) FROM incidents WHERE json_extract(doc, '$.description') = ?`).pluck().get(d) as number;

describe('group commit', () => {
  it('creates queued in one turn share ONE commit, each published only after it', async () => {
    const seenAtPublish: Array<{ id: string; committed: Set<string> }> = [];
    const off = s.bus.subscribe('incident', (e: any) => seenAtPublish.push({ id: e.id, committed: committedIds() }));
    const pending = [s.service.createQueued(input(), 'op'), s.service.createQueued(input(), 'op'), s.service.createQueued(input(), 'op')];
    const before = committedIds();
    const results = await Promise.all(pending);
    off();
    const ids = results.map((r) => r.incident.id);
    expect(results.every((r) => r.created)).toBe(true);
    for (const id of ids) expect(before.has(id)).toBe(false); // nothing committed synchronously
    expect(seenAtPublish.map((p) => p.id)).toEqual(ids);
    // at the FIRST publish all three were already committed: one transaction, published after its commit
    for (const id of ids) expect(seenAtPublish[0].committed.has(id)).toBe(true);
  });

  it('two identical Idempotency-Key requests in one batch give one incident; a reused key with another body → 422', async () => {
    const a = input();
    const countBefore = s.count();
    const [first, second, other] = await Promise.allSettled([
      s.service.createQueued(a, 'op', 'gc-key-1'),
      s.service.createQueued({ ...a }, 'op', 'gc-key-1'),
      s.service.createQueued(input(), 'op', 'gc-key-1'),
    ]);
    expect(first.status === 'fulfilled' && first.value.created).toBe(true);
    expect(second.status === 'fulfilled' && !second.value.created).toBe(true);
    if (first.status !== 'fulfilled' || second.status !== 'fulfilled') throw new Error('unreachable');
    expect(second.value.incident.id).toBe(first.value.incident.id);
    expect(other.status).toBe('rejected');
    expect(other.status === 'rejected' && other.reason).toMatchObject({ code: 'idempotency_key_reused', field: 'Idempotency-Key' });
    expect(s.count()).toBe(countBefore + 1);
  });

  it('two identical CAP (sender, identifier) in one batch give one incident', async () => {
    const a = input({ source: 'cap', sourceRef: 'gc@example.org,GC-1' });
    const dedupe = { kind: 'cap', ref: 'gc@example.org,GC-1', bodyHash: hashBody({ alert: 'GC-1' }) };
    const [x, y] = await Promise.all([s.service.createQueued(a, 'feed', dedupe), s.service.createQueued(a, 'feed', { ...dedupe })]);
    expect([x.created, y.created]).toEqual([true, false]);
    expect(y.incident.id).toBe(x.incident.id);
    expect(committedByDescription(a.description)).toBe(1);
  });

  it('a failing item fails alone: nothing of it stored or published, the rest of the batch committed', async () => {
    const doomed = input();
    const fine = input();
    const published: string[] = [];
    const off = s.bus.subscribe('incident', (e: any) => published.push(e.description));
    const [bad, good, missing] = await Promise.allSettled([
      // writes an incident, then fails: its savepoint must roll the write back
      s.service.queued(() => {
        s.service.create(doomed, 'op');
        s.service.listOpen(); // would cache the uncommitted incident if the cache ignored open transactions
        throw new Error('boom');
      }),
      s.service.createQueued(fine, 'op'),
      s.service.transitionQueued('INC-000000-99999', 'selesai', 'op'),
    ]);
    off();
    expect(bad.status === 'rejected' && String(bad.reason)).toContain('boom');
    expect(good.status).toBe('fulfilled');
    expect(missing.status === 'rejected' && missing.reason).toMatchObject({ code: 'incident_not_found', field: 'id' });
    expect(committedByDescription(doomed.description)).toBe(0);
    expect(committedByDescription(fine.description)).toBe(1);
    expect(published).toEqual([fine.description]);
    expect(s.service.listOpen().some((i) => i.description === doomed.description)).toBe(false);
  });

  it('over HTTP: concurrent POSTs with one Idempotency-Key → one 201, the rest 200 with the same id', async () => {
    const countBefore = s.count();
    const body = { category: 'kebakaran', description: `gudang terbakar ${Math.random()}`, location: { text: `Kelurahan ${kel.nama}` } };
    const rs = await Promise.all(
      Array.from({ length: 8 }, () => s.call('POST', '/api/incidents', 'operator', body, { 'Idempotency-Key': 'gc-http-1' })),
    );
    expect(rs.filter((r) => r.status === 201)).toHaveLength(1);
    expect(rs.filter((r) => r.status === 200)).toHaveLength(7);
    expect(new Set(rs.map((r) => r.body.id)).size).toBe(1);
    expect(s.count()).toBe(countBefore + 1);
  });

  it('over HTTP: concurrent identical CAP alerts → one incident', async () => {
    // OASIS example 2 with its 2003 expiry moved to tomorrow and its area moved from California to a real point of the
    // city (a kelurahan centroid): an expired or out-of-area alert goes to the log, not the queue
    const [lon, lat] = gazetteer.kelurahan[0].centroid as [number, number];
    const xml = fixture('cap/oasis-example2.xml')
      .replace(/<expires>[^<]*<\/expires>/, `<expires>${new Date(Date.now() + 86_400_000).toISOString()}</expires>`)
      .replace(/<polygon>[^<]*<\/polygon>/, `<circle>${lat},${lon} 1</circle>`);
    const countBefore = s.count();
    const rs = await Promise.all(
      Array.from({ length: 5 }, () => s.call('POST', '/api/intake/cap', 'integration', xml, { 'content-type': 'application/xml' })),
    );
    expect(rs.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(rs.map((r) => r.body.incident.id)).size).toBe(1);
    expect(s.count()).toBe(countBefore + 1);
  });
});

describe('listOpen() / list()', () => {
  it('list() returns each incident with its full history in order, as get() does', async () => {
    const { incident } = await s.service.createQueued(input(), 'op');
    s.service.transition(incident.id, 'diverifikasi', 'op');
    s.service.addEvent(incident.id, { event: 'note', by: 'op', note: 'penelepon menelepon lagi' });
    await s.service.transitionQueued(incident.id, 'didisposisikan', 'op', 'DMK-01');
    const listed = s.service.list({ limit: 5000 }).find((i) => i.id === incident.id);
    expect(listed).toEqual(s.service.get(incident.id));
    expect(listed!.history.map((h) => h.status ?? h.event)).toEqual(['baru', 'diverifikasi', 'note', 'didisposisikan']);
  });

  it('listOpen() follows every committed change (cache dropped on commit)', async () => {
    const { incident } = await s.service.createQueued(input({ caller: { name: 'Siti Aminah', phone: '081211112222' } }), 'op');
    const open = s.service.listOpen().find((i) => i.id === incident.id);
    expect(open?.caller.name).not.toBe('Siti Aminah'); // masked for the wall
    expect(open?.status).toBe('baru');
    await s.service.transitionQueued(incident.id, 'diverifikasi', 'op');
    expect(s.service.listOpen().find((i) => i.id === incident.id)?.status).toBe('diverifikasi');
    s.service.transition(incident.id, 'batal', 'op');
    expect(s.service.listOpen().some((i) => i.id === incident.id)).toBe(false);
  });

  it('listOpen() also sees writes made on the same db by another service instance (demo history does that)', () => {
    expect(s.service.listOpen().length).toBeGreaterThan(0); // cached now
    const other = createIncidentService({ db: s.db, bus: new EventBus(), geo: s.geo });
    const { incident } = other.create(input(), 'history');
    expect(s.service.listOpen().some((i) => i.id === incident.id)).toBe(true);
  });
});
