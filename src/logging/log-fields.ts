import { AsyncLocalStorage } from 'node:async_hooks';

/** Fields of a job attempt that every log line written during it carries. */
export interface JobLogFields {
  jobId: string;
  jobType: string;
  queue: string;
  attempt: number;
}

const jobLogFieldsStorage = new AsyncLocalStorage<JobLogFields>();

/**
 * Runs `work` so that every log line it writes, across awaits, carries the
 * job's id, type, queue and attempt. The worker wraps each attempt in it.
 */
export function withJobLogFields<T>(fields: JobLogFields, work: () => T): T {
  return jobLogFieldsStorage.run(fields, work);
}

/** Returns the job fields of the current scope, if any. */
export function currentJobLogFields(): JobLogFields | undefined {
  return jobLogFieldsStorage.getStore();
}
