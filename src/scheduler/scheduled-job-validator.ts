import { Injectable } from '@nestjs/common';

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

/**
 * Accepts every type and payload. It is the binding for as long as no job
 * registry is part of the application; the registry's validator replaces it.
 */
@Injectable()
export class AcceptingJobValidator implements ScheduledJobValidator {
  validate(): Promise<string[]> {
    return Promise.resolve([]);
  }
}
