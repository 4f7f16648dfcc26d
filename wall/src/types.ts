// What the wall reads from /api and /ws (the public views; the server owns the real shapes). Fields the wall
// does not need are left out; optional ones are read defensively so a server-side addition never breaks a wall.
import type { CameraGeometry } from '../../geo/types.ts';

export type HealthState = 'starting' | 'online' | 'stalled' | 'offline';

export interface CameraHealth {
  /** The streams supervisor sends `status`; `state` is accepted too. */
  status?: HealthState;
  state?: HealthState;
  fps?: number;
  kbps?: number;
  lastSegmentAgeS?: number | null;
  restarts?: number;
  lastError?: string | null;
  /** RFC 6381, from the camera's init segment (avc1.…, hvc1.…): checked before a tile plays it. */
  codec?: string | null;
}

export interface Camera extends CameraGeometry {
  name: string;
  kelurahan?: string;
  kecamatan?: string;
  placement?: string;
  health?: CameraHealth;
  hls: string;
  snapshot: string;
}

export interface IncidentLocation {
  text?: string | null;
  lat?: number | null;
  lon?: number | null;
  uncertaintyM?: number | null;
  method?: string;
  kelurahan?: string | { name: string } | null;
  kecamatan?: string | { name: string } | null;
  street?: string | null;
  confidence?: number;
  needsLocation?: boolean;
}

export interface HistoryEntry {
  at?: string;
  ts?: string;
  status?: string;
  event?: string;
  note?: string | null;
  by?: string | null;
}

export interface Incident {
  id: string;
  source?: string;
  category: string;
  /** Server sends Agency objects; older/other producers may send ids. */
  agencies?: Array<{ id: string; name: string } | string>;
  priority?: number | string;
  status: string;
  reportedAt?: string;
  createdAt?: string;
  description?: string | null;
  caller?: { name?: string | null; phone?: string | null } | null;
  location: IncidentLocation;
  history?: HistoryEntry[];
}

export interface UnitPosition {
  lat: number;
  lon: number;
  bearingDeg?: number | null;
  speedKmh?: number | null;
  at?: string;
}

export interface Unit {
  id: string;
  callsign?: string;
  agency?: string;
  kind?: string;
  position?: UnitPosition | null;
  lastSeenAt?: string | null;
  stale?: boolean;
  dispatch?: { incidentId: string; arrivedAt?: string | null; clearedAt?: string | null } | null;
}

export interface IncidentCamera {
  cameraId: string;
  distanceM: number;
  bearingFromCameraDeg: number;
  inView: boolean;
  score: number;
  camera?: Camera;
}

export type WsMessage =
  | { type: 'snapshot'; seq: number; data: { cameras?: Camera[]; incidents?: Incident[]; units?: Unit[] } }
  | { type: 'incident'; seq: number; data: Incident }
  | { type: 'unit'; seq: number; data: Unit }
  | { type: 'camera'; seq: number; data: Camera }
  | { type: 'select'; seq?: number; data: { incidentId: string | null } };
