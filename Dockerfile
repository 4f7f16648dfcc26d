# syntax=docker/dockerfile:1
# Siaga Wall server image (Debian bookworm). Build: `docker build -t siaga-wall .`
# Run:   docker run -d --name siaga-wall --stop-timeout 15 -p 8080:8080 -p 1935:1935 -p 5055:5055 \
#          -v siaga-data:/var/lib/siaga-wall --env-file /etc/siaga-wall/env siaga-wall
# The server drains within 10 s of SIGTERM; Docker's default grace is exactly 10 s, hence --stop-timeout 15
# (compose: stop_grace_period: 15s). Checked by test/unit/deploy.test.ts (lint + the rules below).

# ── build: dependencies (better-sqlite3 compiles with node-gyp), then `npm run build` (dist/server, dist/wall) ─
FROM node:22-bookworm-slim AS build
# python3, make and g++ build better-sqlite3; the image's own Node headers (/usr/local/include/node) are used
# instead of downloading them, and from source instead of a prebuilt binary fetched from outside the registry.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local \
    npm_config_build_from_source=true \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# Lockfile first: the npm ci layer is reused while dependencies do not change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Build, then drop devDependencies (esbuild, typescript, vitest, ...): the built server does not need them.
# @ffmpeg-installer's 2018 static ffmpeg goes too: the runtime uses Debian's maintained ffmpeg (FFMPEG_PATH).
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund \
    && rm -rf node_modules/@ffmpeg-installer

# ── runtime ────────────────────────────────────────────────────────────────────────────────────────────────
FROM node:22-bookworm-slim
# ffmpeg: Debian's build, with security updates. tini: a real PID 1 (signals, zombie reaping).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg tini \
    && rm -rf /var/lib/apt/lists/*
# npm only starts the server here: no update check (the site may be offline), no log files (stdout is the log).
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_LOGS_MAX=0 \
    FFMPEG_PATH=/usr/bin/ffmpeg \
    SIAGA_DATA_DIR=/var/lib/siaga-wall \
    SIAGA_RUNTIME_DIR=/var/cache/siaga-wall
# Data and scratch dirs belong to the unprivileged `node` user (uid 1000) of the base image; created before
# VOLUME so a new named volume starts with that owner.
RUN mkdir -p /var/lib/siaga-wall /var/cache/siaga-wall \
    && chown node:node /var/lib/siaga-wall /var/cache/siaga-wall
WORKDIR /app
# The whole built tree, owned by root so the server cannot rewrite its own code: package.json (the server finds
# its root by it), dist/server and dist/wall, geo/data, camera-config/, server/site/*.json,
# server/demo/rtsp-server-child.cjs and the pruned node_modules.
COPY --from=build /app /app
USER node
# Durable state (SQLite: incidents, users, tokens): back this volume up. SIAGA_RUNTIME_DIR (HLS segments,
# snapshots) is scratch: leave it in the container or mount a tmpfs there (--tmpfs /var/cache/siaga-wall:uid=1000).
VOLUME ["/var/lib/siaga-wall"]
# HTTP (API, wall, HLS, /ws), RTMP ingest, Traccar/OsmAnd positions.
EXPOSE 8080 1935 5055
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "deploy/healthcheck.mjs"]
STOPSIGNAL SIGTERM
# `npm run serve` under tini. Signals: `docker stop` sends SIGTERM to tini (PID 1), tini passes it to npm, npm
# passes it to its script, and the script is `exec node ...`, so node itself gets it, drains (HTTP/ws, ffmpeg
# children, SQLite) and exits; npm and then tini exit after it. Two things this relies on, both checked by
# test/unit/deploy.test.ts: the serve script keeps its `exec` (without it npm signals `sh`, which dies at once,
# and node is killed mid-drain when PID 1 exits), and tini runs without -g (with it node can get SIGTERM twice, from
# tini and from npm, and the second one kills it: seen with npm 11). Tried both ways with npm 10 and 11.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["npm", "run", "serve"]
