// The access log on a real HTTP server: one JSON line per request that matters, with who asked, never a query string
// or a credential; quiet for successful live video and static files; old days pruned.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp, finishApp } from '../../server/http/app.ts';
import { createAccessLog } from '../../server/http/access-log.ts';

describe('access log', () => {
  it('writes who did what, without query strings or tokens, and prunes days past the limit', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-access-'));
    fs.writeFileSync(path.join(dir, 'access-2001-01-01.jsonl'), '{}\n'); // long past the 30 days kept
    const log = createAccessLog(dir, 30);
    const app = createApp();
    app.use(log.middleware);
    app.use((req, res, next) => {
      if (req.headers.authorization === 'Bearer sg_secret-token') res.locals.principal = { id: 'token:7:wall-lobby' };
      next();
    });
    app.get('/api/incidents', (_req, res) => void res.json({ items: [] }));
    app.post('/api/incidents', (_req, res) => void res.status(201).json({}));
    app.get('/hls/:id/:file', (_req, res) => void res.send('part'));
    app.get('/', (_req, res) => void res.send('wall'));
    finishApp(app);
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const auth = { authorization: 'Bearer sg_secret-token' };
    await fetch(`${base}/api/incidents?q=Jl.%20Sudirman&token=sg_in-url`, { headers: auth });
    await fetch(`${base}/api/incidents`, { method: 'POST', headers: { ...auth, origin: base } });
    await fetch(`${base}/hls/cam-01/part-1.mp4`);
    await fetch(`${base}/?token=sg_kiosk`);
    await fetch(`${base}/api/nothing?token=sg_nothing`);
    server.close();
    await log.close();

    const files = fs.readdirSync(dir);
    expect(files).toEqual([`access-${new Date().toISOString().slice(0, 10)}.jsonl`]); // 2001 pruned
    const text = fs.readFileSync(path.join(dir, files[0]), 'utf8');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.method, l.path, l.status, l.who])).toEqual([
      ['GET', '/api/incidents', 200, 'token:7:wall-lobby'],
      ['POST', '/api/incidents', 201, 'token:7:wall-lobby'],
      ['GET', '/api/nothing', 404, null],
    ]);
    expect(lines.every((l) => typeof l.ms === 'number' && l.ip === '127.0.0.1' && !Number.isNaN(Date.parse(l.t)))).toBe(true);
    expect(text).not.toMatch(/sg_|Sudirman|token=/);
  });
});
