/** Exit codes of every `batata` command, documented in the README. */
export const EXIT = {
  OK: 0,
  /** Unexpected failure. */
  ERROR: 1,
  /** Bad arguments, invalid settings or rejected input (HTTP 400). */
  USAGE: 2,
  /** The thing asked for does not exist (HTTP 404). */
  NOT_FOUND: 3,
  /** The server could not be reached, or a port could not be bound. */
  UNAVAILABLE: 4,
  /** Authentication or permission failure (HTTP 401/403). */
  AUTH: 5,
  /** Conflict (CAS mismatch, already exists). */
  CONFLICT: 6,
} as const;

/** An error that ends the command with a specific exit code and a one-line message. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
