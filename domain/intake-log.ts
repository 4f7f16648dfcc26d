// The operator's "informasi" log (GET /api/intake/log, newest first): valid intake messages the server kept out of
// the live queue, as server and wall both know them.
import { z } from 'zod';
import { SOURCES } from './incident.ts';

/**
 * Every action the intake decoders write to the log (server/incidents/intake-cap.ts `decodeCap`; the AML decoder
 * ignores nothing). Test/System/Draft alerts are logged by status, Ack/Error by message type, then an alert whose
 * every info block has expired, then a new alert for somewhere else.
 */
export const INTAKE_LOG_ACTIONS = [
  'ignored_expired',
  'ignored_out_of_area',
  'ignored_test',
  'ignored_system',
  'ignored_draft',
  'ignored_ack',
  'ignored_error',
] as const;
export type IntakeLogAction = (typeof INTAKE_LOG_ACTIONS)[number];

export const intakeLogEntrySchema = z.strictObject({
  /** When the server logged it (ISO). */
  at: z.string(),
  source: z.enum(SOURCES),
  /** The message's own reference (CAP: `sender,identifier`). */
  ref: z.string().nullable(),
  action: z.enum(INTAKE_LOG_ACTIONS),
  /** What the message was about, in one line (headline, area, sender): free text from the feed. */
  summary: z.string(),
  /** The principal that posted it. */
  by: z.string(),
});
export type IntakeLogEntry = z.infer<typeof intakeLogEntrySchema>;
