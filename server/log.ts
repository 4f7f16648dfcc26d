// Minimal structured logger. Every line passes through redact(): known camera secrets and URL credentials never
// reach stdout, whatever a caller forgot.
import { redact } from '../camera-config/redact.ts';
type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** 'info' until start-up applies the configured level (server/config.ts: SIAGA_LOG_LEVEL). */
let threshold: number = order.info;

export function setLogLevel(level: Level): void {
  threshold = order[level];
}

function emit(level: Level, scope: string, msg: string, extra?: Record<string, unknown>): void {
  if (order[level] < threshold) return;
  const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${scope}] ${msg}` +
    (extra && Object.keys(extra).length ? ' ' + JSON.stringify(extra) : '');
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(redact(line) + '\n');
}

export function logger(scope: string) {
  return {
    debug: (m: string, x?: Record<string, unknown>) => emit('debug', scope, m, x),
    info: (m: string, x?: Record<string, unknown>) => emit('info', scope, m, x),
    warn: (m: string, x?: Record<string, unknown>) => emit('warn', scope, m, x),
    error: (m: string, x?: Record<string, unknown>) => emit('error', scope, m, x),
  };
}
export type Logger = ReturnType<typeof logger>;
