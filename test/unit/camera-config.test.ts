import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CameraConfigError, loadCameras, parseCameras } from '../../camera-config/load.ts';
import { publicCamera, redact } from '../../camera-config/redact.ts';

const FILE = path.resolve('camera-config/cameras.json');
const ENV = { SIAGA_CCTV_USER: 'wallviewer', SIAGA_CCTV_PASSWORD: 's3cret', SIAGA_CCTV_HOST: '127.0.0.1:8554' };
const LABEL = 'camera-config/cameras.json';

/** A valid one-camera file to break one field at a time. */
function validCamera(): Record<string, any> {
  return {
    id: 'cam-07',
    name: 'Simpang Jl. Bukit Barisan – Jl. Imam Munandar',
    lat: 0.494131,
    lon: 101.484546,
    bearingDeg: 88,
    fovDeg: 70,
    rangeM: 150,
    ptz: false,
    kelurahan: 'Tangkerang Timur',
    kelurahanKode: '14.71.10.1003',
    kecamatan: 'Tenayan Raya',
    source: { url: 'rtsp://${SIAGA_CCTV_USER}:${SIAGA_CCTV_PASSWORD}@${SIAGA_CCTV_HOST}/cam-07', transport: 'udp' },
    placement: 'reported',
    provenance: 'test',
  };
}
const fileWith = (...cameras: Record<string, any>[]) => ({ cameras });
function errorOf(json: unknown, env: Record<string, string | undefined> = ENV): CameraConfigError {
  try {
    parseCameras(json, LABEL, env);
  } catch (err) {
    expect(err).toBeInstanceOf(CameraConfigError);
    return err as CameraConfigError;
  }
  throw new Error('expected a CameraConfigError');
}
const withUrl = (url: string) => fileWith({ ...validCamera(), source: { url, transport: 'tcp' } });

describe('shipped cameras.json', () => {
  const cams = loadCameras(FILE, ENV);

  it('holds 35 unique cameras: 9 reported, 26 derived', () => {
    expect(cams).toHaveLength(35);
    expect(new Set(cams.map((c) => c.id)).size).toBe(35);
    expect(cams.filter((c) => c.placement === 'reported')).toHaveLength(9);
    expect(cams.filter((c) => c.placement === 'derived')).toHaveLength(26);
    expect(cams.map((c) => c.id)).toEqual(Array.from({ length: 35 }, (_, i) => `cam-${String(i + 1).padStart(2, '0')}`));
  });

  it('covers all 15 kecamatan of Kota Pekanbaru', () => {
    const kecamatan = new Set(cams.map((c) => c.kecamatan));
    expect([...kecamatan].sort()).toEqual([
      'Binawidya', 'Bukit Raya', 'Kulim', 'Limapuluh', 'Marpoyan Damai', 'Payung Sekaki', 'Pekanbaru Kota',
      'Rumbai', 'Rumbai Barat', 'Rumbai Timur', 'Sail', 'Senapelan', 'Sukajadi', 'Tenayan Raya', 'Tuahmadani',
    ]);
  });

  it('places derived cameras at two differently named roads, ≥ 400 m from every other camera, inside the city', () => {
    const metres = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) => {
      const k = Math.PI / 180;
      const x = (b.lon - a.lon) * k * Math.cos(((a.lat + b.lat) / 2) * k);
      return Math.hypot(x, (b.lat - a.lat) * k) * 6_371_008;
    };
    for (const cam of cams.filter((c) => c.placement === 'derived')) {
      expect(cam.roadIds, cam.id).toHaveLength(2);
      expect(cam.roadIds![0]).not.toBe(cam.roadIds![1]);
      expect(cam.name).toMatch(/^Simpang Jl\. .+ – Jl\. .+$/);
      expect(cam.provenance).toContain(`${cam.roadIds![0]} (`);
      expect(cam.provenance).toContain(`${cam.roadIds![1]} (`);
      for (const other of cams) if (other !== cam) expect(metres(cam, other), `${cam.id}–${other.id}`).toBeGreaterThanOrEqual(400);
    }
    for (const cam of cams) {
      // Kota Pekanbaru lies within ~0.40–0.70 N, 101.30–101.60 E.
      expect(cam.lat).toBeGreaterThan(0.4);
      expect(cam.lat).toBeLessThan(0.7);
      expect(cam.lon).toBeGreaterThan(101.3);
      expect(cam.lon).toBeLessThan(101.6);
    }
  });

  it('fills the credential placeholders and uses the camera id as path', () => {
    expect(cams[6].source).toEqual({ url: 'rtsp://wallviewer:s3cret@127.0.0.1:8554/cam-07', transport: 'udp' });
    const raw = fs.readFileSync(FILE, 'utf8');
    expect(raw).not.toContain('s3cret');
    expect(raw).toContain('"$comment"');
  });
});

describe('config errors name file, camera and field', () => {
  it('bad lat', () => {
    expect(errorOf(fileWith({ ...validCamera(), lat: 91 })).message).toBe(`${LABEL}: cam-07: lat: must be between -90 and 90`);
    expect(errorOf(fileWith({ ...validCamera(), lon: -181 })).message).toBe(`${LABEL}: cam-07: lon: must be between -180 and 180`);
    expect(errorOf(fileWith({ ...validCamera(), lat: '0.5' })).message).toMatch(/^camera-config\/cameras\.json: cam-07: lat: must be a number/);
  });

  it('bearing, fov, range', () => {
    expect(errorOf(fileWith({ ...validCamera(), bearingDeg: 361 })).message).toBe(`${LABEL}: cam-07: bearingDeg: must be between 0 and 360`);
    expect(errorOf(fileWith({ ...validCamera(), fovDeg: 0 })).message).toBe(`${LABEL}: cam-07: fovDeg: must be between 1 and 360`);
    expect(errorOf(fileWith({ ...validCamera(), rangeM: 0 })).message).toBe(`${LABEL}: cam-07: rangeM: must be greater than 0`);
  });

  it('duplicate id', () => {
    const e = errorOf(fileWith(validCamera(), { ...validCamera(), name: 'another' }));
    expect(e.message).toBe(`${LABEL}: cam-07: id: duplicate id "cam-07"`);
    expect([e.file, e.cameraId, e.field]).toEqual([LABEL, 'cam-07', 'id']);
  });

  it('bad id', () => {
    expect(errorOf(fileWith({ ...validCamera(), id: 'Cam 7' })).message).toBe(
      `${LABEL}: Cam 7: id: must match ^[a-z0-9][a-z0-9-]{0,31}$`,
    );
  });

  it('missing field; missing id falls back to the position', () => {
    const { name: _name, ...noName } = validCamera();
    expect(errorOf(fileWith(noName)).message).toBe(`${LABEL}: cam-07: name: is required`);
    const { url: _url, ...noUrl } = validCamera().source;
    expect(errorOf(fileWith({ ...validCamera(), source: noUrl })).message).toBe(`${LABEL}: cam-07: source.url: is required`);
    const { id: _id, ...noId } = validCamera();
    expect(errorOf(fileWith(validCamera(), { ...noId })).message).toBe(`${LABEL}: camera #2: id: is required`);
    expect(errorOf({}).message).toBe(`${LABEL}: cameras: is required`);
  });

  it('unknown field and bad enum', () => {
    expect(errorOf(fileWith({ ...validCamera(), bearing: 5 })).message).toMatch(/^camera-config\/cameras\.json: cam-07: bearing: unknown field/);
    expect(errorOf(fileWith({ ...validCamera(), source: { url: validCamera().source.url, transport: 'http' } })).message).toBe(
      `${LABEL}: cam-07: source.transport: must be "tcp" or "udp"`,
    );
  });

  it('transcode: to h264, with an even size and a bitrate within bounds', () => {
    const transcode = { to: 'h264', width: 640, height: 360, bitrateKbps: 800 };
    expect(parseCameras(fileWith({ ...validCamera(), transcode }), LABEL, ENV)[0].transcode).toEqual(transcode);
    expect(parseCameras(fileWith({ ...validCamera(), transcode: { to: 'h264' } }), LABEL, ENV)[0].transcode).toEqual({ to: 'h264' });
    const reason = (t: unknown) => errorOf(fileWith({ ...validCamera(), transcode: t })).message.slice(`${LABEL}: cam-07: `.length);
    expect(reason('h264')).toBe('transcode: must be an object like {"to": "h264", "width": 640}');
    expect(reason({ to: 'h265' })).toBe('transcode.to: must be "h264"');
    expect(reason({ to: 'h264', width: 641 })).toBe('transcode.width: must be an even whole number');
    expect(reason({ to: 'h264', height: 4320 })).toBe('transcode.height: must be between 16 and 2160');
    expect(reason({ to: 'h264', bitrateKbps: 50 })).toBe('transcode.bitrateKbps: must be between 100 and 20000');
    expect(reason({ to: 'h264', fps: 15 })).toMatch(/^transcode\.fps: unknown field/);
  });

  it.each([
    ['file:/etc/passwd', 'protocol "file:" is not allowed'],
    ['file:///etc/passwd', 'protocol "file:" is not allowed'],
    ['concat:rtsp://h/a.ts|file:/etc/passwd', 'must not contain |'],
    ['concat:rtsp://h/a', 'protocol "concat:" is not allowed'],
    ['subfile,,start,0,end,0,,:/etc/passwd', 'protocol "subfile,,start,0,end,0,,:" is not allowed'],
    ['pipe:0', 'protocol "pipe:" is not allowed'],
    ['data:text/plain;base64,AAAA', 'protocol "data:" is not allowed'],
    ['http://h/live.m3u8', 'protocol "http:" is not allowed'],
    ['crypto:rtsp://h/a', 'protocol "crypto:" is not allowed'],
    ['async:rtsp://h/a', 'protocol "async:" is not allowed'],
    ['tee:rtsp://h/a', 'protocol "tee:" is not allowed'],
    ['rtsp+file://h/a', 'protocol "rtsp+file:" is not allowed'],
    ['RTSP://h/a', 'protocol "RTSP:" is not allowed'],
    ['rtsp:h/a', 'must start with rtsp://'],
    ['/dev/video0', 'must start with rtsp://, rtsps://, rtmp://'],
    ['-i file:/etc/passwd', 'must not start with "-"'],
    ['rtsp://h/a b', 'must not contain whitespace or control characters'],
    ['rtsp://h/a\nfile:/x', 'must not contain whitespace or control characters'],
  ])('rejects source.url %j', (url, reason) => {
    const e = errorOf(withUrl(url));
    expect(e.message.startsWith(`${LABEL}: cam-07: source.url: `)).toBe(true);
    expect(e.message).toContain(reason);
  });

  it.each(['rtsp://10.0.0.5:554/ch1', 'rtsps://cam.example/ch1', 'rtmp://127.0.0.1/live/drone'])('accepts %s', (url) => {
    expect(parseCameras(withUrl(url), LABEL, {})[0].source.url).toBe(url);
  });

  it('invalid JSON and unreadable file name the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-cams-'));
    try {
      const bad = path.join(dir, 'cameras.json');
      fs.writeFileSync(bad, '{"cameras": [');
      expect(() => loadCameras(bad, ENV)).toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid JSON`));
      expect(() => loadCameras(path.join(dir, 'missing.json'), ENV)).toThrow(/missing\.json: cannot read: ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('${VAR} substitution', () => {
  it('fills ${VAR} and ${VAR:-default}', () => {
    const json = withUrl('rtsp://${U:-viewer}:${P}@${H:-10.0.0.5:554}/ch1');
    expect(parseCameras(json, LABEL, { P: 'pw' })[0].source.url).toBe('rtsp://viewer:pw@10.0.0.5:554/ch1');
    expect(parseCameras(json, LABEL, { U: 'op', P: 'pw', H: 'cam.local' })[0].source.url).toBe('rtsp://op:pw@cam.local/ch1');
  });

  it('an unset variable without default names file, camera, field and variable', () => {
    const e = errorOf(fileWith(validCamera()), { SIAGA_CCTV_USER: 'a', SIAGA_CCTV_HOST: 'h' });
    expect(e.message).toBe(
      `${LABEL}: cam-07: source.url: environment variable SIAGA_CCTV_PASSWORD is not set (use \${SIAGA_CCTV_PASSWORD:-default} for a default)`,
    );
  });

  it('percent-encodes credentials so they cannot change host or path', () => {
    const url = parseCameras(fileWith(validCamera()), LABEL, { ...ENV, SIAGA_CCTV_PASSWORD: 'p@ss:w/rd#1' })[0].source.url;
    expect(url).toBe('rtsp://wallviewer:p%40ss%3Aw%2Frd%231@127.0.0.1:8554/cam-07');
    expect(new URL(url).hostname).toBe('127.0.0.1');
  });

  it('a variable cannot smuggle in another protocol or whitespace', () => {
    expect(errorOf(withUrl('rtsp://${H}/x'), { H: 'h/a b' }).message).toBe(
      `${LABEL}: cam-07: source.url: after substitution: must not contain whitespace or control characters`,
    );
    expect(errorOf(withUrl('${U}'), { U: 'file:/etc/passwd' }).message).toContain('source.url: must start with');
  });
});

describe('redact', () => {
  it('removes userinfo from URLs inside ffmpeg stderr lines', () => {
    const line = "[rtsp @ 0x55d0c8a1c2c0] method DESCRIBE failed: 401 Unauthorized\nrtsp://admin:s3cret@10.0.0.5:554/ch1: Server returned 401 Unauthorized (authorization failed)";
    const out = redact(line);
    expect(out).not.toContain('s3cret');
    expect(out).not.toContain('admin');
    expect(out).toContain('rtsp://***@10.0.0.5:554/ch1: Server returned 401');
    expect(out).toContain('[rtsp @ 0x55d0c8a1c2c0]');
  });

  it('handles every scheme, quotes, unencoded @ in passwords and query secrets', () => {
    expect(redact("Input #0, rtsp, from 'rtsps://u:p@cam/x':")).toBe("Input #0, rtsp, from 'rtsps://***@cam/x':");
    expect(redact('rtmp://u:p@ss@h/live')).toBe('rtmp://***@h/live');
    expect(redact('GET https://api.example/v1?sign=abc123&x=1&token=T0K;password=pw')).toBe(
      'GET https://api.example/v1?sign=***&x=1&token=***;password=***',
    );
    expect(redact('no secrets here: rtsp://10.0.0.5/ch1')).toBe('no secrets here: rtsp://10.0.0.5/ch1');
  });
});

describe('publicCamera', () => {
  it('never carries the URL or its credentials', () => {
    for (const cam of loadCameras(FILE, ENV)) {
      const pub = publicCamera(cam);
      const text = JSON.stringify(pub);
      expect(text).not.toContain('s3cret');
      expect(text).not.toContain('wallviewer');
      expect(text).not.toContain('rtsp://');
      expect(pub.source).toEqual({ scheme: 'rtsp', transport: 'udp' });
      expect(pub).toMatchObject({ id: cam.id, lat: cam.lat, lon: cam.lon, bearingDeg: cam.bearingDeg });
    }
  });
});
