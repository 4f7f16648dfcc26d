// repeat-calls.json: when a new report is flagged as a possible repeat call about an open incident
// (Incident.possibleDuplicateOf, server/incidents/duplicates.ts). A site table the centre edits, validated at start-up
// with the others (tables.ts). Optional: a site folder made before the file existed gets the defaults below, so an
// upgrade never stops a server that started yesterday.
import { z } from 'zod';

export const REPEAT_CALLS_FILE = 'repeat-calls.json';

/** Used when the file is absent; the shipped file holds the same figures. */
export const DEFAULT_REPEAT_CALLS = {
  radiusM: 200,
  windowMinutes: 30,
  source:
    "Starting values chosen for issue #17, not a standard (no national or NENA figure exists). For comparison, Active911 flags a CAD alert re-sent within 0.05 mi (80 m) and 10 min of another by default (Duplicate alert options); 112 callers about one event stand further apart than one address (across the street, down the block), so 200 m plus both reports' location uncertainty, within 30 min of the incident's latest call (the first calls about a fire come in the minutes before the first unit arrives: Damkar's target is 7 min). The centre should tune both from its merges (history event call_merged).",
} as const;

export const repeatCallsSchema = z.strictObject({
  _comment: z.string().optional(),
  radiusM: z
    .number()
    .min(0)
    .max(5000)
    .describe(`a new report of the same category this close to an open incident (metres, plus both location uncertainties) may be the same event; default ${DEFAULT_REPEAT_CALLS.radiusM}`),
  windowMinutes: z
    .number()
    .positive()
    .max(24 * 60)
    .describe(`… if it was reported within this many minutes of that incident's latest call (its own, or one merged into it); also the window for a repeat from the same AML handset; default ${DEFAULT_REPEAT_CALLS.windowMinutes}`),
  // a figure without its source is not allowed in: "why 200 m?" must have an answer
  source: z.string().min(10).describe('where the figures come from (a standard, a vendor default, the centre own decision)'),
});
export type RepeatCallsRule = Omit<z.infer<typeof repeatCallsSchema>, '_comment'>;

