// The express app shell: common middleware and JSON error shape. Capability routers are mounted by main.ts.
import express, { type ErrorRequestHandler } from 'express';
import { bodyErrors } from './errors.ts';

export function createApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  return app;
}

/**
 * Last handlers: unknown routes under /api are JSON 404s, body-parser failures are `{error, field: 'body'}` 4xx,
 * thrown errors are JSON 500s (never a stack to the client).
 */
export function finishApp(app: express.Express): void {
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) process.stderr.write(`[http] ${String(err?.stack ?? err)}\n`);
    res.status(status).json({ error: status >= 500 ? 'internal_error' : String(err?.message ?? 'bad_request') });
  };
  app.use(bodyErrors, onError);
}
