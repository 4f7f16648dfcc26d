// Where the repository's files are, for source runs (tsx, server/*.ts) and the built server (dist/server/main.js)
// alike: the nearest directory above this module that holds package.json. Data the server reads at run time
// (geo/data, server/kpis/*.json, the wall build) is read from there, never relative to the module's own file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
/** The built artefacts: dist/server (npm run build:server) and dist/wall (npm run build:wall). */
export const DIST_DIR = path.join(PROJECT_ROOT, 'dist');
