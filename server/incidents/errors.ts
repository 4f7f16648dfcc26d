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

export { zodField } from '../http/errors.ts';
