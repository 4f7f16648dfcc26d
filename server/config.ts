// The one place that reads the environment. Every variable is listed (and documented) here and in README.md.
import path from 'node:path';

export interface Config {
  /** demo = simulated cameras (RTSP server + publishers), 112 traffic and units. */
  demo: boolean;
  port: number;
  host: string;
  dataDir: string;
  /** Where HLS segments, snapshots and demo clips live (tmp-like, safe to delete). */
  runtimeDir: string;
  camerasFile: string;
  ffmpegPath: string | undefined;
  rtmpPort: number;
  /** Secret for node-media-server signed publish URLs (rtmp://host/live/<cam>?sign=<exp>-<md5>). */
  rtmpSecret: string | undefined;
  osmandPort: number;
  adminToken: string | undefined;
  amlHmacKey: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** SIAGA_NO_STREAMS=1: start without cameras/ffmpeg (fast startup for API tests and API-only deployments). */
  noStreams: boolean;
  /** SIAGA_INTAKE_RATE: intake requests per second per token (or per IP without one); 0 = no limit. Default 300. */
  intakeRatePerS: number;
  /** Arrival fence: a dispatched unit stopped within max(this, its fix accuracy) of the incident point is on scene. */
  arrivalRadiusM: number;
  /** Demo: mean 112 calls per day, for the seeded history and the live traffic alike. */
  demoCallsPerDay: number;
  /** Where online backups of the store go (server/store/backup.ts). Default <dataDir>/backups. */
  backupDir: string;
  /** Seconds between backups (one is also taken at start-up); 0 = no backups. Default 3600. */
  backupIntervalS: number;
  /** Backups kept (older ones are deleted). Default 24. */
  backupKeep: number;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be an integer 0..65535, got "${raw}"`);
  return n;
}

/** An integer in min..max (int() above is for ports and other 16-bit values). */
function intIn(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer ${min}..${max}, got "${raw}"`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2)): Config {
  const root = process.cwd();
  const dataDir = path.resolve(root, env.SIAGA_DATA_DIR || 'data');
  const level = (env.SIAGA_LOG_LEVEL || 'info') as Config['logLevel'];
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new Error(`SIAGA_LOG_LEVEL must be debug|info|warn|error`);
  return {
    demo: argv.includes('--demo') || env.SIAGA_DEMO === '1',
    port: int(env, 'PORT', 8080),
    host: env.HOST || '0.0.0.0',
    dataDir,
    runtimeDir: path.resolve(root, env.SIAGA_RUNTIME_DIR || 'runtime'),
    camerasFile: path.resolve(root, env.SIAGA_CAMERAS_FILE || 'camera-config/cameras.json'),
    ffmpegPath: env.FFMPEG_PATH || undefined,
    rtmpPort: int(env, 'SIAGA_RTMP_PORT', 1935),
    rtmpSecret: env.SIAGA_RTMP_SECRET || undefined,
    osmandPort: int(env, 'SIAGA_OSMAND_PORT', 5055),
    adminToken: env.SIAGA_ADMIN_TOKEN || undefined,
    amlHmacKey: env.SIAGA_AML_HMAC_KEY || undefined,
    logLevel: level,
    noStreams: env.SIAGA_NO_STREAMS === '1',
    intakeRatePerS: int(env, 'SIAGA_INTAKE_RATE', 300),
    arrivalRadiusM: int(env, 'SIAGA_ARRIVAL_RADIUS_M', 100),
    demoCallsPerDay: int(env, 'SIAGA_DEMO_CALLS_PER_DAY', 70),
    backupDir: path.resolve(root, env.SIAGA_BACKUP_DIR || path.join(dataDir, 'backups')),
    backupIntervalS: intIn(env, 'SIAGA_BACKUP_INTERVAL_S', 3600, 0, 7 * 86_400),
    backupKeep: intIn(env, 'SIAGA_BACKUP_KEEP', 24, 1, 10_000),
  };
}
