// Selected incident: detail card (category, agencies, status timeline, area, masked caller) and its cameras in
// the tile strip (top 4 from /api/incidents/:id/cameras, after any cameras the operator pinned). For an operator, one
// control sends all of the incident's tiles back to the same instant (reportedAt − 60 s) and plays them in step
// (wall/video/sync.ts); "kembali ke live" brings them all back.
import { camerasFor } from '../../geo/coverage.ts';
import { api } from '../state/api.ts';
import type { WallContext } from '../state/context.ts';
import { clear, h } from '../ui/dom.ts';
import { areaName, maskCaller, reportedMs } from '../state/model.ts';
import type { CameraView as Camera, IncidentCamera } from '../../domain/camera.ts';
import type { HistoryEntry, Incident } from '../../domain/incident.ts';
import { fmtTime, onLangChange, t, term, tf } from '../i18n/index.ts';
import type { TileEntry, TileStrip } from '../video/strip.ts';
import type { ListOf } from '../../domain/messages.ts';
import { NO_UNIT_EVENT } from '../../domain/dispatch.ts';
import { canOperate } from '../app/session.ts';
import { SyncGroup } from '../video/sync.ts';
import { BEFORE_REPORT_MS } from '../video/timeline.ts';

const TIMELINE_ROWS = 12;

export interface DetailPanel {
  /** A camera clicked on the map: put it in the first slot (or highlight it if already shown). */
  showCamera(c: Camera): void;
  refreshTiles(): void;
}

/** Server-written notes of known events are machine text in one language: the wall says them in its own words
 * (the unit's callsign is the note's first word); operator notes and CAP identifiers are shown as written. */
/** Events whose note the server writes for itself (in Indonesian, or a code): shown through labels, not as text. */
const MACHINE_NOTES = new Set<string>(['created', 'edited', 'unit_dispatched', 'unit_moving', 'unit_on_scene', 'unit_cleared', NO_UNIT_EVENT]);
function timelineText(e: HistoryEntry, i: Incident): Array<string | Node> {
  const parts: string[] = [];
  if (e.status) parts.push(term('status', e.status));
  if (e.event && !(e.status && e.event === 'created')) parts.push(term('event', e.event));
  if (e.event === 'created' && i.source) parts.push(`${t('source')}: ${term('source', i.source)}`);
  const out: Array<string | Node> = [parts.join(' · ')];
  // the callsign is a name (data, not UI text): as written, in either language
  if (e.event?.startsWith('unit_') && e.note) out.push(' · ', h('span.free-text', null, e.note.split(' ')[0]));
  if (e.event === NO_UNIT_EVENT && e.note) out.push(' · ', term('agency', e.note));
  if (e.note && !MACHINE_NOTES.has(e.event ?? '')) out.push(' — ', h('span.free-text', null, e.note));
  return out;
}

export function mountDetail(root: HTMLElement, ctx: WallContext, strip: TileStrip, pinned: () => string[]): DetailPanel {
  const card = h('section.detail', { hidden: true });
  root.append(card);
  let incidentCams: IncidentCamera[] = [];
  let focusCamera: Camera | null = null;
  let loadToken = 0;
  let group: SyncGroup | null = null;
  const rewindBox = h('div.rewind-all');
  let rewindTimer: ReturnType<typeof setInterval> | undefined;

  const tileEntries = (): TileEntry[] => {
    const cams = ctx.store.cameras;
    const out: TileEntry[] = [];
    const seen = new Set<string>();
    const add = (c: Camera | undefined, info: TileEntry['info']) => {
      if (!c || seen.has(c.id)) return;
      seen.add(c.id);
      out.push({ camera: c, info });
    };
    if (focusCamera) add(cams.get(focusCamera.id) ?? focusCamera, {});
    const selected = ctx.store.selectedId ? ctx.store.incidents.get(ctx.store.selectedId) : undefined;
    const reported = selected ? reportedMs(selected) : undefined;
    for (const ic of incidentCams) {
      add(cams.get(ic.cameraId) ?? ic.camera, { distanceM: ic.distanceM, inView: ic.inView, pinned: pinned().includes(ic.cameraId), reportedMs: reported });
    }
    // follow the responding units: the next camera on each one's route plays, so the wall sees it coming
    for (const r of ctx.store.routes.values()) {
      const next = r.incidentId === ctx.store.selectedId ? r.cameras[0] : undefined;
      if (next) add(cams.get(next.cameraId), { ahead: { callsign: ctx.store.units.get(r.unitId)?.callsign ?? r.unitId, etaS: next.etaS }, reportedMs: reported });
    }
    for (const id of pinned()) add(cams.get(id), { pinned: true });
    return out;
  };
  const refreshTiles = () => {
    strip.show(tileEntries());
    renderRewind();
  };

  /** The incident's own camera tiles (not pinned or clicked ones) that can play recordings. */
  const incidentTiles = () => {
    const ids = new Set(incidentCams.map((c) => c.cameraId));
    return strip.tiles.filter((tile) => !tile.el.hidden && tile.camera && ids.has(tile.camera.id) && tile.timeline.canRewind);
  };
  const startRewind = () => {
    const i = ctx.store.selectedId ? ctx.store.incidents.get(ctx.store.selectedId) : undefined;
    if (!i) return;
    group?.stop();
    const g = new SyncGroup(incidentTiles(), () => renderRewind());
    group = g;
    void g.moveTo(reportedMs(i) - BEFORE_REPORT_MS);
    renderRewind();
  };
  const stopRewind = () => {
    group?.stop();
    group = null;
    renderRewind();
  };
  /** The control: "replay all" while live; the group's time and "all back to live" while in the past. */
  const rewindStart = h('button.rewind-start', { type: 'button', onclick: () => startRewind() });
  const rewindTime = h('span.rewind-time');
  const rewindCount = h('span.rewind-count');
  const rewindLive = h('button.rewind-live', { type: 'button', onclick: () => stopRewind() });
  rewindBox.append(rewindStart, rewindTime, rewindCount, rewindLive);
  const renderRewind = () => {
    const i = ctx.store.selectedId ? ctx.store.incidents.get(ctx.store.selectedId) : undefined;
    if (group?.isStopped) group = null;
    const active = group !== null;
    if (active && !rewindTimer) rewindTimer = setInterval(() => renderRewind(), 500);
    if (!active && rewindTimer) {
      clearInterval(rewindTimer);
      rewindTimer = undefined;
    }
    rewindBox.hidden = !i || !canOperate(ctx.role) || (!active && incidentTiles().length === 0);
    rewindBox.dataset.state = active ? 'past' : 'live';
    rewindStart.hidden = active;
    rewindTime.hidden = rewindCount.hidden = rewindLive.hidden = !active;
    rewindStart.textContent = `◀◀ ${t('rewindAll')}`;
    rewindStart.title = t('rewindAllHint');
    rewindLive.textContent = `▶ ${t('backToLiveAll')}`;
    if (group) {
      rewindTime.textContent = `◀◀ ${fmtTime(group.masterMs())} WIB`;
      rewindCount.textContent = tf('rewindSynced', { n: group.size });
    }
  };

  /** The server's ranking, computed here from the /ws camera list (same geo code): tiles start on the click. */
  const localCameras = (i: Incident | undefined): IncidentCamera[] => {
    const lat = i?.location.lat;
    const lon = i?.location.lon;
    if (lat == null || lon == null) return [];
    const cams = ctx.store.cameras;
    return camerasFor({ lat, lon }, i?.location.uncertaintyM ?? 0, [...cams.values()], { limit: 4 }).map((c) => ({ ...c, camera: cams.get(c.cameraId) }));
  };

  const paintCard = (i: Incident | undefined) => {
    clear(card);
    card.hidden = !i;
    if (!i) return;
    const history = (i.history ?? []).slice(-TIMELINE_ROWS).reverse();
    const parts: Array<Node | null> = [
      h('button.close', { onclick: () => ctx.selectIncident(null), title: t('close') }, '×'),
      h('h2', null, term('category', i.category), h('span.prio', null, ` P${i.priority ?? '?'}`)),
      h('div.status-pill', { dataset: { status: i.status } }, term('status', i.status)),
      h(
        'dl',
        null,
        h('dt', null, t('location')),
        h('dd.loc.free-text', null, i.location.text ?? '—'),
        h('dt', null, t('kelurahan')),
        h('dd.free-text', null, areaName(i.location.kelurahan)),
        h('dt', null, t('kecamatan')),
        h('dd.free-text', null, areaName(i.location.kecamatan)),
        h('dt', null, t('agencies')),
        h('dd', null, i.agencies.map((a) => term('agency', a.id)).join(', ') || '—'),
        h('dt', null, t('caller')),
        h('dd.free-text', null, maskCaller(i.caller)),
        h('dt', null, t('reported')),
        h('dd', null, fmtTime(reportedMs(i), true)),
      ),
      i.description ? h('p.desc.free-text', null, i.description) : null,
      h('h3', null, t('timeline')),
      h(
        'ol.timeline',
        null,
        ...history.map((e) => h('li', null, h('span.time', null, fmtTime(e.at)), ' ', ...timelineText(e, i))),
      ),
      h('h3', null, t('camerasForIncident')),
      incidentCams.length ? null : h('p.muted', null, t('noCameras')),
      rewindBox,
    ];
    card.append(...parts.filter((p): p is Node => p !== null));
    renderRewind();
  };

  const load = async (id: string | null) => {
    const token = ++loadToken;
    focusCamera = null;
    if (group) stopRewind(); // another incident (or none): its tiles go back to live
    if (!id) {
      incidentCams = [];
      paintCard(undefined);
      refreshTiles();
      return;
    }
    // Start the tiles now from the local ranking; the server's answer below only re-points tiles that differ.
    incidentCams = localCameras(ctx.store.incidents.get(id));
    paintCard(ctx.store.incidents.get(id));
    refreshTiles();
    try {
      const [inc, cams] = await Promise.all([
        api<Incident>(`/api/incidents/${encodeURIComponent(id)}`).catch(() => ctx.store.incidents.get(id)),
        api<ListOf<IncidentCamera>>(`/api/incidents/${encodeURIComponent(id)}/cameras`).catch(() => null),
      ]);
      if (token !== loadToken) return;
      incidentCams = (cams?.items ?? []).slice(0, 4);
      if (inc) ctx.store.upsertIncident(inc);
      paintCard(ctx.store.incidents.get(id) ?? inc);
      refreshTiles();
      renderRewind();
    } catch {
      /* keep what we have; the banner shows if the server is away */
    }
  };

  let aheadSig = '';
  ctx.store.on((what) => {
    if (what === 'select') void load(ctx.store.selectedId);
    if (what === 'routes') {
      // re-point tiles only when the camera ahead of a unit changed, not at every refreshed route
      const sig = [...ctx.store.routes.values()].filter((r) => r.incidentId === ctx.store.selectedId).map((r) => `${r.unitId}:${r.cameras[0]?.cameraId}`).join();
      if (sig !== aheadSig) {
        aheadSig = sig;
        refreshTiles();
      }
    }
    if (what === 'cameras') strip.updateHealth(ctx.store.cameras);
  });
  let lastPainted = '';
  ctx.store.on((what) => {
    if (what !== 'incidents' || !ctx.store.selectedId) return;
    const i = ctx.store.incidents.get(ctx.store.selectedId);
    const sig = i ? `${i.status}:${i.history?.length}` : '';
    if (sig !== lastPainted) {
      lastPainted = sig;
      paintCard(i);
    }
  });
  onLangChange(() => paintCard(ctx.store.selectedId ? ctx.store.incidents.get(ctx.store.selectedId) : undefined));

  return {
    showCamera(c) {
      if (!strip.tiles.some((tile) => tile.camera?.id === c.id)) {
        focusCamera = c;
        refreshTiles();
      }
      strip.focus(c.id);
    },
    refreshTiles,
  };
}
