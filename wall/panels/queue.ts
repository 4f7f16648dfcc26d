// The console's queue: every open incident, by priority and then the longest wait first, each with a live "waiting"
// timer from its report, the agencies it was routed to and the units sent. An incident still without a unit turns
// amber, then red, as its wait passes the centre's dispatch targets (sla.json `dispatch`, GET /api/sla); once a unit
// is sent its timer stops at the time it took. A new incident arriving over /ws chimes (WebAudio, mutable, the choice
// remembered). A click selects, as the map does. Bounded DOM: the timers tick in place once a second, rows are
// rebuilt only when incidents, the selection or the units' assignments change.
import type { DispatchTargets } from '../../domain/dispatch.ts';
import type { SiteSla } from '../../domain/kpis.ts';
import type { Incident } from '../../domain/incident.ts';
import type { PublicUnit } from '../../domain/unit.ts';
import { onLangChange, t, term, tf } from '../i18n/index.ts';
import { api } from '../state/api.ts';
import type { WallContext } from '../state/context.ts';
import { areaName, isClosed, reportedMs, unitsByIncident, waitEndMs } from '../state/model.ts';
import { categoryColour } from '../ui/categories.ts';
import { armChime, chime } from '../ui/chime.ts';
import { clear, h } from '../ui/dom.ts';

const ROWS = 40;
const MUTE_KEY = 'siaga.queueMuted';
/** A row that arrived this recently is drawn as new. */
const FRESH_MS = 15_000;
const TARGETS_RETRY_MS = 30_000;

export interface QueuePanel {
  el: HTMLElement;
  /** Select the next (1) or previous (-1) incident in queue order; the first one when none of them is selected. */
  move(step: 1 | -1): void;
  toggleMute(): void;
  /** An incident this console created itself: it joins the queue without a chime. */
  own(id: string): void;
}

export type WaitState = 'ok' | 'amber' | 'red' | 'assigned';

/** Open incidents in queue order: priority 1 first, then the one reported earliest (it has waited longest). */
export function queueOrder(incidents: Iterable<Incident>): Incident[] {
  return [...incidents].filter((i) => !isClosed(i)).sort((a, b) => a.priority - b.priority || reportedMs(a) - reportedMs(b) || a.id.localeCompare(b.id));
}

export function waitState(waitS: number, assigned: boolean, targets: DispatchTargets | null): WaitState {
  if (assigned) return 'assigned';
  if (!targets) return 'ok';
  return waitS >= targets.redS ? 'red' : waitS >= targets.amberS ? 'amber' : 'ok';
}

/** 0:42, 12:05, 1:02:09. */
export function fmtWait(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  const hours = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return hours ? `${hours}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** "Damkar" from "Damkar (Pemadam Kebakaran)", "PSC 119" from "PSC 119 / Ambulans": the row has little room. */
export function agencyShort(id: string): string {
  return term('agency', id).split(/ \(| \//)[0];
}

interface Row {
  el: HTMLElement;
  wait: HTMLElement;
  startMs: number;
  endMs: number | null;
}

export function mountQueue(ctx: WallContext): QueuePanel {
  const store = ctx.store;
  let muted = localStorage.getItem(MUTE_KEY) === '1';
  let targets: DispatchTargets | null = null;
  let chimes = 0;
  const known = new Set<string>();
  /** Ids this console created, with when: pruned after a minute (by then its own /ws delta has come). */
  const owned = new Map<string, number>();
  let scrolledFor: string | null = null;
  let order: Incident[] = [];
  let rows: Row[] = [];
  let unitsSig = '';

  const heading = h('h2');
  const muteBtn = h('button.queue-mute', { type: 'button', onclick: () => toggleMute() });
  const list = h('ol.queue-list', { role: 'listbox' });
  const more = h('p.queue-more.muted');
  const el = h('section.queue', { dataset: { chimes: '0' } }, h('div.queue-head', null, heading, muteBtn), list, more);
  armChime();

  const loadTargets = async () => {
    try {
      targets = (await api<SiteSla>('/api/sla')).dispatch;
      paint();
    } catch {
      setTimeout(() => void loadTargets(), TARGETS_RETRY_MS);
    }
  };

  function toggleMute(): void {
    muted = !muted;
    localStorage.setItem(MUTE_KEY, muted ? '1' : '0');
    paintHead();
  }

  const paintHead = () => {
    heading.textContent = `${t('queue')} (${order.length})`;
    muteBtn.textContent = muted ? t('soundOff') : t('soundOn');
    muteBtn.title = `${t('soundHint')} (M)`;
    muteBtn.setAttribute('aria-pressed', String(!muted));
    el.dataset.muted = muted ? '1' : '0';
  };

  /** New arrivals over /ws (not the snapshot, not this console's own) chime once, whatever their number. */
  const announce = (open: Incident[]) => {
    let fresh = false;
    const openIds = new Set(open.map((i) => i.id));
    for (const id of known) if (!openIds.has(id)) known.delete(id); // closed ones never come back
    for (const [id, at] of owned) if (Date.now() - at > 60_000) owned.delete(id);
    for (const i of open) {
      if (known.has(i.id)) continue;
      known.add(i.id);
      if ((store.firstSeen.get(i.id) ?? 0) > 0 && !owned.has(i.id)) fresh = true;
    }
    if (!fresh) return;
    chimes++;
    el.dataset.chimes = String(chimes);
    if (!muted) chime();
  };

  const tick = () => {
    const now = Date.now();
    for (const r of rows) {
      const waitMs = (r.endMs ?? now) - r.startMs;
      r.wait.textContent = fmtWait(waitMs);
      const state = waitState(waitMs / 1000, r.endMs !== null, targets);
      if (r.el.dataset.wait !== state) r.el.dataset.wait = state;
    }
  };

  const rowFor = (i: Incident, units: PublicUnit[] | undefined, now: number): Row => {
    const [r, g, b] = categoryColour(i.category);
    const end = waitEndMs(i) ?? (units?.length ? Math.min(...units.map((u) => Date.parse(u.dispatch!.dispatchedAt))) : null);
    const wait = h('span.q-wait', { title: end === null ? waitTitle() : t('queueWaited') });
    const where = areaName(i.location.kelurahan) !== '—' ? areaName(i.location.kelurahan) : i.location.text;
    const dup = i.possibleDuplicateOf;
    const li = h(
      'li.queue-row',
      {
        role: 'option',
        'aria-selected': String(i.id === store.selectedId),
        class: `queue-row p${i.priority}${i.id === store.selectedId ? ' selected' : ''}${now - (store.firstSeen.get(i.id) ?? 0) < FRESH_MS ? ' fresh' : ''}`,
        dataset: { incidentId: i.id, priority: String(i.priority), status: i.status, assigned: units?.length ? '1' : '0' },
        onclick: () => ctx.selectIncident(i.id),
      },
      h('span.q-pri', null, `P${i.priority}`),
      h('span.swatch', { style: `background: rgb(${r},${g},${b})` }),
      h('span.q-cat', null, term('category', i.category), i.callCount > 1 ? h('span.q-calls', null, ` · ${tf('callCount', { n: i.callCount })}`) : null),
      wait,
      h('span.q-where.free-text', null, where),
      h('span.q-status', null, term('status', i.status)),
      h('span.q-agencies', null, ...i.agencies.map((a) => h('span.q-agency', { title: term('agency', a.id), dataset: { agency: a.id } }, agencyShort(a.id)))),
      units?.length
        ? h('span.q-unit.assigned', null, '✓ ', h('span.free-text', null, units.map((u) => u.callsign).join(', ')))
        : h('span.q-unit', null, t('noUnitYet')),
      dup ? mergeControl(i.id, dup) : null,
    );
    return { el: li, wait, startMs: reportedMs(i), endMs: end };
  };

  const waitTitle = () =>
    targets ? tf('queueWaiting', { a: fmtWait(targets.amberS * 1000), r: fmtWait(targets.redS * 1000) }) : t('noUnitYet');

  /** A report flagged at intake as a repeat call about another open incident: one click merges it there. */
  const mergeControl = (id: string, into: string) => {
    const msg = h('span.q-merge-msg');
    const btn = h(
      'button.q-merge',
      {
        type: 'button',
        dataset: { into },
        onclick: async (e: Event) => {
          e.stopPropagation(); // not a row click
          btn.disabled = true;
          try {
            await api(`/api/incidents/${encodeURIComponent(id)}/merge`, { method: 'POST', json: { into } });
            msg.textContent = `✓ ${t('merged')}`;
          } catch (err) {
            btn.disabled = false;
            msg.textContent = `${t('failed')}: ${(err as Error).message}`;
          }
        },
      },
      t('merge'),
    );
    return h('span.q-dup', null, `≈ ${t('possibleDuplicate')} `, h('span.free-text', null, into), ' ', btn, msg);
  };

  function paint(): void {
    pending = false;
    order = queueOrder(store.incidents.values());
    announce(order);
    const byIncident = unitsByIncident(store.units.values());
    unitsSig = assignmentSig(byIncident);
    const now = Date.now();
    const scrollTop = list.scrollTop;
    clear(list);
    rows = order.slice(0, ROWS).map((i) => rowFor(i, byIncident.get(i.id), now));
    for (const r of rows) list.append(r.el);
    list.scrollTop = scrollTop;
    if (store.selectedId !== scrolledFor) {
      // a new selection (arrow keys, the map, a new incident of this console's): bring its row into view
      scrolledFor = store.selectedId;
      list.querySelector('.queue-row.selected')?.scrollIntoView({ block: 'nearest' });
    }
    if (!order.length) list.append(h('li.empty', null, t('queueEmpty')));
    more.textContent = order.length > ROWS ? tf('queueMore', { n: order.length - ROWS }) : '';
    paintHead();
    tick();
  }

  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    setTimeout(paint, 100);
  };
  store.on((what) => {
    if (what === 'incidents' || what === 'select') schedule();
    // units report every second or so: rebuild only when who is sent where has changed
    else if (what === 'units' && assignmentSig(unitsByIncident(store.units.values())) !== unitsSig) schedule();
  });
  onLangChange(paint);
  setInterval(tick, 1000);
  paint();
  void loadTargets();

  return {
    el,
    move(step) {
      if (!order.length) return;
      const at = order.findIndex((i) => i.id === store.selectedId);
      const next = at < 0 ? 0 : Math.min(order.length - 1, Math.max(0, at + step));
      ctx.selectIncident(order[next].id);
    },
    toggleMute,
    own(id) {
      owned.set(id, Date.now());
    },
  };
}

function assignmentSig(byIncident: Map<string, PublicUnit[]>): string {
  return [...byIncident].map(([id, us]) => `${id}:${us.map((u) => u.id).join(',')}`).sort().join(';');
}
