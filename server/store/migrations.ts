// Every schema change, in id order. Each capability owns its own list (ids 100-… incidents/auth, 200-… units, 300-… kpis,
// 400-… retention, 500-… places, 600-… recordings).
import type { Migration } from './schema/migration.ts';
import { incidentsMigrations } from './schema/incidents.ts';
import { unitsMigrations } from './schema/units.ts';
import { kpisMigrations } from './schema/kpis.ts';
import { retentionMigrations } from './schema/retention.ts';
import { placesMigrations } from './schema/places.ts';
import { recordingsMigrations } from './schema/recordings.ts';

export type { Migration };
export const migrations: Migration[] = [...incidentsMigrations, ...unitsMigrations, ...kpisMigrations, ...retentionMigrations, ...placesMigrations, ...recordingsMigrations];
