// The two editable tables of the briefing: SLA targets (sla.json) and population (population.json), validated at start.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import { z } from 'zod';
import type { PopulationTable, SlaTable } from './compute.ts';

const Rule = z.object({ minutes: z.number().positive().max(24 * 60), stage: z.enum(['dispatch', 'moving', 'arrival']) });
const SlaFile = z.object({ default: Rule, byAgency: z.record(z.string(), Rule) });
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
  return SlaFile.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** undefined when no figure is configured (the briefing then shows counts, no rates). */
export function loadPopulation(file: string | URL = here('population.json')): PopulationTable | undefined {
  const p = PopulationFile.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (Object.keys(p.kecamatan).length === 0 && Object.keys(p.kelurahan).length === 0) return undefined;
  return { kecamatan: p.kecamatan, kelurahan: p.kelurahan };
}
