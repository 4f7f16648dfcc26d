// Loads and validates cameras.json. Every error names the file, the camera id (or #index) and the field,
// e.g. "camera-config/cameras.json: cam-07: lat: must be between -90 and 90".
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { cameraFileSchema, resolvedUrlProblem, type Camera } from './schema.ts';
import { redact, registerUrlSecrets } from './redact.ts';

export type { Camera } from './schema.ts';

export class CameraConfigError extends Error {
  constructor(
    readonly file: string,
    readonly cameraId: string | null,
    readonly field: string | null,
    readonly reason: string,
  ) {
    super([file, cameraId, field, reason].filter((part) => part !== null).join(': '));
    this.name = 'CameraConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Read, parse, validate and resolve ${VAR}s. Throws CameraConfigError. */
export function loadCameras(file: string, env: Env): Camera[] {
  const label = fileLabel(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CameraConfigError(label, null, null, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // some V8 versions quote a snippet of the file, which could hold a literal rtsp://user:pw@ URL
    throw new CameraConfigError(label, null, null, `invalid JSON: ${redact((err as Error).message)}`);
  }
  return parseCameras(json, label, env);
}

/** Validate already-parsed JSON (fileLabel is only used in messages). */
export function parseCameras(json: unknown, fileLabel: string, env: Env): Camera[] {
  const result = cameraFileSchema.safeParse(json);
  if (!result.success) throw toConfigError(result.error.issues[0], json, fileLabel);
  return result.data.cameras.map((cam) => {
    const url = substituteEnv(cam.source.url, env, (reason) => new CameraConfigError(fileLabel, cam.id, 'source.url', reason));
    registerUrlSecrets(url); // before anything can print it
    const problem = resolvedUrlProblem(url);
    if (problem) throw new CameraConfigError(fileLabel, cam.id, 'source.url', `after substitution: ${problem}`);
    return { ...cam, source: { ...cam.source, url } };
  });
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Fill ${VAR} / ${VAR:-default} from env. Values that land in the URL's userinfo (user:password@) are
 * percent-encoded, so a password containing "@", ":" or "/" cannot change the host or path.
 */
export function substituteEnv(template: string, env: Env, error: (reason: string) => Error): string {
  const authorityStart = template.indexOf('://') + 3;
  const authorityEnd = indexOrEnd(template, '/', authorityStart);
  const userinfoEnd = template.lastIndexOf('@', authorityEnd); // -1 or before the host
  return template.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined, offset: number) => {
    const value = env[name] ?? fallback;
    if (value === undefined) throw error(`environment variable ${name} is not set (use \${${name}:-default} for a default)`);
    const inUserinfo = authorityStart >= 3 && offset >= authorityStart && offset < userinfoEnd;
    return inUserinfo ? encodeURIComponent(value) : value;
  });
}

function indexOrEnd(s: string, needle: string, from: number): number {
  const i = s.indexOf(needle, from);
  return i === -1 ? s.length : i;
}

function fileLabel(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

/** Turn zod's first issue into "file: camId: field: reason". */
function toConfigError(issue: z.core.$ZodIssue, json: unknown, label: string): CameraConfigError {
  const p = issue.path;
  if (p[0] !== 'cameras' || typeof p[1] !== 'number') {
    const field = p.length ? p.join('.') : null;
    return new CameraConfigError(label, null, field, reasonFor(issue, json, p));
  }
  const raw = (json as { cameras: unknown[] }).cameras[p[1]];
  const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' && (raw as { id: string }).id
    ? (raw as { id: string }).id
    : `camera #${p[1] + 1}`;
  let field = p.slice(2).join('.');
  let reason = reasonFor(issue, json, p);
  if (issue.code === 'unrecognized_keys') {
    field = [...p.slice(2), ...issue.keys].join('.') || field;
    reason = `unknown field (known fields are listed in camera-config/README.md)`;
  }
  return new CameraConfigError(label, id, field || null, reason);
}

function reasonFor(issue: z.core.$ZodIssue, json: unknown, p: PropertyKey[]): string {
  if (issue.code === 'invalid_type' && valueAt(json, p) === undefined) return 'is required';
  return issue.message;
}

function valueAt(json: unknown, p: PropertyKey[]): unknown {
  let cur: unknown = json;
  for (const key of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
