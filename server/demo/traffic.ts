// Demo 112 traffic: calls at a configurable daily rate shaped by hour of day (category mix weighted by WIB hour), sent over real HTTP
// to the server's own endpoints — addresses as operator-style TEXT drawn from the gazetteer and road names (so
// they go through the geocoder), some as AML SMS with a location taken from real data points. A simulated
// operator marks pranks, dispatches the free unit of the routed agency recommended by road time (which then drives there along
// the roads, so arrival triggers by itself) and closes incidents. Bounded, seeded, stops cleanly.
import fs from 'node:fs';
import path from 'node:path';
import type { Gazetteer } from '../../geo/data-types.ts';
import { pointInRings, type LonLat } from '../../geo/spatial.ts';
import { logger } from '../log.ts';
import type { RoadGraph } from '../../geo/routing.ts';
import { loadRoadGraph } from '../geo/load.ts';
import { between, pick, seededRng, weighted, type Rng } from './rng.ts';
import { createUnitsSim, demoFleet, type FleetEntry } from './units-sim.ts';
import { DEMO_CALLS_PER_DAY, dispatchDelayMin, meanGapMs, onSceneMin, turnoutMin } from './response-model.ts';

const log = logger('demo-traffic');

export interface TrafficOptions {
  baseUrl: string;
  /** Operator-role bearer token (issued by auth for the demo). */
  token: string;
  geoDataDir: string;
  /** The server's road graph; built from geoDataDir when absent. */
  roads?: RoadGraph;
  /** Registers a fleet unit unless it exists (in-process: the demo is part of the composition root). */
  /** Registers the unit if needed and answers the device id it reports with (a fresh one each start). */
  ensureUnit: (u: FleetEntry) => string;
  seed?: number;
  /** Mean calls per day (shaped by hour of day as the history is); default DEMO_CALLS_PER_DAY. */
  callsPerDay?: number;
  unitTickMs?: number;
  maxOpen?: number;
}

const BASE_WEIGHTS: Record<string, number> = {
  kesehatan: 20, kecelakaan: 18, kriminalitas: 10, kebakaran: 8, pohon_tumbang: 5, pju_padam: 5, banjir: 4,
  hewan_liar: 4, kdrt: 4, kekerasan_anak: 2, narkoba: 2, longsor: 1, bencana_alam: 1, gempa: 0.3,
};

/** Plausible shifts over a day (hour in WIB): rush-hour crashes, night crime and dead street lights, afternoon rain. */
export function categoryWeights(hourWib: number): Array<[string, number]> {
  const f: Record<string, number> = {};
  const rush = (hourWib >= 6 && hourWib <= 8) || (hourWib >= 16 && hourWib <= 18);
  const night = hourWib >= 21 || hourWib <= 4;
  const afternoon = hourWib >= 13 && hourWib <= 17;
  const midday = hourWib >= 10 && hourWib <= 15;
  if (rush) f.kecelakaan = 2;
  if (night) Object.assign(f, { kriminalitas: 1.8, pju_padam: 2.5, kdrt: 1.5, hewan_liar: 0.5, kebakaran: 0.8 });
  if (afternoon) Object.assign(f, { banjir: 2, pohon_tumbang: 1.8 });
  if (midday) f.kebakaran = (f.kebakaran ?? 1) * 1.5;
  return Object.entries(BASE_WEIGHTS).map(([c, w]) => [c, w * (f[c] ?? 1)]);
}

const DESCRIPTIONS: Record<string, string[]> = {
  kesehatan: ['warga pingsan di pinggir jalan, butuh ambulans', 'lansia sesak napas, keluarga minta ambulans', 'ibu hamil pendarahan, minta dijemput'],
  kecelakaan: ['tabrakan motor dengan mobil, 2 korban luka', 'motor tergelincir, pengendara tidak sadar', 'truk terbalik, lalu lintas macet total'],
  kriminalitas: ['penjambretan, pelaku kabur naik motor', 'pencurian motor di parkiran', 'perkelahian antar pemuda'],
  kebakaran: ['asap tebal dari ruko, api sudah besar', 'rumah warga terbakar, diduga korsleting', 'kebakaran lahan semak dekat permukiman'],
  pohon_tumbang: ['pohon tumbang menutup badan jalan', 'dahan besar patah menimpa kabel'],
  pju_padam: ['lampu jalan padam sepanjang ruas, rawan', 'PJU mati sudah 3 malam'],
  banjir: ['genangan setinggi lutut, motor mogok', 'air masuk rumah warga, drainase tersumbat'],
  hewan_liar: ['ular kobra masuk rumah warga', 'sarang tawon di atap rumah, anak tersengat', 'biawak masuk pekarangan'],
  kdrt: ['suara teriakan dan pukulan dari rumah tetangga', 'istri dianiaya suami, minta tolong'],
  kekerasan_anak: ['anak dipukuli orang dewasa, warga melapor'],
  narkoba: ['transaksi mencurigakan di warung, diduga sabu'],
  longsor: ['tebing di belakang rumah longsor'],
  bencana_alam: ['angin kencang, atap rumah warga terbang'],
  gempa: ['getaran terasa, warga keluar rumah'],
};
const PRANKS = ['halo halo... (penelepon tertawa lalu menutup telepon)', 'anak-anak main telepon, tidak ada kejadian', 'penelepon minta pulsa'];
const CALLERS = ['Budi Santoso', 'Siti Aminah', 'Rahmat Hidayat', 'Dewi Lestari', 'Andi Saputra', 'Nurhayati', 'Fajar Ramadhan', 'Yusnita', 'Hendra Gunawan', 'Rina Marlina'];

interface Kel { nama: string; kecamatan: string; rings: LonLat[][][] }

function loadKelurahan(geoDataDir: string): Kel[] {
  const file = path.join(geoDataDir, 'basemap', 'kelurahan.geojson');
  if (!fs.existsSync(file)) return [];
  const fc = JSON.parse(fs.readFileSync(file, 'utf8')) as { features: Array<{ properties: any; geometry: any }> };
  return fc.features.map((f) => ({
    nama: f.properties.nama ?? f.properties.name,
    kecamatan: f.properties.kecamatan,
    rings: f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates,
  }));
}

/** Operator-style address texts, all drawn from the shipped data. */
export function addressMaker(rng: Rng, gaz: Gazetteer, graph: RoadGraph, kels: Kel[]) {
  const kelAt = (p: LonLat) => kels.find((k) => k.rings.some((r) => pointInRings(p[0], p[1], r)));
  const places = gaz.places.filter((p) => p.name.length > 3);
  const junctions = [...graph.names.entries()].filter(([, s]) => s.size >= 2).map(([n, s]) => ({ node: n, names: [...s] }));
  const named = [...graph.names.entries()].filter(([, s]) => s.size >= 1);
  const low = (s: string) => (rng() < 0.5 ? s.toLowerCase() : s);
  return (): string => {
    const kind = weighted(rng, [['poi', 4], ['street', 4], ['junction', 2], ['kel', 1]] as const);
    if (kind === 'poi' && places.length) return low(`${pick(rng, ['depan', 'dekat', 'samping', 'seberang', 'belakang'])} ${pick(rng, places).name}`);
    if (kind === 'junction' && junctions.length) {
      const j = pick(rng, junctions);
      return low(`${pick(rng, ['simp.', 'simpang', 'persimpangan'])} ${j.names[0]} - ${j.names[1]}`);
    }
    if (kind !== 'kel' && named.length) {
      const [node, names] = pick(rng, named);
      const kel = kelAt(graph.nodes[node]);
      const street = [...names][0];
      const prefixed = /^(jl|jln|jalan|gg|gang|simp|lr)\b\.?/i.test(street) ? street : `jl. ${street}`;
      return low(`${prefixed}${kel ? ` kel. ${kel.nama}` : ''}`);
    }
    const k = pick(rng, gaz.kelurahan);
    return low(`kel. ${k.nama} kec. ${k.kecamatan}`);
  };
}

export async function startDemoTraffic(opts: TrafficOptions) {
  const rng = seededRng(opts.seed ?? 112);
  const gazFile = path.join(opts.geoDataDir, 'gazetteer.json');
  const roads = opts.roads ?? loadRoadGraph(opts.geoDataDir);
  if (!fs.existsSync(gazFile) || !roads) {
    log.warn('geo/data missing (run the geo data script): demo traffic not started');
    return { stop: async () => {} };
  }
  const gaz = JSON.parse(fs.readFileSync(gazFile, 'utf8')) as Gazetteer;
  const graph: RoadGraph = roads;
  const address = addressMaker(rng, gaz, graph, loadKelurahan(opts.geoDataDir));
  const fleet = demoFleet(gaz.places);
  const deviceIds = new Map(fleet.map((u) => [u.id, opts.ensureUnit(u)]));
  const sim = createUnitsSim({
    baseUrl: opts.baseUrl, graph, places: gaz.places, rng, tickMs: opts.unitTickMs, deviceIdOf: (id) => deviceIds.get(id)!,
  });
  sim.start();

  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let open = 0;
  const later = (ms: number, fn: () => Promise<void> | void) => {
    if (stopped) return;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) Promise.resolve(fn()).catch((err) => log.warn('demo step failed', { err: String(err) }));
    }, ms);
    timers.add(t);
  };
  const api = async (method: string, url: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(opts.baseUrl + url, {
      method,
      headers: { authorization: `Bearer ${opts.token}`, 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, json };
  };
  const phone = () => `08${pick(rng, ['11', '12', '13', '52', '53', '21', '22'])}${String(Math.floor(rng() * 1e8)).padStart(8, '0')}`;

  /** AML SMS v2 (ETSI TS 103 625) with a location at a real road vertex or POI. */
  function amlSms(): string {
    const usePoi = rng() < 0.5 && gaz.places.length;
    const p: LonLat = usePoi ? (([pl]) => [pl.lon, pl.lat] as LonLat)([pick(rng, gaz.places)]) : pick(rng, graph.nodes);
    const acc = Math.round(between(rng, 8, 60));
    const imei = `35${String(Math.floor(rng() * 1e13)).padStart(13, '0')}`;
    return `A"ML=2;en=112;et=${Math.floor(Date.now() / 1000)};lo=${p[1].toFixed(5)},${p[0].toFixed(5)},${acc};lt=0;lc=68;ls=G;ei=${imei};nc=51010;hc=51010;lg=id-ID`;
  }

  async function lifecycle(inc: any, prank: boolean): Promise<void> {
    const id = inc.id as string;
    const done = () => void (open = Math.max(0, open - 1));
    if (prank) {
      later(between(rng, 8_000, 20_000), async () => {
        await api('PATCH', `/api/incidents/${id}`, { status: 'iseng', note: 'penelepon iseng' });
        done();
      });
      return;
    }
    const lat = inc.location?.lat;
    const lon = inc.location?.lon;
    const agencies: string[] = (inc.agencies ?? []).map((a: any) => a.id);
    const agency = agencies.find((a) => fleet.some((f) => f.agency === a));
    if (typeof lat === 'number' && typeof lon === 'number' && agency && rng() < 0.85) {
      // the same operator and crew timings as the seeded history (response-model.ts)
      later(dispatchDelayMin(rng, agency) * 60_000, async () => {
        // as an operator at the desk does: the fastest free unit by road (the recommendations), else the nearest
        const recommended = await api('GET', `/api/incidents/${id}/recommendations`);
        const items: Array<{ unitId: string; agency: string }> = recommended.status === 200 ? recommended.json.items : [];
        const unitId = items.find((r) => r.agency === agency && sim.isFree(r.unitId))?.unitId ?? sim.nearestFree(agency, lon, lat);
        if (!unitId) {
          await api('POST', `/api/incidents/${id}/no-unit`, { agency });
          return void later(between(rng, 60, 240) * 60_000, () => close(id, done));
        }
        const r = await api('POST', `/api/incidents/${id}/dispatch`, { unitId });
        if (r.status !== 201) return void later(60_000, () => close(id, done));
        sim.hold(unitId);
        later(turnoutMin(rng, agency) * 60_000, () => {
          const driving = sim.respond(unitId, lon, lat, () =>
            later(onSceneMin(rng) * 60_000, async () => {
              await close(id, done);
              sim.release(unitId);
            }),
          );
          if (!driving) {
            sim.release(unitId);
            later(60_000, () => close(id, done));
          }
        });
      });
    } else {
      later(between(rng, 15_000, 40_000), () => api('PATCH', `/api/incidents/${id}`, { status: 'diverifikasi' }).then(() => {}));
      later(between(rng, 120_000, 300_000), () => close(id, done));
    }
  }
  const close = async (id: string, done: () => void) => {
    // 'baru' cannot jump to 'selesai': an operator verifies first (a 409 here just means it is past that).
    const cur = await api('GET', `/api/incidents/${id}`);
    if (cur.json?.status === 'baru') await api('PATCH', `/api/incidents/${id}`, { status: 'diverifikasi' });
    await api('PATCH', `/api/incidents/${id}`, { status: 'selesai', note: 'penanganan selesai' });
    done();
  };

  async function oneIncident(): Promise<void> {
    if (open >= (opts.maxOpen ?? 25)) return;
    const hourWib = (new Date().getUTCHours() + 7) % 24;
    if (rng() < 0.15) {
      const r = await api('POST', '/api/intake/aml', amlSms(), 'text/plain');
      if (r.status >= 300) log.warn('AML intake refused', { status: r.status, error: r.json?.error, field: r.json?.field });
      else {
        open++;
        later(between(rng, 120_000, 240_000), () => close((r.json?.incident ?? r.json)?.id, () => (open = Math.max(0, open - 1))));
      }
      return;
    }
    const prank = rng() < 0.12;
    const category = prank ? 'lainnya' : weighted(rng, categoryWeights(hourWib));
    const body = {
      source: 'form',
      category,
      priority: prank ? 3 : category === 'kebakaran' || category === 'kecelakaan' ? 1 : 2,
      description: prank ? pick(rng, PRANKS) : pick(rng, DESCRIPTIONS[category] ?? ['laporan warga']),
      caller: { name: pick(rng, CALLERS), phone: phone() },
      location: { text: address() },
    };
    const r = await api('POST', '/api/incidents', body);
    if (r.status !== 201 && r.status !== 200) {
      log.warn('incident refused', { status: r.status, error: r.json?.error, field: r.json?.field });
      return;
    }
    open++;
    await lifecycle(r.json?.incident ?? r.json, prank);
  }

  const perDay = opts.callsPerDay ?? DEMO_CALLS_PER_DAY;
  // exponential gaps (a Poisson stream) at the rate of the current WIB hour
  const gap = () => Math.min(0x7fffffff, -Math.log(1 - rng()) * meanGapMs(perDay, (new Date().getUTCHours() + 7) % 24));
  const schedule = (ms: number) => later(ms, async () => {
    await oneIncident();
    schedule(gap());
  });
  if (perDay > 0) schedule(3_000);
  log.info('demo traffic started', { units: sim.units.length, roadNodes: graph.nodes.length });

  return {
    async stop(): Promise<void> {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await sim.stop();
    },
  };
}
