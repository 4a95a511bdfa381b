import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { auditContextStorage } from '../audit/audit-context';
import type { Environment } from '../config/environment';
import { currentJobLogFields } from './log-fields';

const LEVELS: LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'log',
  'debug',
  'verbose',
];

/** Keys whose values never reach a log line, at any depth of a params object. */
export const REDACTED_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'adminToken',
  'password',
];

/** Bearer and Basic credentials and Chronicle token secrets in free text. */
const SECRET_IN_TEXT = /((?:Bearer|Basic)\s+)\S+|chr_[A-Za-z0-9_-]{8,}/gi;

/** Returns the log levels at and above LOG_LEVEL. */
export function logLevels(level: Environment['LOG_LEVEL']): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

/** Replaces bearer tokens and token secrets in a text with a mark. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_IN_TEXT, (_match, scheme?: string) =>
    scheme ? `${scheme}[REDACTED]` : '[REDACTED]',
  );
}

/**
 * The Nest console logger (JSON lines when LOG_JSON is on) that adds the
 * fields of the current unit of work to every line. In an HTTP request these
 * are `requestId` and `userId`, in a job `jobRunId` and the job's id, type,
 * queue and attempt. Token-like keys are masked, and bearer tokens in
 * messages are replaced.
 */
export class AppLogger extends ConsoleLogger {
  protected printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    const scoped = { ...scopeFields(), ...params };
    super.printMessages(
      messages.map((message) =>
        typeof message === 'string' ? redactSecrets(message) : message,
      ),
      context,
      logLevel,
      writeStreamType,
      typeof errorStack === 'string' ? redactSecrets(errorStack) : errorStack,
      Object.keys(scoped).length > 0 ? scoped : undefined,
    );
  }
}

function scopeFields(): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const audit = auditContextStorage.getStore();
  if (audit?.requestId) fields.requestId = audit.requestId;
  if (audit?.userId) fields.userId = audit.userId;
  if (audit?.jobRunId) fields.jobRunId = audit.jobRunId;

  return { ...fields, ...currentJobLogFields() };
}

/** Creates the logger of a Chronicle process from its environment. */
export function createAppLogger(
  environment: Pick<Environment, 'LOG_JSON' | 'LOG_LEVEL'>,
): AppLogger {
  return new AppLogger({
    json: environment.LOG_JSON,
    logLevels: logLevels(environment.LOG_LEVEL),
    flattenParams: true,
    redact: REDACTED_KEYS,
  });
}
