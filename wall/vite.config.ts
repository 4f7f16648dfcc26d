// Vite build of the wall. Root is wall/, output dist/wall (served by server/http/wall-static.ts).
// geo/ is imported as source (pure TS) so the FOV cones use the same math as the server's ranking.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defineConfig } from 'vite';

const wallDir = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: wallDir,
  base: '/',
  publicDir: false,
  clearScreen: false,
  logLevel: 'warn',
  build: {
    outDir: path.join(wallDir, '../dist/wall'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    sourcemap: false,
  },
  server: { fs: { allow: [path.resolve(wallDir, '..')] } },
});
