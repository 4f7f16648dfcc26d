// Shapes shared by the geocoder, reverse geocoder and coverage ranking. Pure: no fs, no network.

export interface AreaRef {
  code: string;
  name: string;
}

/** `common_place`: a place the centre approved (geo/common-places.ts), searched before the shipped data. */
export type CandidateKind = 'common_place' | 'poi' | 'intersection' | 'street' | 'kelurahan' | 'kecamatan';

export interface Candidate {
  lat: number;
  lon: number;
  kind: CandidateKind;
  label: string;
  /** 0..1: how sure we are that the caller meant this place. */
  confidence: number;
  /** Radius (m) around lat/lon that should contain the true place. */
  uncertaintyM: number;
  kelurahan: AreaRef | null;
  kecamatan: AreaRef | null;
  /** Which parts of the query matched what (for the operator to check). */
  matched: string[];
}

export interface ReverseResult {
  inside: boolean;
  kelurahan: AreaRef | null;
  kecamatan: AreaRef | null;
  street: { name: string; distanceM: number } | null;
  /** Human label, e.g. "Jl. Sudirman, Kel. Simpang Empat, Kec. Pekanbaru Kota" or "Di luar Kota Pekanbaru". */
  label: string;
}

/** What coverage needs to know about a camera (a subset of camera-config's Camera). */
export interface CameraGeometry {
  id: string;
  lat: number;
  lon: number;
  bearingDeg: number;
  fovDeg: number;
  rangeM: number;
  ptz: boolean;
}

export interface CameraCoverage {
  cameraId: string;
  distanceM: number;
  bearingFromCameraDeg: number;
  inView: boolean;
  score: number;
}
