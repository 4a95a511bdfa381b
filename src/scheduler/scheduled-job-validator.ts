import type { Role } from '../auth/role';
/** The job a schedule submits at each slot, as far as it can be checked. */
export interface ScheduledJob {
  type: string;
  payload: unknown;
  /** The queue it names; null for the default queue. */
  queue: string | null;
}

/**
 * Checks the job of a schedule the way a job submission would, so a schedule
 * never fires a job that cannot be submitted.
 */
export interface ScheduledJobValidator {
  /**
   * @returns error messages naming the field; empty accepts the job.
   * @throws DomainError too-large for a payload above JOB_PAYLOAD_MAX_BYTES.
   */
  validate(job: ScheduledJob): Promise<string[]>;

  /**
   * Returns why a schedule owned by a user of `role` may not submit jobs of
   * `type`, or null when it may. The job type's minimumRole decides.
   */
  roleProblem(type: string, role: Role): string | null;
}

/** Injection token of the {@link ScheduledJobValidator}. */
export const SCHEDULED_JOB_VALIDATOR = Symbol('SCHEDULED_JOB_VALIDATOR');
