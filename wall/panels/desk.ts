// The selected incident's dispatch desk, in the console: the units to send and the statuses it may move to.
// Units: GET /api/incidents/:id/recommendations (free, fresh units of the routed agencies, fastest by road first),
// shown as the top 3 of each routed agency, lead agency first, with road ETA, road km and the age of the unit's last
// fix; one click sends that unit. The top pick (D) is the fastest unit of the first routed agency that has none on
// the incident yet. Statuses: only those the one state machine allows next (domain TRANSITIONS), so the server's 409
// is never the way to find out; S opens them, a number or the arrows and Enter picks one. Iseng and batal need a
// reason, sent as the PATCH note (the server keeps it in the history entry, and refuses those two without one).
import type { UnitRecommendation } from '../../domain/dispatch.ts';
import { NEEDS_REASON, TRANSITIONS, type Incident, type Status } from '../../domain/incident.ts';
import type { ListOf } from '../../domain/messages.ts';
import type { PublicUnit } from '../../domain/unit.ts';
import { currentLang, onLangChange, t, term, tf } from '../i18n/index.ts';
import { api, ApiError } from '../state/api.ts';
import type { WallContext } from '../state/context.ts';
import { isClosed, unitsByIncident } from '../state/model.ts';
import { clear, h } from '../ui/dom.ts';

const PER_AGENCY = 3;
/** Units move and their fixes age: the ranking is asked again this often while an open incident is selected. */
const REFRESH_MS = 20_000;

export interface DeskPanel {
  el: HTMLElement;
  /** D: send the top pick. */
  dispatchTop(): Promise<void>;
  /** S: open the allowed statuses and put the focus on the first. */
  openStatuses(): void;
  /** Esc: close what is open; false when nothing was. */
  cancel(): boolean;
}

type Recommendations = ListOf<UnitRecommendation> & { incidentId: string };

/** The fastest unit of the first routed agency (lead first) that has no unit on the incident yet. */
export function topPick(i: Incident, recs: readonly UnitRecommendation[], sentAgencies: ReadonlySet<string>): UnitRecommendation | null {
  for (const a of i.agencies) {
    if (sentAgencies.has(a.id)) continue;
    const best = recs.find((r) => r.agency === a.id);
    if (best) return best;
  }
  return null;
}

export function mountDesk(ctx: WallContext): DeskPanel {
  const store = ctx.store;
  let id: string | null = null;
  let recs: UnitRecommendation[] | null = null; // null while the first answer is on its way
  let recsNote: string | null = null; // why there are none to show (no point yet, a failure)
  let loading: Promise<void> | null = null;
  /** Agencies this console sent a unit for, per incident, before the unit's /ws delta says so. */
  const sentHere = new Map<string, Set<string>>();
  let menuOpen = false;
  let pendingReason: Status | null = null;
  let noteText = '';
  /** Requests of this desk on their way (a dispatch, a status change): the periodic refresh waits for them. */
  let inFlight = 0;
  /** Status changes run one after another, in the order chosen. */
  let statusChanges: Promise<void> = Promise.resolve();
  let paintedKey = '';
  let sentSig = '';

  const title = h('h2');
  const recsBox = h('div.recs');
  const statusBox = h('div.statuses');
  const msg = h('p.result', { role: 'status' });
  const el = h('section.actions.desk', null, title, recsBox, statusBox, msg);
  let noteEl: HTMLInputElement | null = null;
  let optionEls: HTMLButtonElement[] = [];

  const current = (): Incident | undefined => (id ? store.incidents.get(id) : undefined);
  const keyOf = (i: Incident | undefined) => (i ? `${i.id}|${i.status}|${i.category}|${i.updatedAt}` : '');
  const say = (...parts: Array<string | Node>) => {
    clear(msg);
    delete msg.dataset.unitId;
    msg.append(...parts);
  };

  const sentUnits = (i: Incident): PublicUnit[] => unitsByIncident(store.units.values()).get(i.id) ?? [];
  const sentAgencies = (i: Incident) => new Set([...sentUnits(i).map((u) => u.agency), ...(sentHere.get(i.id) ?? [])]);

  const eta = (s: number) => {
    const n = Math.ceil(s / 60);
    return tf(n === 1 ? 'etaMinute' : 'etaMinutes', { n });
  };
  const km = (m: number) =>
    `${new Intl.NumberFormat(currentLang() === 'id' ? 'id-ID' : 'en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(m / 1000)} km`;

  function paintTitle(i: Incident | undefined): void {
    clear(title);
    if (!i) return;
    title.append(
      h('span.free-text', null, i.id),
      ' · ',
      term('category', i.category),
      ' ',
      h('span.status-pill', { dataset: { status: i.status } }, term('status', i.status)),
    );
  }

  function paintRecs(): void {
    clear(recsBox);
    const i = current();
    if (!i || isClosed(i)) return;
    recsBox.append(h('h3', null, t('recommended')));
    if (recsNote !== null) return void recsBox.append(h('p.muted.rec-note', null, recsNote));
    if (recs === null) return void recsBox.append(h('p.muted', null, '…'));
    const sent = sentUnits(i);
    const top = topPick(i, recs, sentAgencies(i));
    for (const a of i.agencies) {
      const mine = recs.filter((r) => r.agency === a.id).slice(0, PER_AGENCY);
      const onIt = sent.filter((u) => u.agency === a.id);
      const group = h(
        'div.rec-agency',
        { dataset: { agency: a.id } },
        h('h4', null, term('agency', a.id), onIt.length ? h('span.rec-sent', null, ' ✓ ', h('span.free-text', null, onIt.map((u) => u.callsign).join(', '))) : null),
      );
      if (!mine.length) group.append(h('p.muted.rec-none', null, t('noFreeUnit')));
      else group.append(h('ol.rec-list', null, ...mine.map((r) => h('li', null, recButton(r, r === top)))));
      recsBox.append(group);
    }
    if (!top && recs.length) recsBox.append(h('p.muted', null, t('allAgenciesSent')));
  }

  const recButton = (r: UnitRecommendation, top: boolean) =>
    h(
      'button.rec',
      { type: 'button', class: top ? 'rec top' : 'rec', title: top ? t('topUnit') : undefined, dataset: { unitId: r.unitId, agency: r.agency }, onclick: () => void dispatch(r) },
      h('span.rec-callsign.free-text', null, r.callsign),
      h('span.rec-eta', null, eta(r.etaS)),
      h('span.rec-km', null, km(r.distanceM)),
      h('span.rec-age', null, tf('fixAge', { n: r.lastFixAgeS })),
      top ? h('kbd', null, 'D') : null,
    );

  function paintStatuses(): void {
    clear(statusBox);
    noteEl = null;
    optionEls = [];
    const i = current();
    if (!i) return;
    const next = TRANSITIONS[i.status] ?? [];
    if (!next.length) return void statusBox.append(h('p.muted.status-final', null, t('finalStatus')));
    const toggle = h(
      'button.status-toggle',
      { type: 'button', 'aria-expanded': String(menuOpen), onclick: () => (menuOpen ? closeMenu() : openStatuses()) },
      t('changeStatus'),
      ' ',
      h('kbd', null, 'S'),
    );
    noteEl = h('input', { name: 'note', autocomplete: 'off', placeholder: t('reasonPlaceholder'), value: noteText, oninput: () => (noteText = noteEl!.value) });
    noteEl.required = pendingReason !== null;
    optionEls = next.map((s, k) =>
      h(
        'button.status-option',
        { type: 'button', class: pendingReason === s ? 'status-option pending' : 'status-option', dataset: { status: s }, onclick: () => void pick(s) },
        h('kbd', null, String(k + 1)),
        ' ',
        term('status', s),
        NEEDS_REASON.includes(s) ? h('span.muted', null, ` — ${t('reasonFor')}`) : null,
      ),
    );
    const menu = h(
      'div.status-menu',
      { hidden: !menuOpen, onkeydown: (e: KeyboardEvent) => menuKey(e, next) },
      h('div.status-options', null, ...optionEls),
      noteEl,
      h('p.muted.status-hint', null, pendingReason ? t('reasonMissing') : t('statusMenuHint')),
    );
    statusBox.append(toggle, menu);
  }

  function menuKey(e: KeyboardEvent, next: readonly Status[]): void {
    if (e.target === noteEl) {
      if (e.key === 'Enter') {
        e.preventDefault();
        if (pendingReason) void pick(pendingReason);
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        optionEls[0]?.focus();
      }
      return; // typing the note
    }
    if (/^[1-9]$/.test(e.key) && !e.ctrlKey && !e.altKey && !e.metaKey) {
      const s = next[Number(e.key) - 1];
      if (s) {
        e.preventDefault();
        void pick(s);
      }
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault(); // the queue keeps its selection while the menu has the keys
      const at = optionEls.indexOf(document.activeElement as HTMLButtonElement);
      const n = optionEls.length;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      optionEls[at < 0 ? (step > 0 ? 0 : n - 1) : (at + step + n) % n]?.focus();
    }
  }

  function paint(): void {
    const i = current();
    paintedKey = keyOf(i);
    clear(msg);
    paintTitle(i);
    if (!i) {
      clear(recsBox);
      clear(statusBox);
      return void say(t('selectIncident'));
    }
    paintRecs();
    paintStatuses();
  }

  async function loadRecs(): Promise<void> {
    const i = current();
    if (!i || isClosed(i)) return;
    const forId = i.id;
    const run = (async () => {
      try {
        const r = await api<Recommendations>(`/api/incidents/${encodeURIComponent(forId)}/recommendations`);
        if (id !== forId) return;
        recs = r.items;
        recsNote = null;
      } catch (err) {
        if (id !== forId) return;
        const code = err instanceof ApiError ? err.body?.error : undefined;
        recs = [];
        recsNote = code === 'location_unknown' ? t('locationUnknown') : `${t('failed')}: ${(err as Error).message}`;
      }
      paintRecs();
    })();
    loading = run;
    await run.finally(() => {
      if (loading === run) loading = null;
    });
  }

  async function dispatch(r: UnitRecommendation): Promise<void> {
    const i = current();
    if (!i || inFlight) return; // one D at a time: a second press must not send a second unit
    inFlight++;
    say('…');
    try {
      await api(`/api/incidents/${encodeURIComponent(i.id)}/dispatch`, { method: 'POST', json: { unitId: r.unitId } });
      const agencies = sentHere.get(i.id) ?? new Set<string>();
      sentHere.set(i.id, agencies.add(r.agency));
      say('✓ ', h('span.free-text', null, r.callsign), ` ${t('unitSent')}`);
      msg.dataset.unitId = r.unitId;
    } catch (err) {
      say(`${t('failed')}: ${(err as Error).message}`);
    } finally {
      inFlight--;
    }
    await loadRecs();
  }

  /**
   * A status is taken the moment it is chosen: the menu closes then, not when the server answers, so a menu the officer
   * opens again meanwhile (the change's /ws echo often comes before its HTTP answer) stays open. Changes chosen while
   * an earlier one is on its way wait for it and go in the order chosen (under load, such a key press was once silently
   * dropped: the officer saw the menu take the key and nothing happen).
   */
  function pick(s: Status): Promise<void> {
    const i = current();
    if (!i) return statusChanges;
    const note = (noteEl?.value ?? noteText).trim();
    if (NEEDS_REASON.includes(s) && !note) {
      pendingReason = s;
      paintStatuses();
      noteEl?.focus();
      return statusChanges;
    }
    noteText = '';
    closeMenu();
    say('…');
    inFlight++;
    statusChanges = statusChanges.then(() => applyStatus(i.id, s, note));
    return statusChanges;
  }

  async function applyStatus(incidentId: string, s: Status, note: string): Promise<void> {
    try {
      const updated = await api<Incident>(`/api/incidents/${encodeURIComponent(incidentId)}`, { method: 'PATCH', json: { status: s, note: note || undefined } });
      // the same change also comes over /ws; keep whichever is newer
      const cur = store.incidents.get(updated.id);
      if (!cur || Date.parse(updated.updatedAt) >= Date.parse(cur.updatedAt)) store.upsertIncident(updated);
      say(`✓ ${t('status')}: ${term('status', s)}`);
    } catch (err) {
      if (id === incidentId && !noteText) noteText = note; // the reason typed is not lost with the change
      say(`${t('failed')}: ${(err as Error).message}`);
    } finally {
      inFlight--;
    }
  }

  function openStatuses(): void {
    const i = current();
    if (!i) return void say(t('selectIncident'));
    if (!(TRANSITIONS[i.status] ?? []).length) return void say(t('finalStatus'));
    menuOpen = true;
    paintStatuses();
    (pendingReason ? noteEl : optionEls[0])?.focus();
  }

  function closeMenu(): void {
    const hadFocus = statusBox.contains(document.activeElement);
    menuOpen = false;
    pendingReason = null;
    paintStatuses();
    if (hadFocus) (document.activeElement as HTMLElement | null)?.blur();
  }

  function select(next: string | null): void {
    if (next === id) return;
    id = next;
    recs = null;
    recsNote = null;
    menuOpen = false;
    pendingReason = null;
    noteText = '';
    paint();
    void loadRecs();
  }

  store.on((what) => {
    if (what === 'select') return select(store.selectedId);
    const i = current();
    if (!i) return;
    if (what === 'incidents') {
      const key = keyOf(i);
      if (key === paintedKey) return;
      const [, status, category] = paintedKey.split('|');
      const focusInMenu = statusBox.contains(document.activeElement);
      const caret = noteEl !== null && document.activeElement === noteEl ? [noteEl.selectionStart, noteEl.selectionEnd] : null;
      paintedKey = key;
      paintTitle(i);
      if (status !== i.status) pendingReason = null;
      paintStatuses();
      // An update while the officer types a reason keeps the cursor where it was: else the letters typed next become
      // the console's keys (an "n" jumped to the new-incident form, a "d" would send a unit).
      if (menuOpen && focusInMenu && caret && noteEl) {
        noteEl.focus();
        noteEl.setSelectionRange(caret[0], caret[1]);
      } else if (menuOpen && focusInMenu) optionEls[0]?.focus();
      paintRecs(); // gone once it is closed
      if (status !== i.status || category !== i.category) void loadRecs();
    } else if (what === 'units') {
      const sig = sentUnits(i).map((u) => u.id).join(',');
      if (sig !== sentSig) {
        sentSig = sig;
        paintRecs();
      }
    }
  });
  onLangChange(paint);
  setInterval(() => {
    if (id && !inFlight && !loading && document.visibilityState === 'visible') void loadRecs();
  }, REFRESH_MS);
  select(store.selectedId);
  if (!id) paint();

  return {
    el,
    async dispatchTop() {
      if (inFlight) return;
      if (loading) await loading;
      const i = current();
      if (!i) return void say(t('selectIncident'));
      if (!recs) return; // closed, or still unanswered
      const top = topPick(i, recs, sentAgencies(i));
      if (top) return dispatch(top);
      say(recsNote ?? (recs.length ? t('allAgenciesSent') : t('noFreeUnit')));
    },
    openStatuses,
    cancel() {
      if (!menuOpen) return false;
      closeMenu();
      return true;
    },
  };
}
