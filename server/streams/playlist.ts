// Just enough of an HLS media playlist to know what ffmpeg has written: media sequence, segments, durations, times.
export interface PlaylistSegment {
  seq: number;
  uri: string;
  durationS: number;
  /** EXT-X-PROGRAM-DATE-TIME of the segment's first frame, epoch ms (ffmpeg's `program_date_time` flag). */
  programDateMs?: number;
}

export interface MediaPlaylist {
  targetDurationS: number;
  mediaSequence: number;
  segments: PlaylistSegment[];
  /** Sequence number of the newest listed segment (mediaSequence - 1 when empty). */
  lastSeq: number;
}

export function parsePlaylist(text: string): MediaPlaylist | undefined {
  if (!text.startsWith('#EXTM3U')) return undefined;
  let targetDurationS = 0;
  let mediaSequence = 0;
  let pending: number | undefined;
  let pendingDate: number | undefined;
  const segments: PlaylistSegment[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDurationS = Number(line.slice(22));
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(line.slice(22));
    else if (line.startsWith('#EXTINF:')) pending = parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pendingDate = Date.parse(line.slice(25)) || undefined;
    else if (!line.startsWith('#') && pending !== undefined) {
      segments.push({ seq: mediaSequence + segments.length, uri: line, durationS: pending, programDateMs: pendingDate });
      pending = pendingDate = undefined;
    }
  }
  if (!Number.isFinite(mediaSequence)) return undefined;
  return { targetDurationS, mediaSequence, segments, lastSeq: mediaSequence + segments.length - 1 };
}

const SERVER_CONTROL = '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES';

/** Advertise blocking playlist reload (players then ask `?_HLS_msn=<next>` and we answer when it exists). */
export function withServerControl(text: string): string {
  if (text.includes('#EXT-X-SERVER-CONTROL')) return text;
  return text.replace(/^(#EXT-X-TARGETDURATION:.*)$/m, `$1\n${SERVER_CONTROL}`);
}
