import { Injectable } from '@nestjs/common';
import { JobTypeRegistry } from '../jobs/job-type.registry';
import type { ScheduledJobValidator } from './scheduled-job-validator';

/**
 * Validates a schedule's job with the job type registry, with the messages of
 * `POST /jobs`: an unknown type names the known ones, and payload errors name
 * `payload.field`, including the rules of the handler's `check()`.
 */
@Injectable()
export class RegistryJobValidator implements ScheduledJobValidator {
  constructor(private readonly registry: JobTypeRegistry) {}

  async validate(type: string, payload: unknown): Promise<string[]> {
    const registered = this.registry.find(type);
    if (!registered) {
      return [
        `type "${type}" is not a job type; known types: ` +
          this.registry.names().join(', '),
      ];
    }

    return this.registry.validate(registered, payload, 'payload');
  }
}
