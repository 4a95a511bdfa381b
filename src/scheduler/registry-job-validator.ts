import type { Role } from '../auth/role';
import { Injectable } from '@nestjs/common';
import { tooLarge } from '../common/errors';
import { Environment } from '../config/environment';
import { JobQueues } from '../jobs/job-queues.service';
import { JobTypeRegistry } from '../jobs/job-type.registry';
import type {
  ScheduledJob,
  ScheduledJobValidator,
} from './scheduled-job-validator';

/**
 * Validates a schedule's job with the job type registry, the served queues
 * and JOB_PAYLOAD_MAX_BYTES, with the messages of `POST /jobs`. Payload
 * errors name `payload.field`, including the rules of the handler's
 * `check()`. The fields that need no configuration (type and queue names,
 * priority, attempts, backoff) are checked by the DTO decorators that
 * `POST /jobs` uses as well.
 */
@Injectable()
export class RegistryJobValidator implements ScheduledJobValidator {
  constructor(
    private readonly registry: JobTypeRegistry,
    private readonly queues: JobQueues,
    private readonly environment: Environment,
  ) {}

  roleProblem(type: string, role: Role): string | null {
    const registered = this.registry.find(type);

    return registered
      ? this.registry.submitterRoleProblem(registered, role)
      : null;
  }

  /** @throws DomainError too-large (413) for a payload above the limit. */
  async validate(job: ScheduledJob): Promise<string[]> {
    const errors: string[] = [];
    if (job.queue !== null && !this.queues.names.includes(job.queue)) {
      errors.push(
        `queue "${job.queue}" is not served; queues: ` +
          this.queues.names.join(', '),
      );
    }

    const type = this.registry.find(job.type);
    if (!type) {
      errors.push(
        `type "${job.type}" is not a job type; known types: ` +
          this.registry.names().join(', '),
      );

      return errors;
    }
    // As in POST /jobs, a payload above the limit is a 413 even when the
    // queue or the payload is invalid too.
    this.assertPayloadFits(job.payload);

    return [
      ...errors,
      ...(await this.registry.validate(type, job.payload, 'payload')),
    ];
  }

  /**
   * Rejects a payload whose JSON is longer than JOB_PAYLOAD_MAX_BYTES.
   * NOTE: JobSubmissionService.prepare builds the same message; the schedule
   * e2e tests compare the two.
   */
  private assertPayloadFits(payload: unknown): void {
    const size = Buffer.byteLength(JSON.stringify(payload));
    const maxSize = this.environment.JOB_PAYLOAD_MAX_BYTES;
    if (size > maxSize) {
      throw tooLarge(
        `payload is ${size} bytes; the limit is ${maxSize} bytes ` +
          '(JOB_PAYLOAD_MAX_BYTES)',
      );
    }
  }
}
