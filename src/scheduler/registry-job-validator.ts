import { Injectable } from '@nestjs/common';
import { JobQueues } from '../jobs/job-queues.service';
import { JobTypeRegistry } from '../jobs/job-type.registry';
import type {
  ScheduledJob,
  ScheduledJobValidator,
} from './scheduled-job-validator';

/**
 * Validates a schedule's job with the job type registry and the served
 * queues, with the messages of `POST /jobs`. Payload errors name
 * `payload.field`, including the rules of the handler's `check()`.
 */
@Injectable()
export class RegistryJobValidator implements ScheduledJobValidator {
  constructor(
    private readonly registry: JobTypeRegistry,
    private readonly queues: JobQueues,
  ) {}

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

    return [
      ...errors,
      ...(await this.registry.validate(type, job.payload, 'payload')),
    ];
  }
}
