// window.__siaga: read-only state for tests, benchmarks and a technician's console. Never holds secrets.
import type { SituationMap } from '../map/map.ts';
import type { TileStrip } from '../video/strip.ts';
import { liveTileCount } from '../video/tile.ts';
import { hlsTransportCounts } from '../video/hls-socket.ts';
import { rewindPlayers } from '../video/rewind.ts';
import { activeSync } from '../video/sync.ts';
import type { Realtime } from '../state/realtime.ts';
import type { Store } from '../state/store.ts';

export const debugState: {
  store?: Store;
  realtime?: Realtime;
  map?: SituationMap;
  strip?: TileStrip;
  mapReady: boolean;
  error?: string;
} = { mapReady: false };

export function exposeDebug(): void {
  const api = {
    get mapReady() {
      return debugState.mapReady;
    },
    get error() {
      return debugState.error;
    },
    get layers() {
      return debugState.map?.counts() ?? {};
    },
    /** Heat in incidents/km²: the colour domain in the window and how many points drew it. */
    get heat() {
      const f = debugState.map?.heatFrame();
      return f ? { domain: f.domain, points: f.points, settings: debugState.store?.heatSettings } : null;
    },
    get historyLoaded() {
      return debugState.store?.heatHistoryLoaded ?? false;
    },
    /** Placed map labels: text, whether an area name, and the screen box in map-container pixels. */
    get labels() {
      return (debugState.map?.placedLabels() ?? []).map((l) => ({ text: l.text, area: l.area, size: l.size, position: l.position }));
    },
    get mapStats() {
      return debugState.map?.stats;
    },
    get selectedId() {
      return debugState.store?.selectedId ?? null;
    },
    get counts() {
      const s = debugState.store;
      return s ? { cameras: s.cameras.size, incidents: s.incidents.size, units: s.units.size, heat: s.heat.size, trails: s.trails.size } : null;
    },
    get conn() {
      const r = debugState.realtime;
      return r ? { state: r.state, seq: r.seq, resyncs: r.resyncs, reconnects: r.reconnects } : null;
    },
    get tiles() {
      return (debugState.strip?.tiles ?? [])
        .filter((t) => t.camera)
        .map((t) => ({ cameraId: t.camera!.id, attachedAt: t.attachedAt, firstFrameAt: t.firstFrameAt, latencyMs: t.latencyMs, currentTime: t.video.currentTime, timing: t.timing, posterSource: t.posterSource }));
    },
    get liveDecoders() {
      return liveTileCount();
    },
    /**
     * Recorded playback: per strip tile {camera, mode live|past, state, requestedMs, playingDateMs (hls.playingDate),
     * firstFrameMs (seek request → first frame at that time), currentTime, paused, playbackRate, url, synced}; the
     * incident's sync group (master time, drift of each tile from it, spreadMs between tiles); recorded players alive
     * (with the window of recording their playlist covers).
     */
    get rewind(): RewindDebug {
      return rewindDebug();
    },
    /** HLS requests carried over the page's /hls-ws socket, and those that had to fall back to HTTP. */
    get hlsTransport() {
      return { ...hlsTransportCounts };
    },
    /** Screen position of a point on the map (tests click incidents through deck's picking). */
    project(lon: number, lat: number) {
      return debugState.map?.project(lon, lat) ?? null;
    },
    markersIn(x0: number, y0: number, x1: number, y1: number) {
      return debugState.map?.markersIn(x0, y0, x1, y1) ?? [];
    },
    pickAt(x: number, y: number) {
      return debugState.map?.pickAt(x, y) ?? null;
    },
    store: () => debugState.store,
    map: () => debugState.map,
  };
  (window as unknown as { __siaga: typeof api }).__siaga = api;
}

/** What `__siaga.rewind` answers (the e2e test and bench:rewind-wall read it with this type). */
export type RewindDebug = ReturnType<typeof rewindDebug>;
function rewindDebug() {
  return {
    tiles: (debugState.strip?.tiles ?? []).filter((t) => t.camera).map((t) => t.rewindDebug()),
    sync: activeSync()?.debug() ?? null,
    // window: the wall-clock times its loaded playlist covers (a seek inside it needs no new playlist)
    players: [...rewindPlayers].map((p) => ({
      camera: p.cameraId,
      state: p.state,
      playingDateMs: p.playingDateMs(),
      firstFrameMs: p.firstFrameMs,
      requestedMs: p.requestedMs,
      window: p.window(),
      url: p.url,
      swaps: p.swaps,
    })),
  };
}
