// The shape of camera-config/cameras.json. One schema, used by the loader; messages are written for the
// operator who edits the file (the loader prefixes file, camera id and field).
import { z } from 'zod';
import type { CameraGeometry } from '../geo/types.ts';

export const CAMERA_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const ALLOWED_SCHEMES = ['rtsp', 'rtsps', 'rtmp'] as const;

const finite = (what: string) => z.number({ error: `must be a number (${what})` }).refine(Number.isFinite, 'must be finite');
const between = (lo: number, hi: number, what: string) =>
  finite(what).refine((v) => v >= lo && v <= hi, `must be between ${lo} and ${hi}`);

/**
 * Why a source URL must not reach ffmpeg, or null if it may. ffmpeg accepts far more than network URLs as an
 * input (file:, concat:, subfile:, pipe:, data:, crypto:, tee:, async:, "rtsp+file"-style nesting, "-option"
 * as an argument…), so we allow exactly three schemes and a conservative character set. The reason never
 * echoes the URL: it may carry credentials.
 */
export function sourceUrlProblem(url: string): string | null {
  if (url.startsWith('-')) return 'must not start with "-"';
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return 'must not contain whitespace or control characters';
  if (/[|<>`"\\^]/.test(url)) return 'must not contain | < > ` " \\ ^ (ffmpeg/shell syntax)';
  const scheme = /^([A-Za-z][A-Za-z0-9+.,\-]*):/.exec(url)?.[1];
  if (!scheme) return `must start with ${ALLOWED_SCHEMES.map((s) => s + '://').join(', ')}`;
  if (!(ALLOWED_SCHEMES as readonly string[]).includes(scheme)) {
    return `protocol "${scheme.slice(0, 32)}:" is not allowed (only ${ALLOWED_SCHEMES.map((s) => s + '://').join(', ')})`;
  }
  if (!url.startsWith(`${scheme}://`)) return `must start with ${scheme}://`;
  return null;
}

/** A source URL after ${VAR} substitution: also has to parse and name a host. */
export function resolvedUrlProblem(url: string): string | null {
  const problem = sourceUrlProblem(url);
  if (problem) return problem;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (!parsed.hostname) return 'must name a host';
  return null;
}

const sourceSchema = z.strictObject({
  // Before substitution the URL may hold ${VAR}; the scheme part must already be literal and allowed.
  url: z.string({ error: 'must be a string' }).min(1, 'must not be empty').superRefine((url, ctx) => {
    const problem = sourceUrlProblem(url.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}/g, 'x'));
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  transport: z.enum(['tcp', 'udp'], { error: 'must be "tcp" or "udp"' }),
});

const text = z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty');

/** An even pixel count (4:2:0 video has no odd sizes). */
const evenPixels = (hi: number) =>
  between(16, hi, 'pixels').refine((v) => Number.isInteger(v) && v % 2 === 0, 'must be an even whole number');

// A camera whose codec the walls cannot decode (H.265 on most wall PCs) is re-encoded to H.264. Size defaults to the
// source's; one side alone keeps the aspect ratio.
const transcodeSchema = z.strictObject({
  to: z.literal('h264', { error: 'must be "h264"' }),
  width: evenPixels(3840).optional(),
  height: evenPixels(2160).optional(),
  bitrateKbps: between(100, 20_000, 'kbit/s').refine(Number.isInteger, 'must be a whole number').optional(),
}, { error: 'must be an object like {"to": "h264", "width": 640}' });

export const cameraSchema = z.strictObject({
  id: z.string({ error: 'must be a string' }).regex(CAMERA_ID, 'must match ^[a-z0-9][a-z0-9-]{0,31}$'),
  name: text,
  lat: between(-90, 90, 'degrees'),
  lon: between(-180, 180, 'degrees'),
  bearingDeg: between(0, 360, 'degrees clockwise from north'),
  fovDeg: between(1, 360, 'degrees'),
  rangeM: finite('metres').refine((v) => v > 0, 'must be greater than 0'),
  ptz: z.boolean({ error: 'must be true or false' }),
  kelurahan: text,
  kelurahanKode: z.string({ error: 'must be a string' }).regex(/^\d{2}\.\d{2}\.\d{2}\.\d{4}$/, 'must look like 14.71.01.1002').optional(),
  kecamatan: text.optional(),
  source: sourceSchema,
  transcode: transcodeSchema.optional(),
  // Recording (server/recordings): on by default; false turns it off, an object keeps this camera's own maximum age.
  record: z
    .union([
      z.boolean(),
      z.strictObject({ keepHours: between(1, 24 * 366, 'hours').refine(Number.isInteger, 'must be a whole number') }),
    ], { error: 'must be true, false or {"keepHours": 24}' })
    .optional(),
  placement: z.enum(['reported', 'derived'], { error: 'must be "reported" or "derived"' }),
  roadIds: z.array(z.string({ error: 'must be a string' })).optional(),
  provenance: text,
});

export const cameraFileSchema = z
  .strictObject({
    $comment: z.string().optional(),
    _doc: z.record(z.string(), z.string()).optional(),
    cameras: z.array(cameraSchema, { error: 'must be an array of cameras' }).min(1, 'must list at least one camera'),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.cameras.forEach((cam, i) => {
      if (seen.has(cam.id)) ctx.addIssue({ code: 'custom', path: ['cameras', i, 'id'], message: `duplicate id "${cam.id}"` });
      seen.add(cam.id);
    });
  });

/** A camera as the server uses it: source.url has its ${VAR}s filled in (so it may hold secrets). */
export type Camera = z.infer<typeof cameraSchema>;
export type CameraFile = z.infer<typeof cameraFileSchema>;
export type Transcode = z.infer<typeof transcodeSchema>;

// Compile-time proof that every Camera is usable by geo/coverage.
const _geometry: (c: Camera) => CameraGeometry = (c) => c;
void _geometry;
