import { randomUUID } from 'node:crypto';
import { AuditedTransactionService } from '../../src/audit/audited-transaction.service';
import type { JobContext } from '../../src/jobs/job-type';
import type { TestApp } from './test-app';

/** A JobContext for calling a handler directly, recording what it reports. */
export interface TestJobContext extends JobContext {
  readonly progressValues: (number | Record<string, unknown>)[];
  readonly logLines: string[];
  readonly controller: AbortController;
}

/**
 * Builds the context the worker would pass: audited transactions as source
 * `job` for `userId` and a new job run id. audit_revision.job_run_id has no
 * foreign key, so no job run row is needed.
 *
 * @param onProgress called after each progress report, for example to abort.
 */
export function testJobContext(
  app: TestApp,
  type: string,
  userId: string | null,
  onProgress?: (value: number | Record<string, unknown>) => void,
): TestJobContext {
  const transactions = app.app.get(AuditedTransactionService);
  const controller = new AbortController();
  const jobRunId = randomUUID();
  const progressValues: (number | Record<string, unknown>)[] = [];
  const logLines: string[] = [];

  return {
    jobRunId,
    type,
    queue: 'default',
    attempt: 1,
    submittedBy: userId,
    signal: controller.signal,
    controller,
    progressValues,
    logLines,
    progress: (value) => {
      progressValues.push(value);
      onProgress?.(value);
      return Promise.resolve();
    },
    log: (message) => {
      logLines.push(message);
      return Promise.resolve();
    },
    transaction: (work) =>
      transactions.run(work, { userId, source: 'job', jobRunId }),
  };
}
