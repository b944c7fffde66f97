/** A problem with how the tool was called: bad flag, missing path. Exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A configuration file that cannot be loaded or does not validate. Exit code 2, no stack trace. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function isKnownError(error: unknown): error is UsageError | ConfigError {
  return error instanceof UsageError || error instanceof ConfigError;
}
