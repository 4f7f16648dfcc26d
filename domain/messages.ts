// Everything /ws sends a wall, as one discriminated union: the snapshot on connect (and on resync), then ordered deltas
// with one monotonic seq. The schema is the contract the integration tests hold the server to; the wall reads the
// inferred type.
import { z } from 'zod';
import { cameraViewSchema } from './camera.ts';
import { incidentSchema } from './incident.ts';
import { unitSchema } from './unit.ts';

export const snapshotDataSchema = z.strictObject({
  cameras: z.array(cameraViewSchema),
  /** Open incidents, caller masked. */
  incidents: z.array(incidentSchema),
  units: z.array(unitSchema),
});
export type SnapshotData = z.infer<typeof snapshotDataSchema>;

const seq = z.number().int().nonnegative();

export const wsMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('snapshot'), seq, clientId: z.number().int(), data: snapshotDataSchema }),
  z.strictObject({ type: z.literal('incident'), seq, data: incidentSchema }),
  z.strictObject({ type: z.literal('unit'), seq, data: unitSchema }),
  z.strictObject({ type: z.literal('camera'), seq, data: cameraViewSchema }),
  /** Follow mode: a wall's pick relayed to every wall (`from` = the picking client, null = cleared). */
  z.strictObject({ type: z.literal('select'), seq, data: z.strictObject({ incidentId: z.string().nullable(), from: z.number().int() }) }),
]);
export type WsMessage = z.infer<typeof wsMessageSchema>;
export type DeltaType = Exclude<WsMessage['type'], 'snapshot'>;

/** What a wall may send: a resync request, or its pick for follow mode. */
export type WsClientMessage = { type: 'resync' } | { type: 'select'; data: { incidentId: string | null } };

/** Every list endpoint answers this envelope (plus context fields such as the query it answers). */
export interface ListOf<T> {
  items: T[];
}
