// Map legend, open by default on the wall and collapsible. Every entry is drawn from the table or function that
// colours or sizes its layer (categories.ts, layers.ts, heat.ts, incident-clusters.ts), so it cannot drift; each
// group names its layers in data-layer (the e2e test checks every drawn layer has one). The heat group also holds
// the operator's window and category controls, kept per screen (heat-settings.ts).
import { CATEGORIES, AGENCY_COLOURS, agencyColour, categoryColour, HEALTH_STATES, healthColour, STALE_UNIT } from '../ui/categories.ts';
import { PRIORITIES } from '../../domain/incident.ts';
import type { WallContext } from '../state/context.ts';
import { clear, h } from '../ui/dom.ts';
import { currentLang, onLangChange, t, term } from '../i18n/index.ts';
import { HEAT_WINDOWS, heatColour, type HeatWindow } from '../map/heat.ts';
import { CLUSTER_FILL, CLUSTER_TEXT, clusterRadiusPx } from '../map/incident-clusters.ts';
import { CAMERA_DOT_PX, CAMERA_RING_PX, CONE_ALPHA, incidentRadiusPx, UNCERTAINTY_ALPHA, UNIT_RADIUS_PX, ROUTE_WIDTH_PX } from '../map/layers.ts';
import type { SituationMap } from '../map/map.ts';

const REM_PX = 18; // marker radii are px at 1080p, where 1 rem is 18 px (styles.css)
const rem = (px: number) => `${(px / REM_PX).toFixed(3)}rem`;
const rgba = (c: readonly number[], a = 255) => `rgba(${c[0]},${c[1]},${c[2]},${((c[3] ?? a) / 255).toFixed(3)})`;
const fmt = (v: number) => (v >= 10 ? Math.round(v).toLocaleString(currentLang()) : v.toFixed(1).replace('.', currentLang() === 'id' ? ',' : '.'));

function disc(radiusPx: number, fill: string, stroke = 'transparent', strokePx = 0): HTMLElement {
  const d = rem(radiusPx * 2);
  return h('span.lg-mark', { style: `width:${d};height:${d};background:${fill};border:${rem(strokePx)} solid ${stroke}` });
}

function row(mark: Node, text: string): HTMLElement {
  return h('li', null, h('span.lg-mark-box', null, mark), h('span', null, text));
}

function group(layers: string, title: string, ...items: Node[]): HTMLElement {
  return h('div.lg-group', { dataset: { layer: layers } }, h('h3', null, title), h('ul', null, ...items));
}

export function mountLegend(mapEl: HTMLElement, ctx: WallContext, map: SituationMap): void {
  const body = h('div.lg-body');
  const toggle = h('button.lg-toggle', { type: 'button', 'aria-expanded': 'true' });
  const el = h('section.legend', null, toggle, body);
  mapEl.append(el);
  toggle.addEventListener('click', () => {
    const open = el.classList.toggle('collapsed') === false;
    toggle.setAttribute('aria-expanded', String(open));
    paint();
  });

  const heatGroup = (): HTMLElement => {
    const frame = map.heatFrame();
    const settings = ctx.store.heatSettings;
    const [lo, hi] = frame?.domain ?? [0, 0];
    // The bar runs 0 → top of the domain in the very colours heat.ts gives those densities.
    const stops = Array.from({ length: 11 }, (_, k) => `${rgba(heatColour((hi * Math.max(k, 0.2)) / 10, [lo, hi]))} ${k * 10}%`);
    const windows = h(
      'div.lg-windows',
      null,
      ...(Object.keys(HEAT_WINDOWS) as HeatWindow[]).map((w) =>
        h('button', { type: 'button', class: w === settings.window ? 'active' : '', dataset: { window: w }, onclick: () => ctx.store.setHeatSettings({ window: w }) }, term('window', w)),
      ),
    );
    const category = h(
      'select.lg-category',
      { name: 'heatCategory', onchange: (e: Event) => ctx.store.setHeatSettings({ category: (e.target as HTMLSelectElement).value }) },
      h('option', { value: 'all', selected: settings.category === 'all' }, t('allCategories')),
      ...CATEGORIES.map((c) => h('option', { value: c, selected: settings.category === c }, term('category', c))),
    );
    return h(
      'div.lg-group',
      { dataset: { layer: 'incident-heatmap' } },
      h('h3', null, t('legend.heat')),
      h('div.lg-ramp', { style: `background: linear-gradient(to right, ${stops.join(', ')})` }),
      h('div.lg-ticks', null, h('span', null, '0'), h('span', null, fmt(lo)), h('span.lg-top', { dataset: { top: String(hi) } }, fmt(hi))),
      h('p.lg-unit', null, `${t('legend.heatUnit')} ${term('window', settings.window)}`),
      h('p.lg-note', null, t('legend.heatScale')),
      windows,
      category,
    );
  };

  const agenciesOnMap = (): string[] => {
    const seen = new Set<string>();
    for (const u of ctx.store.units.values()) if (u.agency) seen.add(u.agency.toLowerCase());
    return [...seen].sort((a, b) => Number(!(a in AGENCY_COLOURS)) - Number(!(b in AGENCY_COLOURS)) || a.localeCompare(b));
  };

  let painted = '';
  function paint(): void {
    const frame = map.heatFrame();
    const collapsed = el.classList.contains('collapsed');
    const agencies = agenciesOnMap();
    const sig = [currentLang(), collapsed, JSON.stringify(ctx.store.heatSettings), frame?.domain.join(), agencies.join()].join('|');
    if (sig === painted) return;
    painted = sig;
    toggle.textContent = `${t('legend')} ${collapsed ? '▸' : '▾'}`;
    clear(body);
    if (collapsed) return;
    const ring = (c: readonly number[], r = CAMERA_RING_PX) => disc(r, 'rgb(8,16,28)', rgba(c), 2.5);
    body.append(
      heatGroup(),
      group('incidents', t('category'), ...CATEGORIES.map((c) => row(disc(6, rgba(categoryColour(c), 240), 'rgba(0,0,0,.8)', 1.5), term('category', c)))),
      group(
        'incidents',
        t('legend.priority'),
        ...PRIORITIES.map((p) => row(disc(incidentRadiusPx(p), '#d8e2f0', 'rgba(0,0,0,.8)', 1.5), `P${p}`)),
        row(disc(6, rgba(categoryColour('kebakaran'), 70)), t('legend.closed')),
      ),
      group('incident-clusters', t('legend.cluster'), row(h('span.lg-mark.lg-cluster', { style: `width:${rem(2 * clusterRadiusPx(12, 1))};height:${rem(2 * clusterRadiusPx(12, 1))};background:${rgba(CLUSTER_FILL)};color:${rgba(CLUSTER_TEXT)}` }, '12'), '')),
      group('incident-pulse', t('legend.pulse'), row(disc(12, 'transparent', rgba(categoryColour('kecelakaan')), 3), '')),
      group('incident-uncertainty', t('uncertainty'), row(disc(12, rgba(categoryColour('banjir'), UNCERTAINTY_ALPHA), rgba(categoryColour('banjir'), 110), 1), '')),
      group(
        'cameras',
        t('legend.cameras'),
        ...HEALTH_STATES.map((s) => row(ring(healthColour(s)), t(s))),
        row(disc(CAMERA_DOT_PX, rgba(healthColour('online'))), t('legend.cameraDot')),
      ),
      group('camera-cones', t('legend.fov'), row(h('span.lg-mark.lg-cone', { style: `background:${rgba(healthColour('online'), CONE_ALPHA * 2)};border-color:${rgba(healthColour('online'), 150)}` }), '')),
      group(
        'units',
        t('legend.units'),
        ...agencies.map((a) => row(disc(UNIT_RADIUS_PX, rgba(agencyColour(a)), 'rgb(3,7,14)', 2), term('agency', a))),
        row(disc(UNIT_RADIUS_PX, rgba(STALE_UNIT), 'rgb(3,7,14)', 2), t('legend.stale')),
      ),
      group('dispatch-routes', t('legend.route'), row(h('span.lg-mark.lg-route', { style: `border-top: ${rem(ROUTE_WIDTH_PX)} dashed ${rgba(agencyColour(agencies[0] ?? 'damkar'))}` }), '')),
      group('unit-trails unit-trails-head', t('legend.trail'), row(h('span.lg-mark.lg-trail', { style: `background: linear-gradient(to right, transparent, ${rgba(agencyColour(agencies[0] ?? 'polisi'))})` }), '')),
      group('basemap-labels area-labels', t('legend.labels')),
    );
  }

  // Cheap signature check: the heat domain, the agencies on the map and the settings change rarely.
  setInterval(paint, 1000);
  ctx.store.on((what) => what === 'heat' && paint());
  onLangChange(paint);
  void map.ready.then(paint);
  paint();
}
