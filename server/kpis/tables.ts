// The two editable tables of the briefing: SLA targets (sla.json) and population (population.json), validated at start.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import { z } from 'zod';
import { CATEGORIES } from '../incidents/model.ts';
import routing from '../incidents/routing.json' with { type: 'json' };
import type { PopulationTable, SlaTable } from '../../domain/kpis.ts';

const Rule = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  agency: z.string().min(1),
  categories: z.union([z.literal('*'), z.array(z.enum(CATEGORIES)).min(1)]),
  stage: z.enum(['dispatch', 'moving', 'arrival']),
  minutes: z.number().positive().max(24 * 60),
  label: z.string().min(1).max(80),
  /** The label on an English briefing (the wall shows one language at a time); `label` when absent. */
  labelEn: z.string().min(1).max(80).optional(),
  // a target without its source is not allowed in: leadership must be able to ask "says who?"
  source: z.string().min(10),
});
const SlaFile = z
  .object({ _comment: z.string().optional(), rules: z.array(Rule).min(1) })
  .superRefine((t, ctx) => {
    const agencies = new Set([...Object.keys(routing.agencies), '*']);
    const ids = new Set<string>();
    t.rules.forEach((r, k) => {
      if (!agencies.has(r.agency)) ctx.addIssue({ code: 'custom', path: ['rules', k, 'agency'], message: `unknown agency ${r.agency} (server/incidents/routing.json)` });
      if (ids.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', k, 'id'], message: `duplicate rule id ${r.id}` });
      ids.add(r.id);
    });
    const last = t.rules[t.rules.length - 1];
    if (last.agency !== '*' || last.categories !== '*') {
      ctx.addIssue({ code: 'custom', path: ['rules', t.rules.length - 1], message: "the last rule must cover every agency and category ('*')" });
    }
  });
const Counts = z.record(z.string(), z.number().int().positive());
const PopulationFile = z
  .object({ _source: z.string().min(1).nullable(), kecamatan: Counts, kelurahan: Counts })
  // a figure without its source is not allowed in: rates must be traceable
  .refine((p) => p._source !== null || (Object.keys(p.kecamatan).length === 0 && Object.keys(p.kelurahan).length === 0), {
    message: 'population figures need a _source citation',
    path: ['_source'],
  });

const here = (name: string) => path.join(PROJECT_ROOT, 'server/kpis', name);

export function loadSla(file: string | URL = here('sla.json')): SlaTable {
  return { rules: SlaFile.parse(JSON.parse(fs.readFileSync(file, 'utf8'))).rules };
}

/** undefined when no figure is configured (the briefing then shows counts, no rates). */
export function loadPopulation(file: string | URL = here('population.json')): PopulationTable | undefined {
  const p = PopulationFile.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (Object.keys(p.kecamatan).length === 0 && Object.keys(p.kelurahan).length === 0) return undefined;
  return { kecamatan: p.kecamatan, kelurahan: p.kelurahan };
}
