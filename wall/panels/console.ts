// Operator console: the keys on top (console-keys.ts), the queue of open incidents (queue.ts), the selected
// incident's desk: units by road time and the statuses it may take (desk.ts), the new-incident form (live geocoder
// suggestions or a point picked on the map), and last the "Informasi" intake log (intake-log.ts). Every POST carries
// an Idempotency-Key so a double click stores once.
import type { Candidate, ReverseResult } from '../../geo/types.ts';
import { api } from '../state/api.ts';
import { CATEGORIES } from '../ui/categories.ts';
import type { WallContext } from '../state/context.ts';
import { clear, h } from '../ui/dom.ts';
import type { Incident } from '../../domain/incident.ts';
import { t, term } from '../i18n/index.ts';
import type { ListOf } from '../../domain/messages.ts';
import { mountIntakeLog } from './intake-log.ts';
import { bindConsoleKeys, mountShortcuts } from './console-keys.ts';
import { mountDesk } from './desk.ts';
import { mountQueue } from './queue.ts';

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
  const queue = mountQueue(ctx);
  const desk = mountDesk(ctx);
  let chosen: ChosenPlace | null = null;
  /** What the operator typed before choosing a suggestion or picking the map: sent as location.query, so the server can
   *  keep it as a common-place candidate when the point is not what the geocoder answers for it (issue #14). */
  let typed = '';
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
    typed = q;
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
      ? { text: chosen.text, lat: chosen.lat, lon: chosen.lon, uncertaintyM: chosen.uncertaintyM, method: 'manual' as const, query: typed || undefined }
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
      queue.own(created.id);
      ctx.store.upsertIncident(created);
      ctx.selectIncident(created.id);
      (e.target as HTMLFormElement).reset();
      clearTimeout(suggestTimer);
      suggestSeq++; // a suggestion still on its way belongs to the address just saved
      choose(null);
      typed = '';
      // back to the keys (D, S, arrows) without a click
      if (document.activeElement instanceof HTMLElement && form.contains(document.activeElement)) document.activeElement.blur();
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

  // The queue and the desk first (the work), then the form; the intake log sits last and starts collapsed.
  root.append(h('aside.console', null, mountShortcuts(), queue.el, desk.el, form, mountIntakeLog()));
  bindConsoleKeys({
    queue,
    desk,
    form,
    newIncident: () => {
      address.focus();
      form.scrollIntoView({ block: 'nearest' });
    },
  });

  return {
    async pick(lon, lat) {
      const rev = await api<ReverseResult>(`/api/reverse?lat=${lat}&lon=${lon}`).catch(() => null);
      const text = rev?.label ?? `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
      address.value = text;
      choose({ text, lat, lon, uncertaintyM: 25 });
    },
  };
}
