// "Tempat umum" (?view=places): the admins' screen for the common-place table the centre grows (server/places/).
// Candidates (what operators typed when they placed an incident by hand, grouped by normal form) with an approve form
// (name, aliases, radius); the approved places with delete; import of a GeoJSON or CSV file, export links; the audit
// trail. Read again on "Muat ulang" and when the window regains focus. Other roles get a polite refusal without a
// request (the server refuses them too). Everything operators typed or a file held goes in as text (ui/dom.ts).
import type { ListOf } from '../../domain/messages.ts';
import { PLACE_LIMITS, type CandidateGroup, type CommonPlaceRow, type PlaceAuditEntry } from '../../domain/places.ts';
import { fmtTime, onLangChange, t, term, tf } from '../i18n/index.ts';
import { api, ApiError } from '../state/api.ts';
import type { WallContext } from '../state/context.ts';
import { clear, h } from '../ui/dom.ts';
import './places.css';

const AUDIT_LIMIT = 100;

interface Draft {
  norm: string;
  name: string;
  aliases: string;
  radius: string;
}

export function mountPlaces(root: HTMLElement, ctx: WallContext): void {
  const el = h('section.places-admin');
  root.append(el);
  if (ctx.role !== 'admin') {
    const refuse = () => (clear(el), el.append(h('p.pl-refused', { role: 'status' }, t('places.adminOnly'))));
    refuse();
    onLangChange(refuse);
    return;
  }

  let candidates: CandidateGroup[] = [];
  let places: CommonPlaceRow[] = [];
  let audit: PlaceAuditEntry[] = [];
  let draft: Draft | null = null; // the open approve form, kept across repaints (language, reloads)
  let notice: { text: string; bad: boolean } | null = null;
  let refused = false;

  const say = (text: string, bad = false) => {
    notice = { text, bad };
    paint();
  };
  const failed = (err: unknown) => `${t('failed')}: ${err instanceof ApiError ? (err.body?.message ?? err.message) : String(err)}`;

  async function load(): Promise<void> {
    try {
      [candidates, places, audit] = await Promise.all([
        api<ListOf<CandidateGroup>>('/api/places/candidates').then((r) => r.items),
        api<ListOf<CommonPlaceRow>>('/api/places').then((r) => r.items),
        api<ListOf<PlaceAuditEntry>>(`/api/places/audit?limit=${AUDIT_LIMIT}`).then((r) => r.items),
      ]);
      if (draft && !candidates.some((c) => c.norm === draft!.norm)) draft = null;
      el.dataset.state = 'ready';
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) refused = true;
      else notice = { text: `${t('places.loadFailed')}: ${(err as Error).message}`, bad: true };
    }
    paint();
  }

  async function approve(c: CandidateGroup, d: Draft): Promise<void> {
    const radius = d.radius.trim();
    const body = {
      name: d.name,
      aliases: d.aliases.split('\n').map((a) => a.trim()).filter(Boolean),
      candidate: c.norm,
      ...(radius ? { radiusM: Number(radius) } : {}),
    };
    try {
      const made = await api<CommonPlaceRow>('/api/places', { method: 'POST', json: body });
      draft = null;
      notice = { text: tf('places.approved', { name: made.name }), bad: false };
      await load();
    } catch (err) {
      say(failed(err), true);
    }
  }

  async function remove(p: CommonPlaceRow): Promise<void> {
    if (!confirm(tf('places.confirmDelete', { name: p.name }))) return;
    try {
      await api(`/api/places/${encodeURIComponent(p.id)}`, { method: 'DELETE' });
      notice = { text: tf('places.deleted', { name: p.name }), bad: false };
      await load();
    } catch (err) {
      say(failed(err), true);
    }
  }

  async function importFile(file: File): Promise<void> {
    const csv = /\.csv$/i.test(file.name) || file.type === 'text/csv';
    try {
      const r = await api<ListOf<CommonPlaceRow>>('/api/places/import', {
        method: 'POST',
        headers: { 'content-type': csv ? 'text/csv; charset=utf-8' : 'application/geo+json' },
        body: await file.text(),
      });
      notice = { text: tf('places.imported', { n: r.items.length }), bad: false };
      await load();
    } catch (err) {
      say(failed(err), true);
    }
  }

  const head = (keys: Parameters<typeof t>[0][]) => h('thead', null, h('tr', null, ...keys.map((k) => h('th', null, t(k))), h('th')));
  const openForm = (c: CandidateGroup) => {
    draft = { norm: c.norm, name: c.texts[0] ?? '', aliases: c.texts.slice(1).join('\n'), radius: '' };
    paint();
  };

  function candidateRows(): HTMLElement {
    if (!candidates.length) return h('p.empty', null, t('places.noCandidates'));
    const body = h('tbody');
    for (const c of candidates) {
      const open = draft?.norm === c.norm;
      body.append(
        h(
          'tr.pl-candidate',
          { dataset: { norm: c.norm } },
          h('td.free-text', { title: c.norm }, c.texts.join(' · ')),
          h('td.num', null, c.count),
          h('td.num', null, `${c.spreadM} m`),
          h('td.time', null, `${fmtTime(c.lastAt, true)} WIB`),
          h('td', null, open ? null : h('button.pl-approve', { type: 'button', onclick: () => openForm(c) }, t('places.approve'))),
        ),
      );
      if (open) body.append(h('tr.pl-form-row', null, h('td', { colSpan: 5 }, approveForm(c, draft!))));
    }
    return h('table.pl-table', null, head(['places.text', 'places.count', 'places.spread', 'places.lastSeen']), body);
  }

  function approveForm(c: CandidateGroup, d: Draft): HTMLElement {
    const field = (label: string, input: HTMLElement) => h('label', null, h('span', null, label), input);
    const name = h('input', { name: 'name', required: true, maxLength: PLACE_LIMITS.name, value: d.name, oninput: () => (d.name = name.value) });
    const aliases = h('textarea', { name: 'aliases', rows: 3, oninput: () => (d.aliases = aliases.value) });
    aliases.value = d.aliases;
    const radius = h('input', {
      name: 'radius', type: 'number', min: PLACE_LIMITS.minRadiusM, max: PLACE_LIMITS.maxRadiusM, step: 'any', placeholder: t('places.radiusAuto'), value: d.radius,
      oninput: () => (d.radius = radius.value),
    });
    return h(
      'form.pl-approve-form',
      { onsubmit: (e: Event) => (e.preventDefault(), void approve(c, d)) },
      field(t('places.name'), name),
      field(t('places.aliases'), aliases),
      field(t('places.radius'), radius),
      h(
        'div.pl-actions',
        null,
        h('button.primary', { type: 'submit' }, t('places.approve')),
        h('button', { type: 'button', onclick: () => ((draft = null), paint()) }, t('places.cancel')),
      ),
    );
  }

  function placeRows(): HTMLElement {
    if (!places.length) return h('p.empty', null, t('places.none'));
    return h(
      'table.pl-table',
      null,
      head(['places.name', 'places.aliasesShort', 'places.radius', 'places.source', 'places.created']),
      h(
        'tbody',
        null,
        ...places.map((p) =>
          h(
            'tr.pl-place',
            { dataset: { id: p.id } },
            h('td.free-text.pl-name', null, p.name),
            h('td.free-text', null, p.aliases.join(' · ')),
            h('td.num', null, Math.round(p.radiusM)),
            h('td.free-text', null, p.source),
            h('td.time', { title: p.createdBy }, `${fmtTime(p.createdAt, true)} WIB`),
            h('td', null, h('button.pl-delete', { type: 'button', onclick: () => void remove(p) }, t('places.delete'))),
          ),
        ),
      ),
    );
  }

  function auditRows(): HTMLElement {
    if (!audit.length) return h('p.empty', null, t('places.noAudit'));
    return h(
      'ol.pl-audit',
      null,
      ...audit.map((a) =>
        h(
          'li',
          { dataset: { action: a.action } },
          h('span.time', null, `${fmtTime(a.at, true)} WIB`),
          h('span.pl-action', null, term('placeAudit', a.action)),
          h('span.free-text', null, typeof a.detail.name === 'string' ? a.detail.name : '—'),
          h('span.muted', null, a.by),
        ),
      ),
    );
  }

  function paint(): void {
    clear(el);
    if (refused) return void el.append(h('p.pl-refused', { role: 'status' }, t('places.adminOnly')));
    const file = h('input', { type: 'file', name: 'import', accept: '.csv,.geojson,.json,text/csv,application/geo+json,application/json', hidden: true });
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      if (f) void importFile(f);
    });
    el.append(
      h(
        'header.pl-head',
        null,
        h('h1', null, t('places.title')),
        h('button.pl-reload', { type: 'button', onclick: () => void load() }, t('places.reload')),
        notice ? h(`p.pl-notice${notice.bad ? '.bad' : ''}`, { role: notice.bad ? 'alert' : 'status' }, notice.text) : null,
      ),
      h('section.pl-candidates', null, h('h2', null, t('places.candidates')), h('p.muted', null, t('places.candidatesHint')), candidateRows()),
      h(
        'div.pl-side',
        null,
        h('section.pl-places', null, h('h2', null, t('places.list')), placeRows()),
        h(
          'section.pl-io',
          null,
          h('h2', null, t('places.importExport')),
          h('p.muted', null, t('places.importHint')),
          h(
            'div.pl-actions',
            null,
            h('button.pl-import', { type: 'button', onclick: () => file.click() }, t('places.importFile')),
            file,
            h('a.pl-export', { href: '/api/places.csv', download: 'common-places.csv' }, t('places.exportCsv')),
            h('a.pl-export', { href: '/api/places.geojson', download: 'common-places.geojson' }, t('places.exportGeoJson')),
          ),
        ),
        h('section.pl-history', null, h('h2', null, t('places.audit')), auditRows()),
      ),
    );
  }

  window.addEventListener('focus', () => void load());
  onLangChange(paint);
  paint();
  void load();
}
