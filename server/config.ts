// The one place that reads the environment. Each variable is a zod field with its default and description: the
// same schema parses the environment at start-up and writes docs/CONFIGURATION.md (scripts/config-doc.ts; a test
// fails when the checked-in file is stale). Site tables the centre edits are files: server/site/.
import path from 'node:path';
import { z } from 'zod';

type Env = Readonly<Record<string, string | undefined>>;

/** An integer variable in min..max, written as text in the environment. */
const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((s) => /^\d{1,9}$/.test(s.trim()) && Number(s) >= min && Number(s) <= max, `must be an integer ${min}..${max}`)
    .transform(Number);
const port = (fallback: number) => int(fallback, 0, 65535);
const flag = z.enum(['0', '1']).default('0').transform((v) => v === '1');
const optional = z.string().optional();

export const ENV_SCHEMA = z.object({
  PORT: port(8080).describe('HTTP port: API, wall, HLS, /ws'),
  HOST: z.string().default('0.0.0.0').describe('bind address'),
  SIAGA_DATA_DIR: z.string().default('data').describe('SQLite database and other durable state (relative to the working directory)'),
  SIAGA_RUNTIME_DIR: z.string().default('runtime').describe('last-seen camera snapshots and demo clips: safe to delete (live video is held in memory)'),
  SIAGA_CAMERAS_FILE: z.string().default('camera-config/cameras.json').describe('camera list (camera-config/README.md)'),
  SIAGA_SITE_DIR: z.string().default('server/site').describe('site tables the centre edits: routing.json, sla.json, population.json (validated at start-up)'),
  FFMPEG_PATH: optional.describe('ffmpeg binary; unset: an ffmpeg on PATH, then the one @ffmpeg-installer/ffmpeg ships'),
  SIAGA_TLS_CERT: optional.describe('PEM certificate (chain) file: with SIAGA_TLS_KEY, also serve HTTPS with HTTP/2 (and HTTP/1.1 for other clients) on SIAGA_TLS_PORT'),
  SIAGA_TLS_KEY: optional.describe('PEM private key file of SIAGA_TLS_CERT'),
  SIAGA_TLS_PORT: port(8443).describe('HTTPS port (only with SIAGA_TLS_CERT and SIAGA_TLS_KEY); PORT keeps serving plain HTTP'),
  SIAGA_RTMP_PORT: port(1935).describe('RTMP push ingest (node-media-server)'),
  SIAGA_RTMP_SECRET: optional.describe('signs RTMP publish/play URLs (?sign=<exp>-<md5>); required when a camera has an rtmp:// source'),
  SIAGA_OSMAND_PORT: port(5055).describe('Traccar Client / OsmAnd position port'),
  SIAGA_ADMIN_TOKEN: optional.describe('admin bearer token; unset in the demo: a random one, printed at start'),
  SIAGA_AML_HMAC_KEY: optional.describe('if set, AML messages must carry a valid HMAC-SHA1'),
  SIAGA_INTAKE_RATE: int(300, 0, 65535).describe('intake requests per second per token (per IP without one); 0 = no limit'),
  SIAGA_AVL_RATE: int(200, 0, 65535).describe('OsmAnd/Traccar positions per second per sender address (each device id also at most 10/s); 0 = neither limit'),
  SIAGA_ARRIVAL_RADIUS_M: int(100, 10, 5000).describe(
    'arrival fence, metres: a dispatched unit that has moved and stopped within max(this, its fix accuracy) of the point is on scene',
  ),
  SIAGA_BACKUP_DIR: optional.describe('online backups of the SQLite store (put it on another disk); unset: <SIAGA_DATA_DIR>/backups'),
  SIAGA_BACKUP_INTERVAL_S: int(3600, 0, 7 * 86_400).describe('seconds between backups (one is also taken at start-up); 0 = no backups'),
  SIAGA_BACKUP_KEEP: int(24, 1, 10_000).describe('backups kept; older ones are deleted'),
  SIAGA_MIN_FREE_DISK_MB: int(256, 0, 10_000_000).describe('below this much free space on the data disk /api/health answers 503 disk_low and only 112 intake and dispatch still write (others get 507)'),
  SIAGA_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const list = s.split(',').map((x) => x.trim()).filter(Boolean);
      for (const o of list) if (!/^https?:\/\/[^/\s]+$/.test(o)) ctx.addIssue({ code: 'custom', message: `${o}: an origin is scheme://host[:port]` });
      return list;
    })
    .describe('comma-separated origins (https://wall.example.go.id) whose pages may also change state and open WebSockets, besides this server\'s own host and the host a proxy on this machine forwards'),
  SIAGA_ACCESS_LOG_DAYS: int(30, 0, 3650).describe('days of HTTP access log kept in <data dir>/logs (one JSON line per request, never a query string or token); 0 = none'),
  SIAGA_REPLAY_MAX_FIXES: int(200_000, 1_000, 5_000_000).describe(
    'briefing replay: most unit fixes one answer reads and sends; a period holding more is thinned in SQL to fit (each trail keeps its first and last fix)',
  ),
  SIAGA_RETENTION_INTERVAL_S: int(3600, 0, 7 * 86_400).describe('seconds between runs of the retention jobs below (small batches, first run a minute after start); 0 = none run'),
  SIAGA_POSITIONS_THIN_DAYS: int(7, 0, 36_500).describe('unit positions older than this many days are thinned to one per unit per SIAGA_POSITIONS_THIN_S (each unit keeps its newest); 0 = never'),
  SIAGA_POSITIONS_THIN_S: int(30, 1, 3600).describe('seconds between the positions kept by that thinning'),
  SIAGA_POSITIONS_KEEP_DAYS: int(90, 0, 36_500).describe('unit positions older than this many days are deleted (each unit keeps its newest); 0 = kept forever'),
  SIAGA_INTAKE_KEYS_KEEP_DAYS: int(7, 0, 36_500).describe(
    'intake de-duplication keys (Idempotency-Key, AML, CAP identifiers) older than this many days are deleted, a CAP alert\'s only once its incident is closed and unchanged as long (Update/Cancel find it by them); 0 = kept forever',
  ),
  SIAGA_INTAKE_LOG_KEEP_DAYS: int(90, 0, 36_500).describe('ignored CAP/AML messages (the intake log) older than this many days are deleted; 0 = kept forever'),
  SIAGA_INTAKE_LOG_MAX_ROWS: int(100_000, 0, 100_000_000).describe('the intake log keeps at most this many (newest) messages; 0 = no limit'),
  SIAGA_TOKEN_TTL_DAYS: int(365, 0, 36_500).describe('tokens issued by POST /api/tokens (walls, feeds) stop working after this many days unless the request names its own expiresInDays; the log warns two weeks ahead; 0 = until revoked'),
  SIAGA_TOKENS_KEEP_DAYS: int(30, 0, 36_500).describe('tokens revoked or expired more than this many days ago are deleted (GET /api/tokens stops listing them); 0 = kept forever'),
  SIAGA_PLACE_CANDIDATES_KEEP_DAYS: int(180, 0, 36_500).describe(
    'common-place candidates (what operators typed when they placed an incident by hand) older than this many days and never approved are deleted; those approved into a place are kept; 0 = kept forever',
  ),
  SIAGA_VIDEO_AUDIT_KEEP_DAYS: int(365, 0, 36_500).describe('video audit rows (who played, downloaded or exported which camera\'s recorded video, GET /api/audit/video) older than this many days are deleted; exported evidence packages themselves are never deleted; 0 = kept forever'),
  SIAGA_RECORDINGS_DIR: optional.describe('recorded camera video (fMP4 files and their indexes); unset: <SIAGA_DATA_DIR>/recordings'),
  SIAGA_RECORD: z.enum(['0', '1']).default('1').transform((v) => v === '1').describe('1 = record every camera whose cameras.json entry does not say "record": false; 0 = record none'),
  SIAGA_RECORD_KEEP_HOURS: int(72, 1, 24 * 366).describe('recorded video older than this many hours is deleted (a camera may set its own: "record": {"keepHours": 24})'),
  SIAGA_RECORD_BUDGET_MB: int(20_480, 0, 1_000_000_000).describe('all cameras\' recordings together stay under this many MB (default 20 GB), the oldest files going first; 0 = no budget (age and the watermark only). 35 cameras at 1 Mbit/s write ~0.38 TB a day'),
  SIAGA_RECORD_MIN_FREE_MB: int(2048, 0, 10_000_000).describe('recording pauses while the recordings\' disk has less free space than this (resumes 10 % above it), so the database and live video keep the rest; /api/health says recording: paused_disk_low'),
  SIAGA_RECORD_FILE_S: int(300, 10, 3600).describe('a recording file is closed at the first keyframe after this many seconds'),
  SIAGA_NO_STREAMS: flag.describe('1 = start without cameras or ffmpeg (API-only deployments, tests)'),
  SIAGA_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('least severe log line written'),
  SIAGA_DEMO: flag.describe('1 = demo mode: simulated cameras, 112 traffic and units (same as --demo)'),
  SIAGA_DEMO_CALLS_PER_DAY: int(70, 0, 100_000).describe('demo: mean 112 calls a day (history and live traffic, shaped by hour of day)'),
});

export interface Config {
  /** demo = simulated cameras (RTSP server + publishers), 112 traffic and units. */
  demo: boolean;
  port: number;
  host: string;
  dataDir: string;
  /** Where snapshots and demo clips live (tmp-like, safe to delete). */
  runtimeDir: string;
  camerasFile: string;
  siteDir: string;
  ffmpegPath: string | undefined;
  /** HTTPS + HTTP/2 front (server/http/tls.ts), when both files are given. */
  tls: { certFile: string; keyFile: string; port: number } | undefined;
  rtmpPort: number;
  /** Secret for node-media-server signed publish URLs (rtmp://host/live/<cam>?sign=<exp>-<md5>). */
  rtmpSecret: string | undefined;
  osmandPort: number;
  adminToken: string | undefined;
  amlHmacKey: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  noStreams: boolean;
  intakeRatePerS: number;
  avlRatePerS: number;
  arrivalRadiusM: number;
  demoCallsPerDay: number;
  backupDir: string;
  backupIntervalS: number;
  backupKeep: number;
  minFreeDiskMB: number;
  accessLogDays: number;
  allowedOrigins: string[];
  tokenTtlDays: number;
  replayMaxFixes: number;
  /** Recording (server/recordings/recorder.ts). */
  recording: { enabled: boolean; dir: string; keepHours: number; budgetBytes: number; minFreeMB: number; fileS: number };
  /** Retention jobs (server/store/retention.ts); intervalS 0 = none run. */
  retention: {
    intervalS: number; positionsThinAfterDays: number; positionsThinS: number; positionsKeepDays: number; intakeRefsKeepDays: number;
    intakeLogKeepDays: number; intakeLogMaxRows: number; tokensKeepDays: number; placeCandidatesKeepDays: number; videoAuditKeepDays: number;
  };
  /** What cameras.json's ${VAR} credentials are filled from (a copy: the demo adds its simulator's). */
  cameraEnv: Record<string, string | undefined>;
}

/** The environment → Config, or one Error naming every bad variable. Empty values count as unset. */
export function loadConfig(env: Env = process.env, argv: string[] = process.argv.slice(2)): Config {
  const given = Object.fromEntries(Object.keys(ENV_SCHEMA.shape).flatMap((k) => (env[k]?.trim() ? [[k, env[k]!.trim()]] : [])));
  const r = ENV_SCHEMA.safeParse(given);
  if (!r.success) {
    throw new Error(`configuration: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}, got "${given[String(i.path[0])]}"`).join('; ')}`);
  }
  const e = r.data;
  const root = process.cwd();
  const dataDir = path.resolve(root, e.SIAGA_DATA_DIR);
  return {
    demo: argv.includes('--demo') || e.SIAGA_DEMO,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    runtimeDir: path.resolve(root, e.SIAGA_RUNTIME_DIR),
    camerasFile: path.resolve(root, e.SIAGA_CAMERAS_FILE),
    siteDir: path.resolve(root, e.SIAGA_SITE_DIR),
    ffmpegPath: e.FFMPEG_PATH,
    tls: e.SIAGA_TLS_CERT && e.SIAGA_TLS_KEY ? { certFile: path.resolve(root, e.SIAGA_TLS_CERT), keyFile: path.resolve(root, e.SIAGA_TLS_KEY), port: e.SIAGA_TLS_PORT } : undefined,
    rtmpPort: e.SIAGA_RTMP_PORT,
    rtmpSecret: e.SIAGA_RTMP_SECRET,
    osmandPort: e.SIAGA_OSMAND_PORT,
    adminToken: e.SIAGA_ADMIN_TOKEN,
    amlHmacKey: e.SIAGA_AML_HMAC_KEY,
    logLevel: e.SIAGA_LOG_LEVEL,
    noStreams: e.SIAGA_NO_STREAMS,
    intakeRatePerS: e.SIAGA_INTAKE_RATE,
    avlRatePerS: e.SIAGA_AVL_RATE,
    arrivalRadiusM: e.SIAGA_ARRIVAL_RADIUS_M,
    demoCallsPerDay: e.SIAGA_DEMO_CALLS_PER_DAY,
    backupDir: path.resolve(root, e.SIAGA_BACKUP_DIR ?? path.join(dataDir, 'backups')),
    backupIntervalS: e.SIAGA_BACKUP_INTERVAL_S,
    backupKeep: e.SIAGA_BACKUP_KEEP,
    minFreeDiskMB: e.SIAGA_MIN_FREE_DISK_MB,
    accessLogDays: e.SIAGA_ACCESS_LOG_DAYS,
    allowedOrigins: e.SIAGA_ALLOWED_ORIGINS,
    tokenTtlDays: e.SIAGA_TOKEN_TTL_DAYS,
    replayMaxFixes: e.SIAGA_REPLAY_MAX_FIXES,
    recording: {
      enabled: e.SIAGA_RECORD,
      dir: path.resolve(root, e.SIAGA_RECORDINGS_DIR ?? path.join(dataDir, 'recordings')),
      keepHours: e.SIAGA_RECORD_KEEP_HOURS,
      budgetBytes: e.SIAGA_RECORD_BUDGET_MB * 1_048_576,
      minFreeMB: e.SIAGA_RECORD_MIN_FREE_MB,
      fileS: e.SIAGA_RECORD_FILE_S,
    },
    retention: {
      intervalS: e.SIAGA_RETENTION_INTERVAL_S, positionsThinAfterDays: e.SIAGA_POSITIONS_THIN_DAYS, positionsThinS: e.SIAGA_POSITIONS_THIN_S,
      positionsKeepDays: e.SIAGA_POSITIONS_KEEP_DAYS, intakeRefsKeepDays: e.SIAGA_INTAKE_KEYS_KEEP_DAYS, intakeLogKeepDays: e.SIAGA_INTAKE_LOG_KEEP_DAYS,
      intakeLogMaxRows: e.SIAGA_INTAKE_LOG_MAX_ROWS, tokensKeepDays: e.SIAGA_TOKENS_KEEP_DAYS, placeCandidatesKeepDays: e.SIAGA_PLACE_CANDIDATES_KEEP_DAYS,
      videoAuditKeepDays: e.SIAGA_VIDEO_AUDIT_KEEP_DAYS,
    },
    cameraEnv: { ...env },
  };
}
