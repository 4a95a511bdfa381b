/**
 * Checks the job type and payload of a schedule the way a job submission
 * would, so a schedule never fires a job that cannot be submitted.
 */
export interface ScheduledJobValidator {
  /** @returns error messages naming the field; empty accepts the job. */
  validate(type: string, payload: unknown): Promise<string[]>;
}

/** Injection token of the {@link ScheduledJobValidator}. */
export const SCHEDULED_JOB_VALIDATOR = Symbol('SCHEDULED_JOB_VALIDATOR');
