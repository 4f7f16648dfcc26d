// The one place that strips camera secrets. Every API response and log line that could carry a camera URL
// (config, ffmpeg argv, ffmpeg stderr, errors) goes through redact() or publicCamera(); server/log.ts passes every
// line through it as the last guard.
import type { Camera } from './schema.ts';

// scheme://userinfo@ — greedy up to the LAST "@" of the token, so an unencoded "@" inside a password
// cannot leave a tail of it behind (over-redacting an e-mail in a path is the safe failure).
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s'"<>]*@/gi;
// ?password=… / &token=… / ;sign=… in query strings or ffmpeg option-like text.
const SECRET_PARAM =
  /([?&;](?:sign|signature|sig|password|passwd|pwd|pass|token|access_token|auth|authorization|key|apikey|api_key|secret|user|username|login)=)[^&;#\s'"<>]*/gi;

/**
 * Known secret values, in every form they travel in. Patterns miss a password that is quoted, cut by a space or
 * printed without its URL ("Authorization: Basic …", a JSON-escaped error), so each value is also removed as itself.
 */
const knownSecrets = new Set<string>();
/** knownSecrets, longest first: a value is never half-replaced by a shorter spelling inside it. */
let byLength: string[] = [];
/** Values this short would redact ordinary words; they are still kept out of URLs by the patterns above. */
const MIN_SECRET_LENGTH = 4;

/** Every spelling of a secret that ffmpeg, a URL, JSON or an RTSP Basic header could print. */
function spellings(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const pct = encodeURIComponent(value);
  const pctLower = pct.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  return [value, pct, pctLower, encodeURI(value), json, JSON.stringify(json).slice(1, -1)];
}

/** Redact this value wherever it appears from now on (camera user names and passwords after ${ENV} substitution). */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  for (const s of spellings(value)) knownSecrets.add(s);
  byLength = [...knownSecrets].sort((a, b) => b.length - a.length);
}

/** Register the userinfo of a resolved URL: the password, and the Basic credential built from it. */
export function registerUrlSecrets(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return;
  }
  if (!parsed.password && !parsed.username) return;
  const user = safeDecode(parsed.username);
  const password = safeDecode(parsed.password);
  registerSecret(password);
  if (password) registerSecret(Buffer.from(`${user}:${password}`).toString('base64'));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Remove credentials from any text: known secret values, URL userinfo and secret-looking query parameters. */
export function redact(text: string): string {
  let out = text;
  for (const s of byLength) if (out.includes(s)) out = out.split(s).join('***');
  return out.replace(USERINFO, '$1***@').replace(SECRET_PARAM, '$1***');
}

export interface PublicCamera extends Omit<Camera, 'source'> {
  source: { scheme: string; transport: Camera['source']['transport'] };
}

/** The camera as a browser or API client may see it: no URL at all, only its scheme and transport. */
export function publicCamera(cam: Camera): PublicCamera {
  const { source, ...rest } = cam;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(source.url)?.[1]?.toLowerCase() ?? 'unknown';
  return { ...rest, source: { scheme, transport: source.transport } };
}
