// Briefing KPIs capability: site tables (sla.json, population.json) → SQL query → /api/kpis router. Read-only on the store.
import type express from 'express';
import type { RequireRole } from '../http/roles.ts';
import type { Db } from '../store/db.ts';
import { createKpiQuery, type KpiQuery } from './query.ts';
import { createKpisRouter } from './routes.ts';
import type { SiteTables } from '../site/tables.ts';

export function startKpis(deps: { db: Db; requireRole: RequireRole; tables: SiteTables; replayMaxFixes?: number }): { router: express.Router; query: KpiQuery } {
  const query = createKpiQuery(deps.db, { sla: deps.tables.sla, population: deps.tables.population, replayMaxFixes: deps.replayMaxFixes });
  return { router: createKpisRouter({ query, requireRole: deps.requireRole, sla: deps.tables.sla }), query };
}
