// The express app shell: common middleware and JSON error shape. Capability routers are mounted by main.ts.
import express from 'express';
import { DomainError } from '../../domain/errors.ts';
import { declareAccess } from './access.ts';
import { httpErrors } from './errors.ts';
import { sameOrigin } from './origin.ts';

export function createApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Every answer: no MIME sniffing, no framing of the wall by another site (clickjacking an operator's console), no
  // URL (a kiosk ?token=) leaked in a Referer, and only this origin's pages as openers.
  app.use(declareAccess<express.RequestHandler>((_req, res, next) => {
    res.set({
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy': "frame-ancestors 'none'",
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Permissions-Policy': 'camera=(), microphone=(), geolocation=(self)',
    });
    next();
  }, { kind: 'middleware' }));
  // A form or script on another site must not change anything with a session cookie (cross-site request forgery):
  // a state-changing request from a browser must come from one of this server's pages.
  app.use(declareAccess<express.RequestHandler>((req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || sameOrigin(req)) return next();
    next(new DomainError('forbidden', 'origin', 'requests that change state must come from this server\'s pages'));
  }, { kind: 'middleware' }));
  app.set('trust proxy', 'loopback');
  return app;
}

/**
 * Last handlers: unknown routes under /api are JSON 404s; every error then goes through http/errors.ts (DomainError
 * and body-parser failures as their 4xx, anything else a JSON 500 with no stack to the client).
 */
export function finishApp(app: express.Express): void {
  app.use('/api', declareAccess<express.RequestHandler>(() => {
    throw new DomainError('not_found', null, 'no such API route');
  }, { kind: 'public', why: 'an unknown API path is no secret' }));
  app.use(httpErrors);
}
