// Operator console: new incident (live geocoder suggestions or a point picked on the map), dispatch a unit and
// change status of the selected incident; below them the "Informasi" intake log (intake-log.ts). Every POST
// carries an Idempotency-Key so a double click stores once.
import type { Candidate, ReverseResult } from '../../geo/types.ts';
import { api } from '../state/api.ts';
import { CATEGORIES, STATUSES } from '../ui/categories.ts';
import type { WallContext } from '../state/context.ts';
import { clear, h } from '../ui/dom.ts';
import type { Incident } from '../../domain/incident.ts';
import type { PublicUnit as Unit } from '../../domain/unit.ts';
import { t, term } from '../i18n/index.ts';
import type { ListOf } from '../../domain/messages.ts';
import { mountIntakeLog } from './intake-log.ts';

const SUGGEST_DEBOUNCE_MS = 180;

export interface ConsolePanel {
  /** A point clicked on the map. */
  pick(lon: number, lat: number): void;
}

interface ChosenPlace {
  text: string;
  lat: number;
  lon: number;
  uncertaintyM: number;
}

export function mountConsole(root: HTMLElement, ctx: WallContext): ConsolePanel {
  let chosen: ChosenPlace | null = null;
  let idemKey = crypto.randomUUID();
  const category = h('select', { name: 'category' }, ...CATEGORIES.map((c) => h('option', { value: c }, term('category', c))));
  const priority = h('select', { name: 'priority' }, ...[1, 2, 3].map((p) => h('option', { value: String(p), selected: p === 2 }, `P${p}`)));
  const description = h('textarea', { name: 'description', rows: 2, required: true });
  const address = h('input', { name: 'address', autocomplete: 'off', placeholder: t('addressHint') });
  const suggestions = h('ul.suggestions', { role: 'listbox' });
  const chosenEl = h('div.chosen.free-text');
  const callerName = h('input', { name: 'callerName', autocomplete: 'off' });
  const callerPhone = h('input', { name: 'callerPhone', autocomplete: 'off', inputmode: 'tel' });
  const result = h('p.result', { role: 'status' });

  const choose = (place: ChosenPlace | null) => {
    chosen = place;
    chosenEl.textContent = place ? `📍 ${place.text} (${place.lat.toFixed(5)}, ${place.lon.toFixed(5)} ±${Math.round(place.uncertaintyM)} m)` : '';
    clear(suggestions);
  };

  let suggestTimer: ReturnType<typeof setTimeout> | undefined;
  let suggestSeq = 0;
  address.addEventListener('input', () => {
    chosen = null;
    chosenEl.textContent = '';
    clearTimeout(suggestTimer);
    const q = address.value.trim();
    if (q.length < 3) return clear(suggestions);
    suggestTimer = setTimeout(async () => {
      const mine = ++suggestSeq;
      const res = await api<ListOf<Candidate>>(`/api/geocode?q=${encodeURIComponent(q)}`).catch(() => null);
      if (mine !== suggestSeq) return; // a newer keystroke won
      const cands = res?.items ?? [];
      clear(suggestions);
      for (const c of cands.slice(0, 6)) {
        suggestions.append(
          h(
            'li.suggestion',
            { role: 'option', onclick: () => (address.value = c.label, choose({ text: c.label, lat: c.lat, lon: c.lon, uncertaintyM: c.uncertaintyM })) },
            h('span.label.free-text', null, c.label),
            h('span.muted', null, ' · ', h('span.free-text', null, c.kelurahan?.name ?? ''), ` · ${t('confidence')} ${Math.round(c.confidence * 100)}% · ±${Math.round(c.uncertaintyM)} m`),
          ),
        );
      }
    }, SUGGEST_DEBOUNCE_MS);
  });

  const submit = async (e: Event) => {
    e.preventDefault();
    result.textContent = '';
    const location = chosen
      ? { text: chosen.text, lat: chosen.lat, lon: chosen.lon, uncertaintyM: chosen.uncertaintyM, method: 'manual' as const }
      : { text: address.value.trim() };
    const body = {
      source: 'form',
      category: category.value,
      priority: Number(priority.value),
      description: description.value.trim() || address.value.trim(),
      caller: { name: callerName.value.trim() || undefined, phone: callerPhone.value.trim() || undefined },
      location,
    };
    try {
      const created = await api<Incident>('/api/incidents', { method: 'POST', json: body, headers: { 'Idempotency-Key': idemKey } });
      idemKey = crypto.randomUUID();
      result.textContent = `${t('created')}: ${created.id}`;
      result.dataset.incidentId = created.id;
      ctx.store.upsertIncident(created);
      ctx.selectIncident(created.id);
      (e.target as HTMLFormElement).reset();
      choose(null);
    } catch (err) {
      result.textContent = `${t('failed')}: ${(err as Error).message}`;
    }
  };

  const form = h(
    'form.new-incident',
    { onsubmit: submit },
    h('h2', null, t('newIncident')),
    h('label', null, t('address'), address),
    suggestions,
    h('p.muted', null, t('pickOnMap')),
    chosenEl,
    h('div.row', null, h('label', null, t('category'), category), h('label', null, t('priority'), priority)),
    h('label', null, t('description'), description),
    h('div.row', null, h('label', null, t('callerName'), callerName), h('label', null, t('callerPhone'), callerPhone)),
    h('button', { type: 'submit' }, t('submit')),
    result,
  );

  // Actions on the selected incident.
  const actions = h('section.actions');
  const paintActions = async () => {
    clear(actions);
    const id = ctx.store.selectedId;
    if (!id) return actions.append(h('p.muted', null, t('selectIncident')));
    const units = (await api<ListOf<Unit>>('/api/units').catch(() => null))?.items ?? [];
    const unitSel = h('select', { name: 'unit' }, ...units.map((u) => h('option', { value: u.id }, `${u.callsign} (${term('agency', u.agency)})`)));
    const statusSel = h('select', { name: 'status' }, ...STATUSES.map((s) => h('option', { value: s }, term('status', s))));
    const note = h('input', { name: 'note', placeholder: t('note') });
    const msg = h('p.result', { role: 'status' });
    const run = (fn: () => Promise<unknown>) => async () => {
      try {
        await fn();
        msg.textContent = '✓';
      } catch (err) {
        msg.textContent = `${t('failed')}: ${(err as Error).message}`;
      }
    };
    actions.append(
      h('h2', null, `${id}`),
      h('div.row', null, unitSel, h('button', { type: 'button', onclick: run(() => api(`/api/incidents/${id}/dispatch`, { method: 'POST', json: { unitId: unitSel.value } })) }, t('dispatch'))),
      h(
        'div.row',
        null,
        statusSel,
        note,
        h('button', { type: 'button', onclick: run(() => api(`/api/incidents/${id}`, { method: 'PATCH', json: { status: statusSel.value, note: note.value || undefined } })) }, t('apply')),
      ),
      msg,
    );
  };
  ctx.store.on((what) => what === 'select' && void paintActions());
  void paintActions();

  // The intake log sits last and starts collapsed: it never pushes the form or the actions away.
  root.append(h('aside.console', null, form, actions, mountIntakeLog()));

  return {
    async pick(lon, lat) {
      const rev = await api<ReverseResult>(`/api/reverse?lat=${lat}&lon=${lon}`).catch(() => null);
      const text = rev?.label ?? `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
      address.value = text;
      choose({ text, lat, lon, uncertaintyM: 25 });
    },
  };
}
