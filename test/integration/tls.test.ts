// HTTPS with HTTP/2 on the real server (SIAGA_TLS_CERT/KEY, test/fixtures/tls: a self-signed localhost certificate):
// a browser-like client multiplexes many requests on one connection, writes keep their origin checks, an HTTP/1.1
// client and a WebSocket work on the same port, and the server still stops with connections open.
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../server/config.ts';
import { start, type Running } from '../../server/main.ts';

const ADMIN = 'tls-admin-token-0123456789abcdef';
const CERT = path.resolve('test/fixtures/tls/localhost.crt');
const ca = fs.readFileSync(CERT);
let tmp: string;
let running: Running;
let origin: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-tls-'));
  running = await start(
    loadConfig({
      PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: path.join(tmp, 'data'), SIAGA_RUNTIME_DIR: path.join(tmp, 'runtime'),
      SIAGA_ADMIN_TOKEN: ADMIN, SIAGA_NO_STREAMS: '1', SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: '0', SIAGA_LOG_LEVEL: 'error',
      SIAGA_BACKUP_INTERVAL_S: '0', SIAGA_INTAKE_RATE: '0', SIAGA_MIN_FREE_DISK_MB: '0', FFMPEG_PATH: process.env.FFMPEG_PATH,
      SIAGA_TLS_CERT: CERT, SIAGA_TLS_KEY: path.resolve('test/fixtures/tls/localhost.key'), SIAGA_TLS_PORT: '0',
    }, []),
  );
  origin = `https://localhost:${running.tlsPort}`;
});
afterAll(async () => {
  await running?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function h2request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request(headers);
    let data = '';
    let head: http2.IncomingHttpHeaders = {};
    req.setEncoding('utf8');
    req.on('response', (h) => (head = h));
    req.on('data', (d) => (data += d));
    req.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: data }));
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTPS with HTTP/2', () => {
  it('serves the API over HTTP/2: 40 requests at once on one connection, each answered', async () => {
    const session = http2.connect(origin, { ca });
    try {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => h2request(session, { ':path': i % 2 ? '/api/me' : '/api/health', authorization: `Bearer ${ADMIN}` })),
      );
      expect(session.alpnProtocol).toBe('h2');
      expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
      expect(JSON.parse(answers[1].body).role).toBe('admin');
      expect(JSON.parse(answers[0].body).ok).toBe(true);
      // hop-by-hop headers never cross into HTTP/2 (a connection-specific header is a protocol error there)
      expect(answers[0].headers.connection).toBeUndefined();
    } finally {
      session.close();
    }
  });

  it('a write from this origin is taken, the same write from another site refused; a forged X-Forwarded-For is not believed', async () => {
    const session = http2.connect(origin, { ca });
    try {
      const body = JSON.stringify({ category: 'kebakaran', description: 'uji TLS', location: { text: 'Kelurahan Jadirejo' } });
      const headers = { ':method': 'POST', ':path': '/api/incidents', authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
      const ok = await h2request(session, { ...headers, origin, 'x-forwarded-for': '203.0.113.9' }, body);
      expect(ok.status).toBe(201);
      const evil = await h2request(session, { ...headers, origin: 'https://evil.example' }, body);
      expect(evil.status).toBe(403);
      const list = await h2request(session, { ':path': '/api/incidents', authorization: `Bearer ${ADMIN}` });
      expect(JSON.parse(list.body).items.filter((i: { description: string }) => i.description === 'uji TLS')).toHaveLength(1);
      // the access log names the client's address, not the header it sent
      const logDir = path.join(tmp, 'data', 'logs');
      const lines = fs.readdirSync(logDir).flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n').filter(Boolean));
      const post = lines.map((l) => JSON.parse(l)).find((l) => l.method === 'POST' && l.status === 201);
      expect(post).toBeDefined();
      expect(JSON.stringify(post)).not.toContain('203.0.113.9');
      expect(post.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    } finally {
      session.close();
    }
  });

  it('answers HTTP/1.1 clients on the same port, and upgrades their WebSockets', async () => {
    const res = await new Promise<{ version: string; status: number }>((resolve, reject) => {
      https.get(`${origin}/api/health`, { ca }, (r) => {
        r.resume();
        resolve({ version: r.httpVersion, status: r.statusCode ?? 0 });
      }).on('error', reject);
    });
    expect(res).toEqual({ version: '1.1', status: 200 });
    const ws = new WebSocket(`wss://localhost:${running.tlsPort}/ws`, { ca, headers: { authorization: `Bearer ${ADMIN}`, origin } });
    const first = await new Promise<{ type: string }>((resolve, reject) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d))));
      ws.once('error', reject);
    });
    expect(first.type).toBe('snapshot');
    ws.close();
  });
});
