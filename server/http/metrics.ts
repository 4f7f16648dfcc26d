// Prometheus metrics (prom-client): process defaults + per-camera pipeline health, read at scrape time.
import express from 'express';
import client from 'prom-client';
import type { RequireRole } from './roles.ts';

/** What the camera metrics need from a camera view (the streams room's CameraView fits). */
export interface CameraHealthSample {
  id: string;
  health: { status: string; restarts: number; lastSegmentAgeS: number | null; kbps: number | null };
}

export function createMetricsRegistry(): client.Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'siaga_' });
  return registry;
}

export function registerCameraMetrics(registry: client.Registry, cameras: () => CameraHealthSample[]): void {
  const labelNames = ['camera'] as const;
  new client.Gauge({
    name: 'siaga_camera_up',
    help: '1 when the camera pipeline is online (new HLS segments arriving), else 0',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of cameras()) this.set({ camera: c.id }, c.health.status === 'online' ? 1 : 0);
    },
  });
  new client.Counter({
    name: 'siaga_camera_restarts_total',
    help: 'ffmpeg restarts of the camera pipeline since server start',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of cameras()) this.inc({ camera: c.id }, c.health.restarts);
    },
  });
  new client.Gauge({
    name: 'siaga_camera_segment_age_seconds',
    help: 'Seconds since the last HLS segment was written (absent before the first one)',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of cameras()) if (c.health.lastSegmentAgeS !== null) this.set({ camera: c.id }, c.health.lastSegmentAgeS);
    },
  });
  new client.Gauge({
    name: 'siaga_camera_bitrate_bits_per_second',
    help: 'Video bitrate over the listed HLS segments (0 when not online)',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of cameras()) this.set({ camera: c.id }, (c.health.kbps ?? 0) * 1000);
    },
  });
}

/** Recording totals (server/recordings): what was received from cameras, written to disk, and kept now. */
export function registerRecordingMetrics(registry: client.Registry, totals: () => { received: number; written: number; stored: number; budget: number }): void {
  const gauge = (name: string, help: string, pick: (t: ReturnType<typeof totals>) => number) =>
    new client.Gauge({ name, help, registers: [registry], collect() { this.set(pick(totals())); } });
  gauge('siaga_recording_received_bytes', 'Bytes of camera media handed to recording since server start', (t) => t.received);
  gauge('siaga_recording_written_bytes', 'Bytes recording appended to disk since server start (media, init segments and indexes)', (t) => t.written);
  gauge('siaga_recording_stored_bytes', 'Bytes of recorded video on disk now, all cameras', (t) => t.stored);
  gauge('siaga_recording_budget_bytes', 'The recordings\' disk budget (0 = none)', (t) => t.budget);
}

export function metricsRouter({ registry, requireRole }: { registry: client.Registry; requireRole: RequireRole }): express.Router {
  const router = express.Router();
  router.get('/metrics', requireRole('admin'), async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });
  return router;
}
