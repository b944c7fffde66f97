/** A problem with how the tool was called: bad flag, missing path. Exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A configuration file that cannot be loaded or does not validate. Exit code 2, no stack trace. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A report or file the user asked for could not be written (full disk, no permission). Exit code 2, one line. */
export class OutputError extends Error {
  override name = 'OutputError';
}

export function isKnownError(error: unknown): error is UsageError | ConfigError | OutputError {
  return error instanceof UsageError || error instanceof ConfigError || error instanceof OutputError;
}
