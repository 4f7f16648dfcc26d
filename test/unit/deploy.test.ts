// Deployment artefacts: deploy/siaga-wall.service, Dockerfile, .dockerignore, deploy/healthcheck.mjs.
// Neither systemd (as PID 1) nor a Docker engine runs here, so these are static checks: systemd's own parser
// (`systemd-analyze verify`) where the machine has it, dockerfile-utils' linter (the VS Code Docker extension's
// engine), and the rules these files must keep, cross-checked against the code (config defaults, file paths).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate, ValidationSeverity, type ValidatorSettings } from 'dockerfile-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');
const UNIT_FILE = 'deploy/siaga-wall.service';
/** The ports the server listens on by default (HTTP, RTMP, OsmAnd), from the one place that reads the environment. */
const DEFAULTS = loadConfig({}, []);
const DEFAULT_PORTS = [DEFAULTS.port, DEFAULTS.rtmpPort, DEFAULTS.osmandPort];
/** `npm run serve`: the production start, `exec node [flags] dist/server/main.js`. */
const SERVE: string = JSON.parse(read('package.json')).scripts?.serve ?? '';
const SERVE_NODE = /^exec node((?: --[\w-]+(?:=\S+)?)*) dist\/server\/main\.js$/.exec(SERVE);

// ── systemd unit ────────────────────────────────────────────────────────────────────────────────────────────

type Unit = Map<string, Array<[key: string, value: string]>>;

/** systemd's unit syntax: [Section], Key=Value, '#'/';' comments, trailing '\' continues a line; keys repeat. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: string | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const head = /^\[([^\]]+)\]$/.exec(line);
    if (head) {
      section = head[1];
      if (!unit.has(section)) unit.set(section, []);
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || !section) throw new Error(`${UNIT_FILE}:${i + 1}: not "Key=Value" in a section: ${line}`);
    unit.get(section)!.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  });
  return unit;
}

/** Every value of a key, in order (Environment=, ReadWritePaths= may repeat). */
const all = (unit: Unit, section: string, key: string) =>
  (unit.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);
/** The effective value: the last assignment wins (an empty assignment resets a list, as in systemd). */
const one = (unit: Unit, section: string, key: string) => all(unit, section, key).at(-1);

/** Environment= assignments: space-separated, optionally double-quoted ("A=b c" D=e). */
function environment(unit: Unit): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of all(unit, 'Service', 'Environment')) {
    for (const m of line.matchAll(/"([^"]*)"|(\S+)/g)) {
      const word = m[1] ?? m[2];
      const eq = word.indexOf('=');
      if (eq > 0) env.set(word.slice(0, eq), word.slice(eq + 1));
    }
  }
  return env;
}

/** Words of ReadWritePaths= (every assignment; '-' prefix = ignore if missing). */
const readWritePaths = (unit: Unit) =>
  all(unit, 'Service', 'ReadWritePaths').flatMap((v) => v.split(/\s+/).filter(Boolean)).map((p) => p.replace(/^-/, ''));

function execStart(unit: Unit): { bin: string; args: string[] } {
  const line = one(unit, 'Service', 'ExecStart') ?? '';
  const [bin = '', ...args] = line.replace(/^[-@:+!]+/, '').split(/\s+/);
  return { bin, args };
}

describe(`systemd unit (${UNIT_FILE})`, () => {
  const text = read(UNIT_FILE);
  const unit = parseUnit(text);
  const service = (key: string) => one(unit, 'Service', key);

  it('runs what `npm run serve` runs, with node, from the deployment checkout', () => {
    expect(service('Type')).toBe('simple');
    const { bin, args } = execStart(unit);
    // systemd wants an absolute executable; the script is resolved against WorkingDirectory=.
    expect(bin).toBe('/usr/bin/node');
    expect(args.at(-1)).toBe('dist/server/main.js');
    expect(SERVE_NODE, `package.json "serve" is "exec node [flags] dist/server/main.js", not "${SERVE}"`).not.toBeNull();
    expect(args.join(' ')).toBe(SERVE.replace(/^exec node /, ''));
    expect(service('WorkingDirectory')).toBe('/opt/siaga-wall');
    // dist/server/main.js is compiled from server/main.ts: a renamed entry point must be renamed here too.
    expect(fs.existsSync(path.join(ROOT, 'server/main.ts'))).toBe(true);
  });

  it('runs as a dedicated unprivileged user with no capabilities', () => {
    const user = service('User');
    expect(user).toBe('siaga');
    expect(service('Group')).toBe('siaga');
    expect(service('DynamicUser') ?? 'no').toBe('no');
    // Empty bounding set: fine only while every default port is unprivileged.
    expect(service('CapabilityBoundingSet')).toBe('');
    for (const port of DEFAULT_PORTS) expect(port).toBeGreaterThanOrEqual(1024);
    // The install steps create that user.
    expect(read('deploy/README.md')).toMatch(new RegExp(`useradd[^\\n]*\\b${user}\\b`));
  });

  it('keeps durable state and scratch in systemd-managed directories it may write', () => {
    expect(service('EnvironmentFile')).toBe('-/etc/siaga-wall/env');
    const env = environment(unit);
    expect(env.get('SIAGA_DATA_DIR')).toBe('/var/lib/siaga-wall');
    expect(env.get('SIAGA_RUNTIME_DIR')).toBe('/var/cache/siaga-wall');
    // StateDirectory=/CacheDirectory= create exactly those (owned by User=); nothing else is writable.
    expect(`/var/lib/${service('StateDirectory')}`).toBe(env.get('SIAGA_DATA_DIR'));
    expect(`/var/cache/${service('CacheDirectory')}`).toBe(env.get('SIAGA_RUNTIME_DIR'));
    expect(readWritePaths(unit).sort()).toEqual([env.get('SIAGA_DATA_DIR'), env.get('SIAGA_RUNTIME_DIR')].sort());
    // Every variable the unit sets is one server/config.ts (or node/ffmpeg lookup) knows about.
    const config = read('server/config.ts') + read('README.md');
    for (const name of env.keys()) if (name !== 'NODE_ENV') expect(config, name).toContain(name);
  });

  it('stops by SIGTERM to node, with room for its 10 s drain, and always comes back', () => {
    expect(service('KillMode')).toBe('mixed');
    expect(service('KillSignal')).toBe('SIGTERM');
    expect(service('TimeoutStopSec')).toBe('15');
    expect(Number(service('TimeoutStopSec'))).toBeGreaterThan(10);
    expect(service('Restart')).toBe('always');
    expect(service('RestartSec')).toBe('2');
    expect(service('LimitNOFILE')).toBe('65536');
    expect(one(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('has the sandboxing settings', () => {
    const want: Record<string, string> = {
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectControlGroups: 'yes',
      RestrictNamespaces: 'yes',
      LockPersonality: 'yes',
      RestrictRealtime: 'yes',
      SystemCallArchitectures: 'native',
    };
    for (const [key, value] of Object.entries(want)) expect(service(key), key).toBe(value);
    expect(['yes', 'no']).toContain(service('PrivateDevices'));
    expect(new Set(service('RestrictAddressFamilies')?.split(/\s+/))).toEqual(new Set(['AF_INET', 'AF_INET6', 'AF_UNIX']));
    // V8's JIT needs writable+executable memory: this one would make node abort at start.
    expect(service('MemoryDenyWriteExecute') ?? 'no').toBe('no');
  });

  const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => fs.existsSync(p));

  /**
   * `systemd-analyze verify` on a copy of the unit. It exits 0 on most mistakes (an unknown key, a bad value is
   * "ignoring"), so any line it prints about this unit counts as a failure. The only environment-dependent part
   * is ExecStart's binary (it must exist): where /usr/bin/node is missing the copy runs this test's node instead.
   * Lines about other units (the system's own targets) are not ours and are left out.
   */
  function verify(unitText: string): { status: number | null; ours: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-unit-'));
    try {
      const file = path.join(dir, 'siaga-wall.service');
      const { bin } = execStart(parseUnit(unitText));
      const text = fs.existsSync(bin) ? unitText : unitText.replace(/^(ExecStart=[-@:+!]*)\S+/m, `$1${process.execPath}`);
      fs.writeFileSync(file, text);
      const r = spawnSync(analyze!, ['verify', '--man=no', file], {
        encoding: 'utf8',
        env: { ...process.env, SYSTEMD_LOG_COLOR: '0', SYSTEMD_PAGER: '', LC_ALL: 'C' },
        timeout: 30_000,
      });
      const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter(Boolean);
      return { status: r.status, ours: lines.filter((l) => l.includes(file) || l.includes('siaga-wall.service')) };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it.skipIf(!analyze)('passes systemd-analyze verify without a single complaint', () => {
    const { status, ours } = verify(text);
    expect(ours).toEqual([]);
    expect(status).toBe(0);
  });

  it.skipIf(!analyze)('systemd-analyze verify does catch mistakes here (the check above is not vacuous)', () => {
    expect(verify(text.replace(/^KillMode=mixed$/m, 'KillMode=mixd')).ours.join('\n')).toMatch(/kill mode/i);
    expect(verify(text.replace(/^ProtectSystem=strict$/m, 'ProtectSytem=strict')).ours.join('\n')).toMatch(/Unknown key/);
    expect(verify(text.replace(/^TimeoutStopSec=15$/m, 'TimeoutStopSec=15q')).ours.join('\n')).toMatch(/time value/i);
  });
});

// ── Dockerfile ──────────────────────────────────────────────────────────────────────────────────────────────

/** Everything dockerfile-utils can flag, as an error. */
const STRICT: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};
const lint = (text: string) => validate(text, STRICT).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);

/** Instructions grouped by stage (each starts with its FROM). */
function stages(text: string): Instruction[][] {
  const out: Instruction[][] = [];
  for (const ins of DockerfileParser.parse(text).getInstructions()) {
    if (ins.getKeyword() === 'FROM') out.push([]);
    out.at(-1)?.push(ins);
  }
  return out;
}
const args = (ins: Instruction) => ins.getArguments().map((a) => a.getValue());
const of = (stage: Instruction[], keyword: string) => stage.filter((i) => i.getKeyword() === keyword);
/** Exec-form (JSON array) arguments of CMD/ENTRYPOINT/VOLUME/COPY, or null in shell form. */
function execForm(ins: Instruction): string[] | null {
  try {
    const v = JSON.parse((ins.getRawArgumentsContent() ?? '').replace(/\\\n/g, ' ').trim());
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
  } catch {
    return null;
  }
}
/** ENV of a stage (both `ENV A=b C=d` and legacy `ENV A b`). */
function envOf(stage: Instruction[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const ins of of(stage, 'ENV')) {
    const a = args(ins);
    if (a.length === 2 && !a[0].includes('=')) env.set(a[0], a[1]);
    else for (const kv of a) env.set(kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1));
  }
  return env;
}

/**
 * .dockerignore as Docker reads it: patterns anchored at the context root (`data` is /data, not geo/data), `*`
 * within one path segment, `**` across segments, a match on a directory excludes what is inside, `!` re-includes.
 */
function dockerignore(text: string): (rel: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pat = path.posix.normalize(l.replace(/^!/, '').replace(/^\/+/, '')).replace(/\/+$/, '');
      const token = (part: string) =>
        part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      return { negate, re: new RegExp(`^${pat.split(/(\*\*\/?|\*|\?)/).map(token).join('')}(?:/.*)?$`) };
    });
  return (rel) => {
    let ignored = false;
    for (const r of rules) if (r.re.test(rel)) ignored = !r.negate;
    return ignored;
  };
}

function gitFiles(): string[] | null {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const allStages = stages(text);
  const build = allStages[0];
  const final = allStages.at(-1)!;

  it('lints clean (dockerfile-utils, every rule as an error)', () => {
    expect(lint(text)).toEqual([]);
  });

  it('the linter does catch mistakes (the check above is not vacuous)', () => {
    const broken = (re: RegExp, to: string) => {
      expect(text).toMatch(re);
      return lint(text.replace(re, to));
    };
    expect(broken(/^COPY --from=build/m, 'COPY --form=build').join('\n')).toMatch(/Unknown flag/i);
    expect(broken(/^EXPOSE 8080/m, 'EXPOSE 8080/tcpx').join('\n')).toMatch(/proto/i);
    expect(broken(/--interval=30s/, '--interval=30').join('\n')).toMatch(/duration/i);
    expect(broken(/^FROM (\S+) AS build$/m, 'FROM $1 AS build\nFROM $1 AS build').join('\n')).toMatch(/duplicate/i);
    expect(lint(`${text}\nCMD ["node"]\n`)).not.toEqual([]);
  });

  it('builds on Debian bookworm from pinned, named tags, in two stages', () => {
    const froms = DockerfileParser.parse(text).getFROMs();
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const earlier = new Set<string>();
    for (const from of froms) {
      const image = from.getImageName() ?? '';
      if (!earlier.has(image)) {
        // Docker Hub's official node image on Debian 12, with an explicit tag (never latest, never untagged).
        expect(from.getRegistry()).toBeNull();
        expect(image).toBe('node');
        expect(from.getImageTag(), from.getImage() ?? '').toMatch(/^\d+(\.\d+)*-bookworm(-slim)?$/);
      }
      const name = from.getBuildStage();
      if (name) earlier.add(name);
    }
    expect(text).not.toMatch(/:latest\b/);
  });

  it('installs from apt only the usual way: update, no recommends, lists removed, in one RUN', () => {
    const runs = allStages.flatMap((s) => of(s, 'RUN')).map((i) => i.getRawArgumentsContent() ?? '');
    const installs = runs.filter((r) => /apt-get\s+install/.test(r));
    expect(installs.length).toBeGreaterThan(0);
    for (const r of installs) {
      expect(r).toMatch(/apt-get update/);
      expect(r).toMatch(/apt-get install -y --no-install-recommends /);
      expect(r).toMatch(/rm -rf \/var\/lib\/apt\/lists\/\*/);
    }
    expect(runs.join('\n')).not.toMatch(/\bapt\s+install|curl |wget /);
    const finalInstall = of(final, 'RUN').map((i) => i.getRawArgumentsContent()!).find((r) => /apt-get\s+install/.test(r)) ?? '';
    expect(finalInstall).toMatch(/\bffmpeg\b/);
    expect(finalInstall).toMatch(/\btini\b/);
    const buildRuns = of(build, 'RUN').map((i) => i.getRawArgumentsContent()!).join('\n');
    for (const tool of ['python3', 'make', 'g\\+\\+']) expect(buildRuns).toMatch(new RegExp(`install[^\\n]*\\s${tool}(\\s|$)`));
  });

  it('builds with the lockfile and the project build script, and ships only production dependencies', () => {
    const buildRuns = of(build, 'RUN').map((i) => i.getRawArgumentsContent()!).join('\n');
    expect(buildRuns).toMatch(/\bnpm ci\b/);
    expect(buildRuns).toMatch(/\bnpm run build\b/);
    expect(buildRuns).toMatch(/\bnpm prune --omit=dev\b/);
    // The runtime stage takes the built tree from the build stage, and compiles nothing itself.
    expect(of(final, 'COPY').some((c) => (c as Copy).getFromFlag()?.getValue() === 'build')).toBe(true);
    expect(of(final, 'RUN').map((i) => i.getRawArgumentsContent()).join('\n')).not.toMatch(/\bnpm (ci|install|run)\b/);
  });

  it('runs as a non-root user', () => {
    const users = of(final, 'USER').map((u) => args(u)[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
    // USER comes before the process is defined, and nothing after it switches back.
    const idx = (k: string) => final.findIndex((i) => i.getKeyword() === k);
    expect(idx('USER')).toBeLessThan(idx('CMD'));
  });

  it('configures the server through its own environment variables', () => {
    const env = envOf(final);
    expect(env.get('FFMPEG_PATH')).toBe('/usr/bin/ffmpeg');
    expect(env.get('SIAGA_DATA_DIR')).toBe('/var/lib/siaga-wall');
    const config = read('server/config.ts');
    for (const name of env.keys()) if (!/^(NODE_ENV|NPM_CONFIG_\w+)$/.test(name)) expect(config, name).toContain(name);
    // The durable directory is a volume; the scratch one is not.
    const volumes = of(final, 'VOLUME').flatMap((v) => execForm(v) ?? args(v));
    expect(volumes).toContain(env.get('SIAGA_DATA_DIR'));
    expect(volumes).not.toContain(env.get('SIAGA_RUNTIME_DIR'));
  });

  it('exposes exactly the default ports of server/config.ts', () => {
    const ports = of(final, 'EXPOSE').flatMap(args).map((p) => Number(p.replace(/\/tcp$/, '')));
    expect(ports.sort()).toEqual([...DEFAULT_PORTS].sort());
  });

  it('runs `npm run serve` under tini so that SIGTERM reaches node (see the comment above CMD)', () => {
    expect(of(final, 'STOPSIGNAL').map((s) => args(s)[0])).toEqual(['SIGTERM']);
    const entry = of(final, 'ENTRYPOINT');
    expect(entry).toHaveLength(1);
    // Exec form (no /bin/sh in between), and no -g: tini signals npm only, npm passes it on once.
    expect(execForm(entry[0])).toEqual(['/usr/bin/tini', '--']);
    const cmd = of(final, 'CMD');
    expect(cmd).toHaveLength(1);
    expect(execForm(cmd[0])).toEqual(['npm', 'run', 'serve']);
    // npm runs the script with `sh -c`: only with `exec` is npm's child node itself, so npm's forwarded SIGTERM
    // reaches node and npm (hence tini, PID 1) waits for the drain. Without it sh dies and node is SIGKILLed.
    expect(SERVE_NODE, `package.json "serve" must be "exec node [flags] dist/server/main.js", not "${SERVE}"`).not.toBeNull();
    // dist/server/main.js is built from server/main.ts.
    expect(fs.existsSync(path.join(ROOT, 'server/main.ts'))).toBe(true);
  });

  it('checks health with node (the slim image has no curl)', () => {
    const health = of(final, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    const raw = (health[0].getRawArgumentsContent() ?? '').replace(/\\\n/g, ' ');
    const json: string[] = JSON.parse(raw.slice(raw.indexOf(' CMD ') + 5).trim());
    expect(json).toEqual(['node', 'deploy/healthcheck.mjs']);
    // It is in the image: in the repository and not left out of the build context.
    expect(fs.existsSync(path.join(ROOT, json[1]))).toBe(true);
    expect(dockerignore(read('.dockerignore'))(json[1])).toBe(false);
  });

  it('copies from the build context only paths that exist and that .dockerignore keeps', () => {
    const ignored = dockerignore(read('.dockerignore'));
    for (const stage of allStages) {
      for (const copy of [...of(stage, 'COPY'), ...of(stage, 'ADD')]) {
        if (copy instanceof Copy && copy.getFromFlag()) continue;
        const words = execForm(copy) ?? args(copy);
        for (const src of words.slice(0, -1)) {
          expect(src, `${copy.getKeyword()} ${src}: no URLs, no paths outside the context`).not.toMatch(/^(https?:|\.\.)/);
          expect(fs.existsSync(path.join(ROOT, src)), `${copy.getKeyword()} ${src} exists`).toBe(true);
          if (src !== '.') expect(ignored(path.posix.normalize(src)), `${src} is not in .dockerignore`).toBe(false);
        }
      }
    }
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignore(read('.dockerignore'));

  it('leaves out host builds, installs, local data and the git history', () => {
    for (const p of ['node_modules', 'node_modules/x/y.js', 'dist', 'dist/server/main.js', 'dist/wall/index.html', 'data/siaga.sqlite', 'runtime/hls/x.ts', 'test/artifacts/a.png', '.git/HEAD'])
      expect(ignored(p), p).toBe(true);
  });

  it('is anchored at the root like Docker: geo/data and camera-config stay in', () => {
    for (const p of ['geo/data/SOURCES.md', 'camera-config/cameras.json', 'server/site/routing.json', 'server/site/sla.json', 'server/demo/rtsp-server-child.cjs', 'package-lock.json'])
      expect(ignored(p), p).toBe(false);
  });

  // The image is built from the sources: leaving a tracked file out of the context must be a deliberate change
  // here. Build output is the exception (the build stage makes its own): dist/, and wall/dist from before the
  // wall's output moved to dist/wall.
  const tracked = gitFiles();
  const BUILD_OUTPUT = /^(dist|wall\/dist)\//;
  it.runIf(!!tracked)('keeps every source file git tracks in the build context', () => {
    expect(tracked!.filter((f) => ignored(f) && !BUILD_OUTPUT.test(f))).toEqual([]);
  });
});

// ── deploy/healthcheck.mjs (the container's HEALTHCHECK) ────────────────────────────────────────────────────

describe('deploy/healthcheck.mjs', () => {
  let server: http.Server;
  let port: number;
  let answer: { status: number; body: string } = { status: 200, body: '{"ok":true}' };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url !== '/api/health') return void res.writeHead(404).end();
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Runs the script as Docker would (asynchronously: the server above answers from this process). */
  function check(env: Record<string, string>): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'deploy/healthcheck.mjs')], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: 'ignore',
      });
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
  }

  it('is healthy when /api/health answers {"ok":true}, on HOST or over loopback for a wildcard bind', async () => {
    answer = { status: 200, body: '{"ok":true,"demo":false,"uptimeS":3}' };
    expect(await check({ PORT: String(port), HOST: '127.0.0.1' })).toBe(0);
    expect(await check({ PORT: String(port), HOST: '0.0.0.0' })).toBe(0);
    expect(await check({ PORT: String(port) })).toBe(0);
  });

  it('is unhealthy on an error status, a body without ok, or nothing listening', async () => {
    answer = { status: 503, body: '{"ok":false}' };
    expect(await check({ PORT: String(port) })).toBe(1);
    answer = { status: 200, body: 'not json' };
    expect(await check({ PORT: String(port) })).toBe(1);
    answer = { status: 200, body: '{"ok":false}' };
    expect(await check({ PORT: String(port) })).toBe(1);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await check({ PORT: String(freePort) })).toBe(1);
  });
});
