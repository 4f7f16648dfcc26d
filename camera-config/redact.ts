// The one place that strips camera secrets. Every API response and log line that could carry a camera URL
// (config, ffmpeg argv, ffmpeg stderr, errors) goes through redact() or publicCamera().
import type { Camera } from './schema.ts';

// scheme://userinfo@ — greedy up to the LAST "@" of the token, so an unencoded "@" inside a password
// cannot leave a tail of it behind (over-redacting an e-mail in a path is the safe failure).
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s'"<>]*@/gi;
// ?password=… / &token=… / ;sign=… in query strings or ffmpeg option-like text.
const SECRET_PARAM =
  /([?&;](?:sign|signature|sig|password|passwd|pwd|pass|token|access_token|auth|authorization|key|apikey|api_key|secret|user|username|login)=)[^&;#\s'"<>]*/gi;

/** Remove credentials from any text: URL userinfo and secret-looking query parameters. */
export function redact(text: string): string {
  return text.replace(USERINFO, '$1***@').replace(SECRET_PARAM, '$1***');
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
