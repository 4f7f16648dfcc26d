// The site tables a command centre edits without a code change: who gets which category (routing.json), the
// response-time targets (sla.json), population (population.json) and when a report is flagged as a possible repeat
// call (repeat-calls.json, optional: server/site/repeat-calls.ts). Validated together at start-up, beside
// cameras.json: an error names the file and the field, and the server does not start. The zod schemas carry the
// descriptions docs/CONFIGURATION.md is generated from (scripts/config-doc.ts).
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CATEGORIES } from '../../domain/incident.ts';
import { dispatchTargetsSchema } from '../../domain/dispatch.ts';
import type { PopulationTable, SiteSla } from '../../domain/kpis.ts';
import { PROJECT_ROOT } from '../paths.ts';
import { DEFAULT_REPEAT_CALLS, REPEAT_CALLS_FILE, repeatCallsSchema, type RepeatCallsRule } from './repeat-calls.ts';

export const DEFAULT_SITE_DIR = path.join(PROJECT_ROOT, 'server/site');

const agencyId = z.string().regex(/^[a-z0-9_]{1,32}$/, 'an agency id is 1-32 of a-z, 0-9 and _');

export const routingSchema = z
  .strictObject({
    _comment: z.string().optional(),
    agencies: z
      .record(
        agencyId,
        z.strictObject({
          name: z.string().trim().min(1).max(80).describe('name as the wall shows it when it has no label of its own'),
          phone: z.string().regex(/^\d{3,15}$/, 'digits only').nullable().describe('national short code or number; null if none'),
        }),
      )
      .describe('every agency an incident can be passed to, by id (units carry the same id)'),
    routes: z
      .partialRecord(z.enum(CATEGORIES), z.array(agencyId).min(1))
      .describe('category → agencies, lead agency first; a category not listed goes where "lainnya" goes'),
  })
  .superRefine((t, ctx) => {
    if (!t.routes.lainnya) ctx.addIssue({ code: 'custom', path: ['routes', 'lainnya'], message: 'is required: unlisted categories go there' });
    for (const [category, ids] of Object.entries(t.routes)) {
      ids.forEach((id, k) => {
        if (!t.agencies[id]) ctx.addIssue({ code: 'custom', path: ['routes', category, k], message: `unknown agency ${id} (not in agencies)` });
      });
    }
  });
export type RoutingTable = z.infer<typeof routingSchema>;

const slaRule = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/).describe('stable id of the rule'),
  agency: z.string().min(1).describe('agency id, or * for every agency'),
  categories: z.union([z.literal('*'), z.array(z.enum(CATEGORIES)).min(1)]).describe('categories the target applies to, or *'),
  stage: z.enum(['dispatch', 'moving', 'arrival']).describe('measured from the report to a unit assigned, first movement or on scene'),
  minutes: z.number().positive().max(24 * 60).describe('the target'),
  label: z.string().min(1).max(80).describe('what the briefing prints beside the share'),
  labelEn: z.string().min(1).max(80).optional().describe('the label on an English briefing; label when absent'),
  // a target without its source is not allowed in: leadership must be able to ask "says who?"
  source: z.string().min(10).describe('where the target comes from (a regulation, a standard, the centre own decision)'),
});
export const slaSchema = z.strictObject({
  _comment: z.string().optional(),
  rules: z.array(slaRule).min(1).describe('the first rule matching (agency, category) applies; the last must be * for both'),
  dispatch: dispatchTargetsSchema.describe('the console queue: how long an incident may wait for its first unit, from its report'),
});

const counts = z.record(z.string(), z.number().int().positive());
export const populationSchema = z
  .strictObject({
    _comment: z.string().optional(),
    _source: z.string().min(1).nullable().describe('citation for every figure (publication, table, year, URL); null only when there are none'),
    kecamatan: counts.describe('inhabitants by kecamatan name as in geo/data'),
    kelurahan: counts.describe('inhabitants by kelurahan name as in geo/data'),
  })
  // a figure without its source is not allowed in: rates must be traceable
  .refine((p) => p._source !== null || (Object.keys(p.kecamatan).length === 0 && Object.keys(p.kelurahan).length === 0), {
    message: 'population figures need a _source citation',
    path: ['_source'],
  });

export interface SiteTables {
  routing: RoutingTable;
  sla: SiteSla;
  /** undefined when no figure is configured (the briefing then shows counts, no rates). */
  population: PopulationTable | undefined;
  /** When a new report is flagged as a possible repeat call (repeat-calls.json; optional, with defaults). */
  repeatCalls: RepeatCallsRule;
}

function read<T>(dir: string, name: string, schema: z.ZodType<T>): T {
  const file = path.join(dir, name);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${file}: ${i.path.join('.') || '(file)'}: ${i.message}`);
  }
  return r.data;
}

/** All three tables from `dir`, each validated, then checked against each other. Throws naming file and field. */
export function loadSiteTables(dir: string = DEFAULT_SITE_DIR): SiteTables {
  const routing = read(dir, 'routing.json', routingSchema);
  const sla = read(dir, 'sla.json', slaSchema);
  const pop = read(dir, 'population.json', populationSchema);
  sla.rules.forEach((r, k) => {
    if (r.agency !== '*' && !routing.agencies[r.agency]) throw new Error(`${path.join(dir, 'sla.json')}: rules.${k}.agency: unknown agency ${r.agency} (not in routing.json)`);
  });
  const ids = sla.rules.map((r) => r.id);
  const dup = ids.find((id, k) => ids.indexOf(id) !== k);
  if (dup) throw new Error(`${path.join(dir, 'sla.json')}: rules: duplicate rule id ${dup}`);
  const last = sla.rules[sla.rules.length - 1];
  if (last.agency !== '*' || last.categories !== '*') throw new Error(`${path.join(dir, 'sla.json')}: rules.${sla.rules.length - 1}: the last rule must cover every agency and category ('*')`);
  const empty = Object.keys(pop.kecamatan).length === 0 && Object.keys(pop.kelurahan).length === 0;
  // optional: a site folder made before the file existed gets the defaults
  const { _comment, ...repeatCalls } = fs.existsSync(path.join(dir, REPEAT_CALLS_FILE))
    ? read(dir, REPEAT_CALLS_FILE, repeatCallsSchema)
    : { ...DEFAULT_REPEAT_CALLS, _comment: undefined };
  return { repeatCalls, routing, sla: { rules: sla.rules, dispatch: sla.dispatch }, population: empty ? undefined : { kecamatan: pop.kecamatan, kelurahan: pop.kelurahan } };
}
