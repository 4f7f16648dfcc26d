// Which browser pages may change state or open a WebSocket: this host, the public host a proxy on this machine
// forwards, and the origins the centre configured (SIAGA_ALLOWED_ORIGINS); nothing else, however it is spelled.
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { allowOrigins, sameOrigin } from '../../server/http/origin.ts';

const req = (origin: string | undefined, opts: { host?: string; from?: string; forwarded?: string } = {}) =>
  ({
    headers: { origin, host: opts.host ?? 'wall.local:8080', ...(opts.forwarded ? { 'x-forwarded-host': opts.forwarded } : {}) },
    socket: { remoteAddress: opts.from ?? '10.1.2.3' },
  }) as unknown as http.IncomingMessage;

afterEach(() => allowOrigins([]));

describe('sameOrigin', () => {
  it('takes no Origin (not a browser), this host, and a forwarded host only from a local proxy', () => {
    expect(sameOrigin(req(undefined))).toBe(true);
    expect(sameOrigin(req('http://wall.local:8080'))).toBe(true);
    expect(sameOrigin(req('http://wall.local:8080.evil.example'))).toBe(false);
    expect(sameOrigin(req('null'))).toBe(false);
    expect(sameOrigin(req('https://siaga.example', { forwarded: 'siaga.example', from: '127.0.0.1' }))).toBe(true);
    expect(sameOrigin(req('https://siaga.example', { forwarded: 'siaga.example', from: '10.9.9.9' }))).toBe(false);
  });

  it('takes a configured origin exactly: scheme, host and port', () => {
    const cfg = loadConfig({ SIAGA_ALLOWED_ORIGINS: 'https://wall.pekanbaru.example, http://10.0.0.5:8080' }, []);
    allowOrigins(cfg.allowedOrigins);
    expect(sameOrigin(req('https://wall.pekanbaru.example'))).toBe(true);
    expect(sameOrigin(req('http://10.0.0.5:8080'))).toBe(true);
    expect(sameOrigin(req('http://wall.pekanbaru.example'))).toBe(false);
    expect(sameOrigin(req('http://10.0.0.5:8081'))).toBe(false);
    expect(() => loadConfig({ SIAGA_ALLOWED_ORIGINS: 'wall.example/path' }, [])).toThrow(/SIAGA_ALLOWED_ORIGINS/);
  });
});
