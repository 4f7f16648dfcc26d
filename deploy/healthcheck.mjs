// Container health check (Dockerfile HEALTHCHECK): exit 0 when GET /api/health answers 2xx with {"ok":true}
// within 4 s, 1 otherwise. Node's own fetch, since the slim image has no curl or wget. PORT and HOST are read
// as server/config.ts reads them; a wildcard bind address is checked over loopback.
const port = Number(process.env.PORT || 8080);
const bind = process.env.HOST || '0.0.0.0';
const host = ['0.0.0.0', '::', ''].includes(bind) ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
try {
  const res = await fetch(`http://${host}:${port}/api/health`, { signal: AbortSignal.timeout(4000) });
  const body = res.ok ? await res.json() : null;
  process.exit(body?.ok === true ? 0 : 1);
} catch {
  process.exit(1);
}
