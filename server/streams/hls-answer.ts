// One LL-HLS request answered, whatever carried it: the HTTP routes (routes.ts) and the page's WebSocket
// (hls-socket.ts) both call answerHls, so blocking reload, preload-hint holds and every 4xx are the same on both.
import { DomainError, type ErrorCode } from '../../domain/errors.ts';
import { errorBody, HTTP_STATUS } from '../http/errors.ts';
import { CAMERA_ID } from '../../camera-config/schema.ts';
import type { CameraPipeline } from './pipeline.ts';

export const HLS_MIME = {
  m3u8: 'application/vnd.apple.mpegurl',
  mp4: 'video/mp4',
  json: 'application/json',
} as const;
export type HlsKind = keyof typeof HLS_MIME;

export interface HlsAnswer {
  status: number;
  kind: HlsKind;
  body: Buffer | string;
  /** Names never repeat (see segmenter.ts), so media may be cached; playlists and errors never. */
  cacheable: boolean;
}

/** A msn further ahead than this is a client error (RFC 8216bis: "more than two segments"). */
const MAX_MSN_AHEAD = 2;
export const HLS_FILE = /^(?:index\.m3u8|init-(\d{1,9})\.mp4|seg-(\d{1,15})\.m4s|part-(\d{1,15})\.m4s|(keyframe)\.mp4)$/;

/** A refusal in the API's one error shape (http/errors.ts), whichever transport carries it. */
export const refusal = (code: ErrorCode, field: string, message: string): HlsAnswer => ({
  status: HTTP_STATUS[code],
  kind: 'json',
  body: JSON.stringify(errorBody(new DomainError(code, field, message))),
  cacheable: false,
});
const media = (bytes: Buffer | undefined): HlsAnswer =>
  bytes ? { status: 200, kind: 'mp4', body: bytes, cacheable: true } : refusal('not_found', 'file', 'not in the live window');

/** A blocked request is answered after at most three part targets plus a second (then with what there is). */
const holdMs = (p: CameraPipeline) => Math.round(3 * p.timing.partTargetS * 1000 + 1000);

export interface HlsQuery {
  _HLS_msn?: unknown;
  _HLS_part?: unknown;
}

/**
 * `/hls/<id>/<file>?query`, checked strictly (400 names the field), then looked up (404). `signal` ends a held
 * request early when its asker has gone away.
 */
export async function answerHls(
  pipelineOf: (id: string) => CameraPipeline | undefined,
  id: string,
  file: string,
  query: HlsQuery,
  signal?: AbortSignal,
): Promise<HlsAnswer> {
  if (!CAMERA_ID.test(id)) return refusal('invalid_field', 'id', 'invalid camera id');
  const pipeline = pipelineOf(id);
  if (!pipeline) return refusal('camera_not_found', 'id', 'unknown camera');
  const m = HLS_FILE.exec(file);
  if (!m) return refusal('invalid_field', 'file', 'invalid file name');
  const seg = pipeline.segmenter;
  const [, init, msn, part, keyframe] = m;
  if (init !== undefined) return media(seg.initSegment(Number(init))?.bytes);
  // The newest keyframe with its init segment, one small playable fMP4: the wall decodes it as a tile's poster
  // (no server decode). It changes every GOP, so it is never cached.
  if (keyframe !== undefined) {
    const kf = seg.newestKeyframe();
    return kf ? { ...media(Buffer.concat([kf.init.bytes, kf.part.bytes])), cacheable: false } : refusal('not_found', 'file', 'no keyframe yet');
  }
  if (msn !== undefined) return media(seg.segment(Number(msn))?.bytes);
  if (part !== undefined) {
    const n = Number(part);
    // The preload-hinted part is asked for before it exists: hold the request until it does (bounded).
    if (n === seg.nextPartNumber) await seg.waitForPart(n, holdMs(pipeline), signal);
    return media(seg.part(n)?.bytes);
  }
  return playlist(pipeline, query, signal);
}

async function playlist(pipeline: CameraPipeline, query: HlsQuery, signal?: AbortSignal): Promise<HlsAnswer> {
  const seg = pipeline.segmenter;
  const { _HLS_msn: rawMsn, _HLS_part: rawPart } = query;
  if (rawPart !== undefined && rawMsn === undefined) return refusal('invalid_field', '_HLS_part', '_HLS_part needs _HLS_msn');
  if (rawMsn !== undefined) {
    if (typeof rawMsn !== 'string' || !/^\d{1,15}$/.test(rawMsn)) return refusal('invalid_field', '_HLS_msn', 'invalid _HLS_msn');
    if (rawPart !== undefined && (typeof rawPart !== 'string' || !/^\d{1,4}$/.test(rawPart))) {
      return refusal('invalid_field', '_HLS_part', 'invalid _HLS_part');
    }
    const msn = Number(rawMsn);
    const last = seg.lastMsn;
    if (last !== undefined && msn > last + MAX_MSN_AHEAD) return refusal('invalid_field', '_HLS_msn', '_HLS_msn too far ahead');
    // Blocking reload: hold until that part (or segment) is listed, so the player hears of it at once.
    await seg.waitFor(msn, rawPart === undefined ? undefined : Number(rawPart), holdMs(pipeline) + 2000, signal);
  }
  const text = seg.playlist();
  if (!text) return refusal('not_found', 'id', 'playlist not ready yet');
  return { status: 200, kind: 'm3u8', body: text, cacheable: false };
}
