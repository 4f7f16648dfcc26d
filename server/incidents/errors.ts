// Errors the incident service and adapters throw; routes turn them into `{error, field}` JSON with the status.
export class IntakeError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly field: string | null = null,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
  toJSON() {
    return { error: this.error, field: this.field, ...this.extra };
  }
}

/** zod issues → the first offending field as a dotted path (e.g. "location.lat"). */
export function zodField(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }>): string | null {
  const path = issues[0]?.path ?? [];
  return path.length ? path.map(String).join('.') : null;
}
