/**
 * One base error for the whole project (after kafkajs' `KafkaJSError`):
 * `retriable` tells the retry helper whether another attempt can help, and
 * `cause` keeps the underlying failure.
 */
export class GuardianError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** Bad configuration: an environment variable or argument that fails validation. */
export class ConfigError extends GuardianError {}

/** A service the command needs is not reachable; names the service and how to start it. */
export class ServiceUnavailableError extends GuardianError {
  constructor(readonly service: string, detail: string, options: { cause?: unknown } = {}) {
    super(`${service} is not reachable (${detail}); if it is the local stack's, start it with \`npx guardian stack up\``, {
      retriable: true,
      cause: options.cause,
    });
  }
}

/** Malformed input data: names the source, the line and the field. */
export class InputError extends GuardianError {
  constructor(
    message: string,
    readonly location: { source: string; line?: number; field?: string },
  ) {
    const where = [location.source, location.line, location.field].filter((part) => part !== undefined).join(':');
    super(`${where}: ${message}`);
  }
}
