/**
 * An error caused by the user's input or environment (bad file, unknown country, missing model).
 * The CLI prints its message as one line and exits non-zero, without a stack trace.
 */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'UserError';
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** fetch() reports "fetch failed"; the reason (DNS, refused, ...) is in its cause, possibly an AggregateError without a message. */
export function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error;
  if (cause instanceof AggregateError && !cause.message) return cause.errors.map(describeError).join('; ');
  return describeError(cause);
}
