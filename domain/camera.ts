// A camera as server and wall both know it: its public view (geometry and place, never its URL or credentials), its
// health, and how well it sees an incident. zod schemas are the single source; the types are inferred from them.
import { z } from 'zod';

export const CAMERA_STATUSES = ['starting', 'online', 'stalled', 'offline'] as const;
export type CameraStatus = (typeof CAMERA_STATUSES)[number];

export const cameraHealthSchema = z.strictObject({
  status: z.enum(CAMERA_STATUSES),
  /** ISO time the status last changed. */
  since: z.string(),
  fps: z.number().nullable(),
  kbps: z.number().nullable(),
  lastSegmentAgeS: z.number().nullable(),
  lastSegmentAt: z.string().nullable(),
  restarts: z.number().int().nonnegative(),
  /** Redacted: never a credential. */
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  /** Time of the frame in the last saved snapshot JPEG (kept, with the image, after the camera goes offline). */
  snapshotAt: z.string().nullable(),
  /** RFC 6381 codec string from the init segment (avc1.…, hvc1.…): checked before a tile plays it. */
  codec: z.string().nullable(),
});
export type CameraHealth = z.infer<typeof cameraHealthSchema>;

export const cameraViewSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  bearingDeg: z.number().min(0).max(360),
  fovDeg: z.number().min(1).max(360),
  rangeM: z.number().positive(),
  ptz: z.boolean(),
  kelurahan: z.string(),
  kelurahanKode: z.string().optional(),
  kecamatan: z.string().optional(),
  placement: z.enum(['reported', 'derived']),
  provenance: z.string(),
  roadIds: z.array(z.string()).optional(),
  /** Re-encoded to H.264 on the server (a codec walls cannot decode), at this size and rate when given. */
  transcode: z.strictObject({ to: z.literal('h264'), width: z.number().optional(), height: z.number().optional(), bitrateKbps: z.number().optional() }).optional(),
  /** Only the scheme and transport: a camera's URL (and any credential in it) never leaves the server. */
  source: z.strictObject({ scheme: z.string(), transport: z.enum(['tcp', 'udp']) }),
  health: cameraHealthSchema,
  hls: z.string(),
  snapshot: z.string(),
});
export type CameraView = z.infer<typeof cameraViewSchema>;

/** A camera ranked for an incident (geo/coverage.ts), with its view. */
export const incidentCameraSchema = z.strictObject({
  cameraId: z.string(),
  distanceM: z.number().nonnegative(),
  bearingFromCameraDeg: z.number(),
  inView: z.boolean(),
  score: z.number(),
  camera: cameraViewSchema.optional(),
});
export type IncidentCamera = z.infer<typeof incidentCameraSchema>;

/** Whether a camera is being recorded now (server/recordings). */
export const RECORDING_STATES = ['recording', 'off', 'paused_disk_low', 'paused_write_error'] as const;
export type RecordingState = (typeof RECORDING_STATES)[number];

/** GET /api/cameras/:id/recordings: what of a camera's past is on disk; gaps are what no span covers. */
export const recordingsAnswerSchema = z.strictObject({
  camera: z.string(),
  state: z.enum(RECORDING_STATES),
  /** ISO time of the oldest recorded frame kept; null when nothing is. */
  retainedFrom: z.string().nullable(),
  spans: z.array(z.strictObject({ from: z.string(), to: z.string() })),
});
export type RecordingsAnswer = z.infer<typeof recordingsAnswerSchema>;
